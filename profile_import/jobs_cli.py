"""`profile-import jobs` and `profile-import api`: job reports from the terminal.

The `jobs` commands read and write the database directly, like the API does.
"""

import argparse
import json
import sys
from datetime import datetime
from typing import Any, TextIO, TypeAlias

from pydantic import ValidationError

from jobs.log_export import LogFormat, export_logs
from jobs.queries import (
    MAX_PAGE_SIZE,
    JobPage,
    JobQuery,
    JobType,
    list_jobs,
    report_view,
)
from jobs.report import JobStatus
from jobs.store import JobStore
from profile_import.database import Document, connect, database
from profile_import.errors import ConfigurationError
from profile_import.settings import Settings

DEFAULT_API_PORT = 8080

Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add_api_command(commands: Commands) -> None:
    """Declare `profile-import api`."""
    api = commands.add_parser(
        "api", help="serve the Management API and purge expired jobs"
    )
    api.add_argument("--host", default="127.0.0.1", help="address to listen on")
    api.add_argument(
        "--port", type=int, default=DEFAULT_API_PORT, help="port to listen on"
    )


def add_jobs_commands(commands: Commands) -> None:
    """Declare `profile-import jobs list|show|cancel|logs`."""
    jobs = commands.add_parser("jobs", help="list, show and cancel jobs, read logs")
    actions = jobs.add_subparsers(dest="jobs_command", required=True)
    _add_list(actions.add_parser("list", help="list job reports, newest first"))
    show = actions.add_parser("show", help="print a job report as JSON")
    show.add_argument("job_id")
    cancel = actions.add_parser("cancel", help="ask a waiting or running job to stop")
    cancel.add_argument("job_id")
    logs = actions.add_parser("logs", help="print a job's logs")
    logs.add_argument("job_id")
    logs.add_argument(
        "--format", choices=[f.value for f in LogFormat], default=LogFormat.JSONL
    )
    logs.add_argument("--errors-only", action="store_true", help="ERROR entries only")


def _add_list(listing: argparse.ArgumentParser) -> None:
    listing.add_argument("--job-id")
    listing.add_argument("--definition-id")
    listing.add_argument("--type", choices=[t.value for t in JobType])
    listing.add_argument("--status", choices=[s.value for s in JobStatus])
    listing.add_argument(
        "--from",
        dest="created_from",
        type=datetime.fromisoformat,
        help="only jobs created at or after this ISO time (UTC unless given)",
    )
    listing.add_argument(
        "--to",
        dest="created_to",
        type=datetime.fromisoformat,
        help="only jobs created before this ISO time (UTC unless given)",
    )
    listing.add_argument("--oldest-first", action="store_true")
    listing.add_argument("--page", type=int, default=1)
    listing.add_argument(
        "--page-size", type=int, default=50, help=f"at most {MAX_PAGE_SIZE}"
    )
    listing.add_argument("--json", action="store_true", help="print the page as JSON")


def job_query(arguments: argparse.Namespace) -> JobQuery:
    """Return the query of `jobs list` from its options."""
    try:
        return JobQuery(
            job_id=arguments.job_id,
            definition_id=arguments.definition_id,
            type=arguments.type,
            status=arguments.status,
            created_from=arguments.created_from,
            created_to=arguments.created_to,
            oldest_first=arguments.oldest_first,
            page=arguments.page,
            page_size=arguments.page_size,
        )
    except ValidationError as error:
        problems = "; ".join(
            ": ".join(filter(None, (".".join(map(str, e["loc"])), e["msg"])))
            for e in error.errors()
        )
        raise ConfigurationError(f"invalid job filter: {problems}") from error


def _json(value: Any) -> str:
    def encode(item: object) -> str:
        if isinstance(item, datetime):
            return item.isoformat()
        raise TypeError(f"cannot write {type(item).__name__} as JSON")

    return json.dumps(value, default=encode, sort_keys=True)


def page_lines(page: JobPage) -> list[str]:
    """Return a page of job reports as lines of text, then a count line."""
    lines = []
    for report in page.items:
        progress = report["progress"]
        created = report["created_at"]
        lines.append(
            f"{report['job_id']}  {report['status']:<20}  {report['type']:<6}  "
            f"{created.isoformat() if isinstance(created, datetime) else created}  "
            f"{report['source']}  {progress['lines_read']} lines read, "
            f"{progress['created']} created, {progress['merged']} merged, "
            f"{progress['failed']} failed"
        )
    pages = max(1, -(-page.total // page.page_size))
    lines.append(f"page {page.page} of {pages}, {page.total} jobs")
    return lines


async def run_jobs_command(
    arguments: argparse.Namespace, settings: Settings, out: TextIO = sys.stdout
) -> int:
    """Run one `jobs` command; return the exit status (1: no such job)."""
    client = connect(settings)
    try:
        db = database(client, settings)
        command = arguments.jobs_command
        if command == "list":
            page = await list_jobs(db, job_query(arguments))
            text = _json(page.model_dump()) if arguments.json else None
            print(text or "\n".join(page_lines(page)), file=out)
            return 0
        if command == "logs":
            if await JobStore(db).get(arguments.job_id) is None:
                return _no_job(arguments.job_id)
            log_format = LogFormat(arguments.format)
            errors_only = arguments.errors_only
            async for chunk in export_logs(
                db, arguments.job_id, log_format, errors_only=errors_only
            ):
                out.write(chunk)
            return 0
        report = await _show_or_cancel(JobStore(db), command, arguments.job_id)
        if report is None:
            return 1
        print(_json(report_view(report)), file=out)
        return 0
    finally:
        await client.close()


async def _show_or_cancel(
    store: JobStore, command: str, job_id: str
) -> Document | None:
    report = await store.get(job_id)
    if report is None:
        _no_job(job_id)
        return None
    if command == "show":
        return report
    canceled = await store.request_cancellation(job_id)
    if canceled is None:
        print(
            f"profile-import: job {job_id} is {report['status']}; only a WAITING "
            "or RUNNING job can be canceled",
            file=sys.stderr,
        )
    return canceled


def _no_job(job_id: str) -> int:
    print(f"profile-import: no job {job_id}", file=sys.stderr)
    return 1
