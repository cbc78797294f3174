import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from profile_import.settings import Settings
from tests.integration.conftest import WorkerProcesses
from tests.integration.helpers import wait_until

pytestmark = pytest.mark.integration

LINES: list[dict[str, Any]] = [
    {"email": "ada@example.com", "given_name": "Ada"},
    {"email": "not-an-email"},
    {"email": " ADA@example.com ", "family_name": "Lovelace"},
    {"email": "alan@example.com"},
]

_JOB_SECONDS = 60.0


def _jsonl(lines: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(line) + "\n" for line in lines).encode()


async def _definition(client: httpx.AsyncClient, **fields: Any) -> str:
    response = await client.post("/definitions", json={"name": "test", **fields})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _finished_report(client: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    report: dict[str, Any] = {}

    async def finished() -> bool:
        nonlocal report
        report = (await client.get(f"/jobs/{job_id}")).json()
        return report["status"] in {"SUCCESS", "FAILURE", "CANCELED"}

    await wait_until(finished, _JOB_SECONDS, f"job {job_id} to finish")
    return report


async def test_job_started_with_an_upload_is_imported(
    client: httpx.AsyncClient,
    db: Any,
    workers: WorkerProcesses,
    api_settings: Settings,
) -> None:
    workers.start()
    definition_id = await _definition(client, format="jsonl")

    started = await client.post(
        f"/definitions/{definition_id}/jobs",
        files={"file": ("../people.jsonl", _jsonl(LINES), "application/x-ndjson")},
    )

    assert started.status_code == 202, started.text
    job = started.json()
    assert job["status"] == "WAITING"
    assert job["definition_id"] == definition_id
    assert job["source"] == "people.jsonl"
    kept = api_settings.upload_dir / job["job_id"] / "people.jsonl"
    assert kept.read_bytes() == _jsonl(LINES)
    report = await _finished_report(client, job["job_id"])
    assert report["status"] == "SUCCESS"
    progress = report["progress"]
    assert (progress["lines_read"], progress["created"], progress["merged"]) == (
        4,
        2,
        1,
    )
    assert progress["failed"] == 1
    assert await db.profiles.count_documents({}) == 2
    listed = await client.get("/jobs", params={"definition_id": definition_id})
    assert [r["job_id"] for r in listed.json()["items"]] == [job["job_id"]]
    errors = await client.get(f"/jobs/{job['job_id']}/logs", params={"level": "ERROR"})
    assert [entry["line"] for entry in errors.json()] == [2]


async def test_job_started_with_a_path_applies_the_definition_options(
    client: httpx.AsyncClient,
    db: Any,
    workers: WorkerProcesses,
    api_settings: Settings,
) -> None:
    workers.start()
    (api_settings.import_dir / "crm").mkdir()
    (api_settings.import_dir / "crm" / "people.txt").write_bytes(_jsonl(LINES))
    definition_id = await _definition(
        client, format="jsonl", options={"lite": True, "max_errors": 0}
    )

    started = await client.post(
        f"/definitions/{definition_id}/jobs", json={"path": "crm/people.txt"}
    )

    assert started.status_code == 202, started.text
    assert started.json()["options"]["lite"] is True
    report = await _finished_report(client, started.json()["job_id"])
    assert report["status"] == "FAILURE"
    assert "more than the 0 allowed" in report["error"]
    assert await db.profiles.count_documents({}) == 0


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("../outside.jsonl", 403),
        ("/etc/passwd", 403),
        ("missing.jsonl", 422),
        ("", 422),
    ],
)
async def test_path_outside_the_import_folder_or_missing_is_refused(
    client: httpx.AsyncClient, api_settings: Settings, path: str, code: int
) -> None:
    (api_settings.import_dir.parent / "outside.jsonl").write_bytes(_jsonl(LINES))
    definition_id = await _definition(client)

    response = await client.post(
        f"/definitions/{definition_id}/jobs", json={"path": path}
    )

    assert response.status_code == code
    assert (await client.get("/jobs")).json()["total"] == 0


async def test_job_of_an_unknown_definition_is_not_found(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/definitions/nope/jobs", json={"path": "a.jsonl"})
    assert response.status_code == 404


async def test_job_needs_a_file_or_a_path(client: httpx.AsyncClient) -> None:
    definition_id = await _definition(client)
    url = f"/definitions/{definition_id}/jobs"

    as_text = await client.post(url, content=b"a.jsonl")
    without_file = await client.post(url, files={"other": ("a.jsonl", b"{}")})

    assert as_text.status_code == 415
    assert without_file.status_code == 422


async def test_job_with_an_unreadable_password_file_is_refused(
    client: httpx.AsyncClient, api_settings: Settings, tmp_path: Path
) -> None:
    (api_settings.import_dir / "a.jsonl.enc").write_bytes(b"Salted__")
    definition_id = await _definition(
        client, encryption={"password_ref": str(tmp_path / "no-such-file")}
    )

    response = await client.post(
        f"/definitions/{definition_id}/jobs", json={"path": "a.jsonl.enc"}
    )

    assert response.status_code == 422
    assert "password file" in response.json()["detail"]
