"""Routes of jobs: list and read reports, cancel, read and export logs."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import StreamingResponse

from api.context import Context
from jobs.events import LogLevel
from jobs.log_export import LogFormat, entry_view, export_logs, log_entries
from jobs.queries import JobPage, JobQuery, list_jobs, report_view
from profile_import.database import Document

router = APIRouter(prefix="/jobs", tags=["jobs"])

_MEDIA_TYPES = {LogFormat.JSONL: "application/x-ndjson", LogFormat.CSV: "text/csv"}


async def _report(context: Context, job_id: str) -> Document:
    report = await context.jobs.get(job_id)
    if report is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id}")
    return report


@router.get("", summary="List job reports")
async def list_job_reports(
    query: Annotated[JobQuery, Query()], context: Context
) -> JobPage:
    """Return a page of job reports, filtered and ordered as asked."""
    return await list_jobs(context.db, query)


@router.get("/{job_id}", summary="Read a job report")
async def get_job_report(job_id: str, context: Context) -> dict[str, Any]:
    """Return one job's report."""
    return report_view(await _report(context, job_id))


@router.post("/{job_id}/cancel", summary="Cancel a job")
async def cancel_job(job_id: str, context: Context) -> dict[str, Any]:
    """Ask a waiting or running job to stop; 409 when it has already ended."""
    report = await _report(context, job_id)
    canceled = await context.jobs.request_cancellation(job_id)
    if canceled is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"job {job_id} is {report['status']}; only a WAITING or RUNNING job "
            "can be canceled",
        )
    return report_view(canceled)


@router.get("/{job_id}/logs", summary="Read a job's logs")
async def get_job_logs(
    job_id: str, context: Context, level: LogLevel | None = None
) -> list[dict[str, Any]]:
    """Return a job's log entries, oldest first, maybe of one level only."""
    await _report(context, job_id)
    return [entry_view(e) async for e in log_entries(context.db, job_id, level)]


@router.get(
    "/{job_id}/logs/export",
    summary="Download a job's logs",
    response_class=StreamingResponse,
    responses={
        200: {"content": {m: {} for m in _MEDIA_TYPES.values()}},
    },
)
async def export_job_logs(
    job_id: str,
    context: Context,
    log_format: Annotated[LogFormat, Query(alias="format")] = LogFormat.JSONL,
    errors_only: bool = False,
) -> StreamingResponse:
    """Stream a job's logs as JSON lines or CSV, all entries or errors only."""
    await _report(context, job_id)
    suffix = "-errors" if errors_only else ""
    filename = f"job-{job_id}-logs{suffix}.{log_format.value}"
    return StreamingResponse(
        export_logs(context.db, job_id, log_format, errors_only=errors_only),
        media_type=_MEDIA_TYPES[log_format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
