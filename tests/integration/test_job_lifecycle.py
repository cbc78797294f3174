"""Job statuses, cancellation and testing mode on the real servers."""

import asyncio
from pathlib import Path
from typing import Any

import pytest

from jobs.store import JobStore
from producer.options import ImportOptions
from profile_import.import_run import new_job_id, run_import
from profile_import.settings import Settings
from tests.integration.conftest import WorkerProcesses
from tests.integration.helpers import wait_until, write_jsonl

pytestmark = pytest.mark.integration

PROFILE_COLLECTIONS = ("profiles", "lite_profiles", "identity_claims")


async def _dump(db: Any) -> dict[str, list[Any]]:
    return {
        name: [doc async for doc in db[name].find().sort("_id")]
        for name in PROFILE_COLLECTIONS
    }


async def test_a_job_goes_from_waiting_through_running_to_success(
    settings: Settings, db: Any, workers: WorkerProcesses, tmp_path: Path
) -> None:
    workers.start()
    path = write_jsonl(tmp_path / "one.jsonl", [{"email": "ada@example.com"}])

    report = await run_import(settings, path)

    assert report["status"] == "SUCCESS"
    assert report["created_at"] <= report["started_at"] <= report["finished_at"]
    logs = [
        entry["content"]
        async for entry in db.job_logs.find({"job_id": report["_id"]}).sort("date")
    ]
    assert logs[0] == "job started on one.jsonl"
    assert logs[-1].startswith("job SUCCESS")
    assert (await JobStore(db).count_by_status())["SUCCESS"] == 1


async def test_a_canceled_job_stops_and_says_what_was_applied(
    settings: Settings, db: Any, workers: WorkerProcesses, tmp_path: Path
) -> None:
    workers.start()
    lines = [{"email": f"p{i}@example.com", "given_name": "P"} for i in range(30_000)]
    path = write_jsonl(tmp_path / "many.jsonl", lines)
    options = ImportOptions(job_id=new_job_id())
    job = asyncio.create_task(run_import(settings, path, options))
    store = JobStore(db)

    async def running() -> bool:
        report = await store.get(options.job_id)
        return report is not None and report["status"] == "RUNNING"

    await wait_until(running, 60, "the job to start")
    assert await store.request_cancellation(options.job_id) is not None
    report = await job

    progress = report["progress"]
    assert report["status"] == "CANCELED"
    applied = sum(progress[name] for name in ("created", "merged", "unchanged"))
    assert applied + progress["canceled"] == progress["records_produced"]
    assert progress["lines_read"] < len(lines) or progress["canceled"] > 0
    assert await db.profiles.count_documents({}) == progress["created"]


async def test_testing_mode_predicts_a_real_run_and_writes_no_profile(
    settings: Settings, db: Any, workers: WorkerProcesses, tmp_path: Path
) -> None:
    workers.start()
    google = [{"provider": "google", "user_id": "7"}]
    await run_import(
        settings,
        write_jsonl(
            tmp_path / "first.jsonl",
            [
                {"email": "ada@example.com", "given_name": "Ada"},
                {"email": "grace@example.com"},
                {"identities": google},
            ],
        ),
    )
    second = write_jsonl(
        tmp_path / "second.jsonl",
        [
            {"email": "ada@example.com", "given_name": "Augusta"},  # unchanged
            {"email": "grace@example.com", "nickname": "amazing"},  # merged
            {"email": "alan@example.com"},  # created
            {"email": "alan@example.com", "nickname": "al"},  # merged into the new one
            {"email": "ada@example.com", "identities": google},  # conflict
            {"email": "bad"},  # invalid line
        ],
    )
    before = await _dump(db)

    predicted = await run_import(
        settings, second, ImportOptions(job_id=new_job_id(), testing=True)
    )
    after = await _dump(db)
    real = await run_import(settings, second)

    assert predicted["status"] == "SUCCESS"
    assert after == before
    production = predicted["production"]
    progress = real["progress"]
    assert production["would_created"] == progress["created"] == 1
    assert production["would_merged"] == progress["merged"] == 2
    assert production["would_unchanged"] == progress["unchanged"] == 1
    assert production["would_conflict"] == 1
    assert progress["failed"] == 2
    assert production["lines_rejected"] == 1
