"""Retention on the real database, with an injected clock."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from jobs.retention import (
    PurgeSummary,
    purge_expired_jobs,
    remove_uploads,
    run_retention,
)
from jobs.store import JobStore
from tests.integration.helpers import wait_until

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 1, tzinfo=UTC)

# job id: age in days on NOW
AGES = {"ancient": 400, "expired": 184, "kept": 182, "recent": 1}


async def _seed(db: Any) -> None:
    store = JobStore(db)
    for job_id, age in AGES.items():
        await store.create(job_id, "a.jsonl", {}, NOW - timedelta(days=age))
        for number in range(3):
            entry = {"level": "LOG", "content": "x", "date": NOW, "line": number}
            await store.add_log(f"{job_id}:{number}", job_id, entry)
        await db.record_outcomes.insert_one(
            {"_id": f"{job_id}:1", "job_id": job_id, "outcome": "created"}
        )


async def _remaining(db: Any, collection: str) -> set[str]:
    return {d["job_id"] async for d in db[collection].find()}


async def test_purge_deletes_only_expired_jobs_with_their_logs_and_outcomes(
    db: Any,
) -> None:
    await _seed(db)

    summary = await purge_expired_jobs(db, now=lambda: NOW)

    assert summary == PurgeSummary(jobs=2, logs=6, outcomes=2)
    assert {r["_id"] async for r in db.jobs.find()} == {"kept", "recent"}
    assert await _remaining(db, "job_logs") == {"kept", "recent"}
    assert await _remaining(db, "record_outcomes") == {"kept", "recent"}


async def test_purge_deletes_the_uploads_of_expired_jobs(
    db: Any, tmp_path: Path
) -> None:
    await _seed(db)
    for job_id in AGES:
        (tmp_path / job_id).mkdir()
        (tmp_path / job_id / "people.jsonl").write_text("{}\n", "utf-8")

    summary = await purge_expired_jobs(db, now=lambda: NOW, upload_dir=tmp_path)

    assert summary.uploads == 2
    left = await asyncio.to_thread(lambda: {p.name for p in tmp_path.iterdir()})
    assert left == {"kept", "recent"}


def test_remove_uploads_ignores_ids_that_name_no_folder_of_its_own(
    tmp_path: Path,
) -> None:
    uploads = tmp_path / "uploads"
    (uploads / "job").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()

    removed = remove_uploads(uploads, ["../elsewhere", "missing", "job"])

    assert removed == 1
    assert (tmp_path / "elsewhere").is_dir()
    assert not (uploads / "job").exists()


async def test_purge_follows_the_clock(db: Any) -> None:
    await _seed(db)

    nothing = await purge_expired_jobs(db, now=lambda: NOW - timedelta(days=300))
    later = await purge_expired_jobs(db, now=lambda: NOW + timedelta(days=182))

    assert nothing == PurgeSummary()
    assert later.jobs == 3
    assert {r["_id"] async for r in db.jobs.find()} == {"recent"}


async def test_retention_task_purges_until_stopped(db: Any) -> None:
    await _seed(db)
    stop = asyncio.Event()
    clock = [NOW]
    task = asyncio.create_task(run_retention(db, 0.05, stop, now=lambda: clock[0]))

    def left(expected: set[str]) -> Callable[[], Awaitable[bool]]:
        async def condition() -> bool:
            return {r["_id"] async for r in db.jobs.find()} == expected

        return condition

    await wait_until(left({"kept", "recent"}), 10.0, "the first purge")
    clock[0] = NOW + timedelta(days=182)
    await wait_until(left({"recent"}), 10.0, "a purge at the next interval")
    stop.set()
    await asyncio.wait_for(task, 5.0)
    assert task.done()
