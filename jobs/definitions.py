"""Job definitions: stored descriptions of an import, and the options they give.

A definition never holds a password: its encryption names a file that does,
read when a job starts, so that the password stays out of the database.
"""

import codecs
import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from producer.options import (
    DEFAULT_ITERATIONS,
    FileFormat,
    ImportOptions,
    SourceOptions,
    read_password_file,
)
from profile_import.database import JOB_DEFINITIONS, Document

logger = logging.getLogger(__name__)

Delimiter = Literal[",", ";", "|", "\t"]


class Encryption(BaseModel):
    """How an encrypted file was encrypted; the password stays in a file."""

    model_config = ConfigDict(extra="forbid")

    password_ref: str = Field(
        min_length=1,
        description="Path of a file whose first line is the password; "
        "never the password itself.",
    )
    iterations: int = Field(default=DEFAULT_ITERATIONS, ge=1)


class DefinitionOptions(BaseModel):
    """What the lines of the job do."""

    model_config = ConfigDict(extra="forbid")

    force_update: bool = False
    testing: bool = False
    lite: bool = False
    sms_matching: bool = False
    max_errors: int | None = Field(default=None, ge=0)


class DefinitionFields(BaseModel):
    """The fields of a job definition an operator writes."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    format: FileFormat | None = None
    delimiter: Delimiter | None = None
    encoding: str = "utf-8"
    encryption: Encryption | None = None
    options: DefinitionOptions = Field(default_factory=DefinitionOptions)

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown text encoding {value!r}") from None
        return value


class DefinitionCreate(DefinitionFields):
    """A new job definition."""


class DefinitionUpdate(DefinitionFields):
    """A job definition's new fields, replacing all of the old ones."""


class Definition(DefinitionFields):
    """A stored job definition."""

    id: str
    created_at: datetime
    updated_at: datetime


_READ_KEYS = (*DefinitionFields.model_fields, "created_at", "updated_at")


def _definition(document: Document) -> Definition:
    return Definition(id=document["_id"], **{k: document[k] for k in _READ_KEYS})


class DefinitionStore:
    """Creates, lists, reads, updates and deletes job definitions."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._definitions = db[JOB_DEFINITIONS]

    async def create(self, fields: DefinitionCreate) -> Definition:
        """Store a new definition and return it with its id."""
        now = _now()
        document: Document = {
            "_id": uuid.uuid4().hex,
            **fields.model_dump(mode="json"),
            "created_at": now,
            "updated_at": now,
        }
        await self._definitions.insert_one(document)
        logger.info("definition created definition_id=%s", document["_id"])
        return _definition(document)

    async def list_all(self) -> list[Definition]:
        """Return every definition, by name."""
        cursor = self._definitions.find().sort([("name", 1), ("_id", 1)])
        return [_definition(document) async for document in cursor]

    async def get(self, definition_id: str) -> Definition | None:
        """Return one definition, or None when there is none with this id."""
        document = await self._definitions.find_one({"_id": definition_id})
        return None if document is None else _definition(document)

    async def update(
        self, definition_id: str, fields: DefinitionUpdate
    ) -> Definition | None:
        """Replace a definition's fields; None when there is none with this id."""
        document = await self._definitions.find_one_and_update(
            {"_id": definition_id},
            {"$set": {**fields.model_dump(mode="json"), "updated_at": _now()}},
            return_document=ReturnDocument.AFTER,
        )
        return None if document is None else _definition(document)

    async def delete(self, definition_id: str) -> bool:
        """Delete a definition; False when there was none with this id."""
        result = await self._definitions.delete_one({"_id": definition_id})
        return result.deleted_count == 1


def _now() -> datetime:
    # The database keeps milliseconds: what is returned is then what is stored.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def read_password(reference: str) -> SecretStr:
    """Return the password held in the first line of the referenced file."""
    return read_password_file(Path(reference))


def job_options(
    definition: DefinitionFields, job_id: str
) -> tuple[ImportOptions, SourceOptions]:
    """Return the options of a job run from a definition, its password read now."""
    options = definition.options
    encryption = definition.encryption
    source = SourceOptions(
        format=definition.format,
        delimiter=definition.delimiter,
        encoding=definition.encoding,
        password=read_password(encryption.password_ref) if encryption else None,
        iterations=encryption.iterations if encryption else DEFAULT_ITERATIONS,
    )
    applying = ImportOptions(
        job_id=job_id,
        force_update=options.force_update,
        lite=options.lite,
        sms_matching=options.sms_matching,
        testing=options.testing,
        max_errors=options.max_errors,
    )
    return applying, source
