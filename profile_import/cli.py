"""The `profile-import` command line."""

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from jobs.report import JobStatus
from profile_import.errors import ProfileImportError
from profile_import.import_run import new_job_id, run_import
from profile_import.jobs_cli import (
    add_api_command,
    add_jobs_commands,
    run_jobs_command,
)
from profile_import.logging_setup import configure_logging
from profile_import.processes import run_processes
from profile_import.run_options import add_run_options, import_options, source_options
from profile_import.settings import get_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="profile-import",
        description="Stream user-profile files through Kafka into MongoDB.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="import a file as a job and wait for it")
    add_run_options(run)

    worker = commands.add_parser(
        "worker", help="apply records (and track jobs) until stopped"
    )
    worker.add_argument(
        "--no-tracker",
        action="store_true",
        help="only apply records; leave job tracking to `profile-import tracker`",
    )
    commands.add_parser("tracker", help="fold job events into job reports")
    add_jobs_commands(commands)
    add_api_command(commands)
    return parser


def _json_value(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _report_json(report: dict[str, Any]) -> str:
    shown = {"job_id": report["_id"], **{k: v for k, v in report.items() if k != "_id"}}
    return json.dumps(shown, default=_json_value, sort_keys=True)


def _prediction(report: dict[str, Any]) -> str:
    production = report["production"]

    def would(name: str) -> int:
        return int(production.get(f"would_{name}", 0))

    return (
        f"job {report['_id']} {report['status']} (testing, nothing written): "
        f"{production.get('lines_read', 0)} lines read, would create "
        f"{would('created')}, merge {would('merged')}, leave {would('unchanged')} "
        f"unchanged, skip {would('skipped')}; {would('conflict')} conflicts, "
        f"{production.get('lines_rejected', 0)} lines rejected"
    )


def _summary(report: dict[str, Any]) -> str:
    if report["options"].get("testing"):
        return _prediction(report)
    progress = report["progress"]
    return (
        f"job {report['_id']} {report['status']}: "
        f"{progress['lines_read']} lines read, "
        f"{progress['created']} created, {progress['merged']} merged, "
        f"{progress['unchanged']} unchanged, {progress['skipped']} skipped, "
        f"{progress['failed']} failed"
        + (f"\n{report['error']}" if report.get("error") else "")
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    arguments = _parser().parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level)
    try:
        if arguments.command == "run":
            options = import_options(arguments, new_job_id())
            source = source_options(arguments, settings)
            report = asyncio.run(run_import(settings, arguments.file, options, source))
            print(_report_json(report) if arguments.json else _summary(report))
            return 0 if report["status"] == JobStatus.SUCCESS else 1
        if arguments.command == "jobs":
            return asyncio.run(run_jobs_command(arguments, settings))
        if arguments.command == "api":
            from api.server import serve  # only the API needs FastAPI loaded

            asyncio.run(serve(settings, arguments.host, arguments.port))
            return 0
        consume = arguments.command == "worker"
        track = arguments.command == "tracker" or not arguments.no_tracker
        asyncio.run(run_processes(settings, consume=consume, track=track))
        return 0
    except ProfileImportError as error:
        print(f"profile-import: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
