"""Routes of job definitions: create, list, read, replace, delete."""

from fastapi import APIRouter, HTTPException, status

from api.context import Context
from jobs.definitions import Definition, DefinitionCreate, DefinitionUpdate

router = APIRouter(prefix="/definitions", tags=["definitions"])


def _not_found(definition_id: str) -> HTTPException:
    return HTTPException(
        status.HTTP_404_NOT_FOUND, f"no job definition {definition_id}"
    )


@router.get("", summary="List job definitions")
async def list_definitions(context: Context) -> list[Definition]:
    """Return every job definition, by name."""
    return await context.definitions.list_all()


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a job definition")
async def create_definition(fields: DefinitionCreate, context: Context) -> Definition:
    """Store a new job definition."""
    return await context.definitions.create(fields)


@router.get("/{definition_id}", summary="Read a job definition")
async def get_definition(definition_id: str, context: Context) -> Definition:
    """Return one job definition."""
    definition = await context.definitions.get(definition_id)
    if definition is None:
        raise _not_found(definition_id)
    return definition


@router.put("/{definition_id}", summary="Replace a job definition")
async def update_definition(
    definition_id: str, fields: DefinitionUpdate, context: Context
) -> Definition:
    """Replace every field of a job definition."""
    definition = await context.definitions.update(definition_id, fields)
    if definition is None:
        raise _not_found(definition_id)
    return definition


@router.delete(
    "/{definition_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a job definition",
)
async def delete_definition(definition_id: str, context: Context) -> None:
    """Delete a job definition; the reports of its jobs stay."""
    if not await context.definitions.delete(definition_id):
        raise _not_found(definition_id)
