import csv
import io
import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.api.conftest import context_of
from tests.api.seed import LOGS_OF_JOB_B, seed_jobs

pytestmark = pytest.mark.integration

# The seeded jobs were created a day apart, job-a first.
NEWEST_FIRST = ["job-e", "job-d", "job-c", "job-b", "job-a"]


@pytest.fixture
async def seeded(app: FastAPI) -> None:
    """The seeded job reports and logs, in the app's database."""
    await seed_jobs(context_of(app).db)


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [report["job_id"] for report in response.json()["items"]]


async def test_jobs_are_listed_newest_first_by_default(
    client: httpx.AsyncClient, seeded: None
) -> None:
    response = await client.get("/jobs")
    assert _ids(response) == NEWEST_FIRST
    assert response.json()["total"] == 5


async def test_jobs_are_listed_oldest_first_when_asked(
    client: httpx.AsyncClient, seeded: None
) -> None:
    response = await client.get("/jobs", params={"oldest_first": "true"})
    assert _ids(response) == NEWEST_FIRST[::-1]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"job_id": "job-c"}, ["job-c"]),
        ({"definition_id": "def-1"}, ["job-b", "job-a"]),
        ({"type": "export"}, ["job-e"]),
        ({"type": "import", "status": "SUCCESS"}, ["job-a"]),
        ({"status": "WAITING"}, ["job-d"]),
        ({"created_from": "2026-01-03T00:00:00Z"}, ["job-e", "job-d", "job-c"]),
        ({"created_to": "2026-01-02T00:00:00Z"}, ["job-a"]),
        (
            {
                "created_from": "2026-01-02T00:00:00+00:00",
                "created_to": "2026-01-04T00:00:00+00:00",
            },
            ["job-c", "job-b"],
        ),
        ({"job_id": "job-z"}, []),
    ],
)
async def test_jobs_are_filtered(
    client: httpx.AsyncClient,
    seeded: None,
    params: dict[str, str],
    expected: list[str],
) -> None:
    response = await client.get("/jobs", params=params)
    assert _ids(response) == expected
    assert response.json()["total"] == len(expected)


async def test_pages_cover_every_job_once(
    client: httpx.AsyncClient, seeded: None
) -> None:
    pages = [
        await client.get("/jobs", params={"page": page, "page_size": 2})
        for page in (1, 2, 3, 4)
    ]
    assert [_ids(page) for page in pages] == [
        ["job-e", "job-d"],
        ["job-c", "job-b"],
        ["job-a"],
        [],
    ]
    assert {page.json()["total"] for page in pages} == {5}
    assert pages[1].json()["page"] == 2
    assert pages[1].json()["page_size"] == 2


@pytest.mark.parametrize(
    "params",
    [
        {"status": "DONE"},
        {"type": "replay"},
        {"page": "0"},
        {"page_size": "501"},
        {"created_from": "yesterday"},
        {"created_from": "2026-02-01T00:00:00Z", "created_to": "2026-01-01T00:00:00Z"},
        {"colour": "blue"},
    ],
)
async def test_invalid_filter_is_refused(
    client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    response = await client.get("/jobs", params=params)
    assert response.status_code == 422


async def test_one_job_report_is_read(client: httpx.AsyncClient, seeded: None) -> None:
    response = await client.get("/jobs/job-b")
    assert response.status_code == 200
    report = response.json()
    assert report["job_id"] == "job-b"
    assert report["definition_id"] == "def-1"
    assert report["status"] == "FAILURE"
    assert report["created_at"].startswith("2026-01-02T00:00:00")
    assert set(report["progress"]) >= {"lines_read", "created", "merged", "failed"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/jobs/nope"),
        ("POST", "/jobs/nope/cancel"),
        ("GET", "/jobs/nope/logs"),
        ("GET", "/jobs/nope/logs/export"),
    ],
)
async def test_unknown_job_is_not_found(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path)
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


@pytest.mark.parametrize(
    ("job_id", "code", "status"),
    [
        ("job-d", 200, "WAITING_CANCELLATION"),
        ("job-c", 200, "WAITING_CANCELLATION"),
        ("job-a", 409, "SUCCESS"),
        ("job-b", 409, "FAILURE"),
    ],
)
async def test_cancel_asks_only_waiting_or_running_jobs_to_stop(
    client: httpx.AsyncClient, seeded: None, job_id: str, code: int, status: str
) -> None:
    response = await client.post(f"/jobs/{job_id}/cancel")
    assert response.status_code == code
    assert (await client.get(f"/jobs/{job_id}")).json()["status"] == status


async def test_cancel_twice_is_a_conflict(
    client: httpx.AsyncClient, seeded: None
) -> None:
    assert (await client.post("/jobs/job-d/cancel")).status_code == 200
    assert (await client.post("/jobs/job-d/cancel")).status_code == 409


@pytest.mark.parametrize(
    ("params", "levels"),
    [
        ({}, ["LOG", "ERROR", "WARNING", "ERROR"]),
        ({"level": "ERROR"}, ["ERROR", "ERROR"]),
        ({"level": "WARNING"}, ["WARNING"]),
    ],
)
async def test_job_logs_are_read_oldest_first(
    client: httpx.AsyncClient,
    seeded: None,
    params: dict[str, str],
    levels: list[str],
) -> None:
    response = await client.get("/jobs/job-b/logs", params=params)
    assert [entry["level"] for entry in response.json()] == levels


async def test_job_logs_refuse_an_unknown_level(
    client: httpx.AsyncClient, seeded: None
) -> None:
    response = await client.get("/jobs/job-b/logs", params={"level": "DEBUG"})
    assert response.status_code == 422


async def test_job_without_logs_has_an_empty_list(
    client: httpx.AsyncClient, seeded: None
) -> None:
    assert (await client.get("/jobs/job-a/logs")).json() == []


@pytest.mark.parametrize(
    ("errors_only", "lines", "filename"),
    [
        ("false", [None, 2, 3, 4], "job-job-b-logs.jsonl"),
        ("true", [2, 4], "job-job-b-logs-errors.jsonl"),
    ],
)
async def test_logs_download_as_json_lines(
    client: httpx.AsyncClient,
    seeded: None,
    errors_only: str,
    lines: list[int | None],
    filename: str,
) -> None:
    response = await client.get(
        "/jobs/job-b/logs/export",
        params={"format": "jsonl", "errors_only": errors_only},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert f'filename="{filename}"' in response.headers["content-disposition"]
    entries = [json.loads(line) for line in response.text.splitlines()]
    assert [entry["line"] for entry in entries] == lines
    assert set(entries[0]) == {"level", "date", "line", "field", "content"}


@pytest.mark.parametrize(
    ("errors_only", "expected"),
    [
        ("false", LOGS_OF_JOB_B),
        ("true", [e for e in LOGS_OF_JOB_B if e[0] == "ERROR"]),
    ],
)
async def test_logs_download_as_csv(
    client: httpx.AsyncClient,
    seeded: None,
    errors_only: str,
    expected: list[tuple[str, str, int | None, str | None]],
) -> None:
    response = await client.get(
        "/jobs/job-b/logs/export", params={"format": "csv", "errors_only": errors_only}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert ".csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text, newline="")))
    assert list(rows[0]) == ["level", "date", "line", "field", "content"]
    shown: list[Any] = [
        (row["level"], row["content"], row["line"], row["field"]) for row in rows
    ]
    assert shown == [
        (level, content, "" if line is None else str(line), field or "")
        for level, content, line, field in expected
    ]


async def test_csv_download_of_a_job_without_logs_is_only_the_header(
    client: httpx.AsyncClient, seeded: None
) -> None:
    response = await client.get("/jobs/job-a/logs/export", params={"format": "csv"})
    assert response.text == "level,date,line,field,content\r\n"


async def test_download_refuses_an_unknown_format(
    client: httpx.AsyncClient, seeded: None
) -> None:
    response = await client.get("/jobs/job-b/logs/export", params={"format": "xml"})
    assert response.status_code == 422
