"""`profile-import jobs` against the real database."""

import argparse
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jobs.store import JobStore
from profile_import.errors import ConfigurationError
from profile_import.jobs_cli import add_jobs_commands, run_jobs_command
from profile_import.settings import Settings

pytestmark = pytest.mark.integration

BASE = datetime(2026, 1, 1, tzinfo=UTC)


def _arguments(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_jobs_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["jobs", *argv])


async def _run(settings: Settings, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = await run_jobs_command(_arguments(*argv), settings, out)
    return status, out.getvalue()


@pytest.fixture
async def seeded(db: Any) -> None:
    """Three jobs a day apart (the last one of definition d2), and logs."""
    store = JobStore(db)
    for day, job_id in enumerate(("j1", "j2", "j3")):
        definition_id = "d2" if job_id == "j3" else "d1"
        created = BASE + timedelta(days=day)
        await store.create(job_id, f"{job_id}.csv", {}, created, definition_id)
    await db.jobs.update_one({"_id": "j1"}, {"$set": {"status": "SUCCESS"}})
    for number, level in enumerate(("LOG", "ERROR", "WARNING")):
        entry = {
            "level": level,
            "content": f"{level.lower()}, with a comma",
            "date": BASE + timedelta(seconds=number),
            "line": number,
            "field": None,
        }
        await store.add_log(f"j2:{number}", "j2", entry)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ((), ["j3", "j2", "j1"]),
        (("--oldest-first",), ["j1", "j2", "j3"]),
        (("--definition-id", "d1"), ["j2", "j1"]),
        (("--job-id", "j2"), ["j2"]),
        (("--status", "SUCCESS"), ["j1"]),
        (("--type", "export"), []),
        (("--from", "2026-01-02", "--to", "2026-01-03"), ["j2"]),
        (("--page", "2", "--page-size", "2"), ["j1"]),
    ],
)
async def test_jobs_list_filters_orders_and_pages(
    settings: Settings, seeded: None, argv: tuple[str, ...], expected: list[str]
) -> None:
    status, out = await _run(settings, "list", "--json", *argv)
    assert status == 0
    assert [report["job_id"] for report in json.loads(out)["items"]] == expected


async def test_jobs_list_prints_a_line_per_job_and_a_count(
    settings: Settings, seeded: None
) -> None:
    _status, out = await _run(settings, "list", "--page-size", "2")
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[:2]] == ["j3", "j2"]
    assert lines[2] == "page 1 of 2, 3 jobs"


async def test_jobs_list_refuses_an_inverted_range(settings: Settings) -> None:
    with pytest.raises(ConfigurationError, match="invalid job filter"):
        await _run(settings, "list", "--from", "2026-02-01", "--to", "2026-01-01")


async def test_jobs_show_prints_the_report_as_json(
    settings: Settings, seeded: None
) -> None:
    status, out = await _run(settings, "show", "j3")
    report = json.loads(out)
    assert status == 0
    assert (report["job_id"], report["definition_id"]) == ("j3", "d2")


@pytest.mark.parametrize("command", ["show", "cancel", "logs"])
async def test_jobs_commands_fail_on_an_unknown_job(
    settings: Settings, seeded: None, command: str
) -> None:
    status, out = await _run(settings, command, "nope")
    assert (status, out) == (1, "")


async def test_jobs_cancel_moves_a_waiting_job_once(
    settings: Settings, seeded: None, db: Any
) -> None:
    first, out = await _run(settings, "cancel", "j2")
    second, _ = await _run(settings, "cancel", "j2")
    ended, _ = await _run(settings, "cancel", "j1")

    assert json.loads(out)["status"] == "WAITING_CANCELLATION"
    assert (first, second, ended) == (0, 1, 1)
    assert (await db.jobs.find_one({"_id": "j1"}))["status"] == "SUCCESS"


@pytest.mark.parametrize(
    ("argv", "levels"),
    [((), ["LOG", "ERROR", "WARNING"]), (("--errors-only",), ["ERROR"])],
)
async def test_jobs_logs_print_json_lines(
    settings: Settings, seeded: None, argv: tuple[str, ...], levels: list[str]
) -> None:
    status, out = await _run(settings, "logs", "j2", *argv)
    assert status == 0
    assert [json.loads(line)["level"] for line in out.splitlines()] == levels


async def test_jobs_logs_print_csv(settings: Settings, seeded: None) -> None:
    _status, out = await _run(settings, "logs", "j2", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows[0] == ["level", "date", "line", "field", "content"]
    assert [row[4] for row in rows[1:]] == [
        "log, with a comma",
        "error, with a comma",
        "warning, with a comma",
    ]
