"""Listing job reports: filters, order and pages, and how a report is shown."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from jobs.report import JobStatus
from profile_import.database import JOBS, Document

MAX_PAGE_SIZE = 500


class JobType(StrEnum):
    """What a job does."""

    IMPORT = "import"
    EXPORT = "export"


class JobQuery(BaseModel):
    """Which job reports to list, in which order, and which page of them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    job_id: str | None = None
    definition_id: str | None = None
    type: JobType | None = None
    status: JobStatus | None = None
    created_from: datetime | None = Field(
        default=None, description="Only jobs created at or after this time."
    )
    created_to: datetime | None = Field(
        default=None, description="Only jobs created before this time."
    )
    oldest_first: bool = False
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)

    @model_validator(mode="after")
    def _range_in_order(self) -> "JobQuery":
        if (
            self.created_from is not None
            and self.created_to is not None
            and self.created_from > self.created_to
        ):
            raise ValueError("created_from is after created_to")
        return self


class JobPage(BaseModel):
    """One page of job reports and how many match in all."""

    items: list[dict[str, Any]]
    total: int
    page: int
    page_size: int


def job_filter(query: JobQuery) -> Document:
    """Return the database filter of a query."""
    conditions: Document = {}
    if query.job_id is not None:
        conditions["_id"] = query.job_id
    if query.definition_id is not None:
        conditions["definition_id"] = query.definition_id
    if query.type is not None:
        conditions["type"] = query.type.value
    if query.status is not None:
        conditions["status"] = query.status.value
    created: Document = {}
    if query.created_from is not None:
        created["$gte"] = query.created_from
    if query.created_to is not None:
        created["$lt"] = query.created_to
    if created:
        conditions["created_at"] = created
    return conditions


def job_order(query: JobQuery) -> list[tuple[str, int]]:
    """Return the sort of a query: by creation time, the id breaking ties."""
    direction = ASCENDING if query.oldest_first else DESCENDING
    return [("created_at", direction), ("_id", direction)]


def report_view(report: Document) -> dict[str, Any]:
    """Return a stored job report as shown to operators, its id as `job_id`."""
    return {"job_id": report["_id"], **{k: v for k, v in report.items() if k != "_id"}}


async def list_jobs(db: AsyncDatabase[Document], query: JobQuery) -> JobPage:
    """Return the page of job reports a query asks for, and the total matching."""
    conditions = job_filter(query)
    cursor = (
        db[JOBS]
        .find(conditions)
        .sort(job_order(query))
        .skip((query.page - 1) * query.page_size)
        .limit(query.page_size)
    )
    items = [report_view(report) async for report in cursor]
    total = await db[JOBS].count_documents(conditions)
    return JobPage(items=items, total=total, page=query.page, page_size=query.page_size)
