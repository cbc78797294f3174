"""Starting a job from a definition, with an uploaded file or a server-side path."""

import asyncio
import logging
import shutil
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import UploadFile

from api.context import Context
from jobs.definitions import job_options
from jobs.queries import report_view
from profile_import.errors import ConfigurationError
from profile_import.import_run import create_job_report, new_job_id

logger = logging.getLogger(__name__)

router = APIRouter(tags=["jobs"])


class StartFromPath(BaseModel):
    """A file to import, named relative to the import folder."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1)


class PathRefusedError(ConfigurationError):
    """A path that leads out of the import folder."""


def resolve_import_path(import_dir: Path, given: str) -> Path:
    """Return the file a path names under the import folder.

    Raises PathRefusedError for a path leading out of the folder (`..`, an
    absolute path, a symbolic link), ConfigurationError when there is no file.
    """
    root = import_dir.resolve()
    candidate = (root / given).resolve()
    if not candidate.is_relative_to(root):
        raise PathRefusedError(f"{given} is not under the import folder")
    if not candidate.is_file():
        raise ConfigurationError(f"no file {given} in the import folder")
    return candidate


def upload_path(upload_dir: Path, job_id: str, filename: str | None) -> Path:
    """Return where an uploaded file is kept: its base name in the job's folder."""
    name = Path(filename or "").name or "upload"
    return upload_dir / job_id / name


def _save(upload: UploadFile, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        shutil.copyfileobj(upload.file, out)


async def _uploaded_file(request: Request, upload_dir: Path, job_id: str) -> Path:
    async with request.form() as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "no file in the `file` field"
            )
        target = upload_path(upload_dir, job_id, upload.filename)
        await asyncio.to_thread(_save, upload, target)
    return target


async def _named_file(request: Request, import_dir: Path) -> Path:
    try:
        body = StartFromPath.model_validate_json(await request.body())
    except ValidationError as error:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, error.errors(include_url=False)
        ) from error
    try:
        return resolve_import_path(import_dir, body.path)
    except PathRefusedError as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(error)) from error
    except ConfigurationError as error:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)
        ) from error


_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
        "application/json": {"schema": StartFromPath.model_json_schema()},
    },
}


@router.post(
    "/definitions/{definition_id}/jobs",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start a job from a definition",
    openapi_extra={"requestBody": _REQUEST_BODY},
)
async def start_job(
    definition_id: str, request: Request, context: Context
) -> dict[str, Any]:
    """Create a job and produce its file in the background; return its report.

    The file is uploaded (multipart, field `file`) or named by a JSON
    `{"path": ...}` relative to the import folder.
    """
    definition = await context.definitions.get(definition_id)
    if definition is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"no job definition {definition_id}"
        )
    job_id = new_job_id()
    try:
        options, source = job_options(definition, job_id)
    except ConfigurationError as error:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)
        ) from error
    content_type = request.headers.get("content-type", "")
    settings = context.settings
    if content_type.startswith("multipart/form-data"):
        path = await _uploaded_file(request, settings.upload_dir, job_id)
    elif content_type.startswith("application/json"):
        path = await _named_file(request, settings.import_dir)
    else:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            "send the file as multipart/form-data or its path as JSON",
        )
    report = await create_job_report(
        context.jobs, path.name, options, source, definition_id
    )
    context.produce(path, options, source)
    logger.info("job started job_id=%s definition_id=%s", job_id, definition_id)
    return report_view(report)
