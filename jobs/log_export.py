"""Job logs read back and downloaded as JSON lines or CSV, a chunk at a time."""

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from jobs.events import LogLevel
from profile_import.database import JOB_LOGS, Document

CSV_COLUMNS = ("level", "date", "line", "field", "content")

_ENTRIES_PER_CHUNK = 500


class LogFormat(StrEnum):
    """Formats of a job's log download."""

    JSONL = "jsonl"
    CSV = "csv"


def log_filter(job_id: str, level: LogLevel | None = None) -> Document:
    """Return the database filter of a job's log entries, maybe of one level."""
    conditions: Document = {"job_id": job_id}
    if level is not None:
        conditions["level"] = level.value
    return conditions


def entry_view(entry: Document) -> dict[str, Any]:
    """Return a stored log entry as shown to operators."""
    date = entry.get("date")
    return {
        "level": entry.get("level"),
        "date": date.isoformat() if isinstance(date, datetime) else date,
        "line": entry.get("line"),
        "field": entry.get("field"),
        "content": entry.get("content"),
    }


def jsonl_chunk(entries: Iterable[Document]) -> str:
    """Return log entries as JSON lines."""
    return "".join(
        json.dumps(entry_view(entry), ensure_ascii=False) + "\n" for entry in entries
    )


def csv_chunk(entries: Iterable[Document], *, header: bool) -> str:
    """Return log entries as CSV rows, after the header when asked."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    for entry in entries:
        view = entry_view(entry)
        writer.writerow(["" if view[c] is None else view[c] for c in CSV_COLUMNS])
    return buffer.getvalue()


async def log_entries(
    db: AsyncDatabase[Document], job_id: str, level: LogLevel | None = None
) -> AsyncIterator[Document]:
    """Yield a job's log entries, oldest first."""
    cursor = (
        db[JOB_LOGS].find(log_filter(job_id, level)).sort([("date", 1), ("_id", 1)])
    )
    async for entry in cursor:
        yield entry


async def export_logs(
    db: AsyncDatabase[Document],
    job_id: str,
    log_format: LogFormat,
    *,
    errors_only: bool = False,
) -> AsyncIterator[str]:
    """Yield a job's logs as text chunks in the given format.

    A CSV download always starts with its header, even when there is no entry.
    """
    level = LogLevel.ERROR if errors_only else None
    first = True
    batch: list[Document] = []
    async for entry in log_entries(db, job_id, level):
        batch.append(entry)
        if len(batch) == _ENTRIES_PER_CHUNK:
            yield _chunk(batch, log_format, header=first)
            first, batch = False, []
    if batch or (first and log_format is LogFormat.CSV):
        yield _chunk(batch, log_format, header=first)


def _chunk(entries: list[Document], log_format: LogFormat, *, header: bool) -> str:
    if log_format is LogFormat.CSV:
        return csv_chunk(entries, header=header)
    return jsonl_chunk(entries)
