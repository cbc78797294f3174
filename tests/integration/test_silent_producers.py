"""A job whose producing process dies ends instead of waiting forever."""

import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from jobs.report import JobStatus
from jobs.store import JobStore
from jobs.tracker import JobTracker
from producer.heartbeat import ProducerHeartbeat
from profile_import.database import Document
from profile_import.kafka import create_consumer
from profile_import.settings import Settings
from tests.integration.conftest import WorkerProcesses, settings_environment
from tests.integration.helpers import wait_until, write_jsonl

pytestmark = pytest.mark.integration

CREATED = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
"""When the test jobs were created; the test database reads dates back naive."""


async def _new_job(store: JobStore, job_id: str) -> None:
    await store.create(job_id, f"{job_id}.jsonl", {}, CREATED)


async def test_jobs_whose_producer_went_silent_are_ended(
    settings: Settings, db: Any
) -> None:
    store = JobStore(db)
    for job_id in ("silent", "canceling", "done", "recent"):
        await _new_job(store, job_id)
    await store.request_cancellation("canceling")
    await db.jobs.update_one({"_id": "done"}, {"$set": {"producer_done_at": CREATED}})
    timeout = settings.producer_timeout_seconds
    now = CREATED + timedelta(seconds=timeout + 1)
    await db.jobs.update_one(
        {"_id": "recent"}, {"$set": {"producer_seen_at": now - timedelta(seconds=1)}}
    )
    consumer = create_consumer(settings, settings.tracker_group)
    tracker = JobTracker(settings, store, consumer)
    try:
        ended = await tracker.end_silent_productions(now)
    finally:
        consumer.close()

    assert sorted(ended) == ["canceling", "silent"]
    statuses = {job["_id"]: job["status"] async for job in db.jobs.find()}
    assert statuses == {
        "silent": "FAILURE",
        "canceling": "CANCELED",
        "done": "WAITING",
        "recent": "WAITING",
    }
    silent = await store.get("silent")
    assert silent is not None
    assert "went silent" in silent["error"]
    assert silent["finished_at"] == now.replace(tzinfo=None)
    logs = await store.logs("silent")
    assert [(log["level"], log["content"]) for log in logs] == [
        ("ERROR", f"job FAILURE: {silent['error']}")
    ]


async def test_records_applied_after_the_end_still_count_for_an_interrupted_job(
    settings: Settings, db: Any
) -> None:
    store = JobStore(db)
    for job_id in ("silent", "finished"):
        await _new_job(store, job_id)
    await store.finish("finished", JobStatus.SUCCESS, CREATED)
    consumer = create_consumer(settings, settings.tracker_group)
    tracker = JobTracker(settings, store, consumer)
    try:
        late = CREATED + timedelta(seconds=settings.producer_timeout_seconds + 1)
        assert await tracker.end_silent_productions(late) == ["silent"]
        for job_id in ("silent", "finished"):
            await db.record_outcomes.insert_many(
                [
                    {"job_id": job_id, "line": 1, "outcome": "created"},
                    {"job_id": job_id, "line": 2, "outcome": "merged"},
                ]
            )
            await tracker.settle(job_id)
    finally:
        consumer.close()

    silent, finished = await store.get("silent"), await store.get("finished")
    assert silent is not None
    assert finished is not None
    assert silent["status"] == "FAILURE"
    assert silent["production"]["interrupted"] is True
    assert (silent["progress"]["processed"], silent["progress"]["created"]) == (2, 1)
    assert finished["status"] == "SUCCESS"
    assert finished["progress"]["processed"] == 0


async def test_a_heartbeat_stamps_its_job_while_it_runs_and_when_done(
    settings: Settings, db: Any
) -> None:
    store = JobStore(db)
    await _new_job(store, "beating")
    client: MongoClient[Document] = MongoClient(settings.mongo_uri, tz_aware=True)

    async def stamped() -> bool:
        report = await store.get("beating")
        seen = report["producer_seen_at"] if report else None
        return seen is not None and seen > CREATED.replace(tzinfo=None)

    try:
        with ProducerHeartbeat(client, settings.database, "beating", 0.05):
            await wait_until(stamped, 10, "a heartbeat")
            report = await store.get("beating")
            assert report is not None
            assert report["producer_done_at"] is None
    finally:
        client.close()

    report = await store.get("beating")
    assert report is not None
    assert report["producer_done_at"] >= report["producer_seen_at"]


def _start_run(settings: Settings, path: Path) -> subprocess.Popen[bytes]:
    """Start `profile-import run` on a file, as an operator would."""
    return subprocess.Popen(
        [sys.executable, "-m", "profile_import.cli", "run", str(path)],
        env=settings_environment(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def test_a_run_killed_while_producing_ends_in_failure(
    settings: Settings, db: Any, tmp_path: Path
) -> None:
    quick = settings.model_copy(update={"producer_timeout_seconds": 2.0})
    trackers = WorkerProcesses(quick, tmp_path)
    lines = [{"email": f"p{i}@example.com"} for i in range(200_000)]
    path = write_jsonl(tmp_path / "long.jsonl", lines)
    run = _start_run(quick, path)
    store = JobStore(db)
    try:
        trackers.start()

        async def running() -> bool:
            return bool(await db.jobs.count_documents({"status": "RUNNING"}) == 1)

        await wait_until(running, 60, "the job to start")
        run.send_signal(signal.SIGKILL)
        run.wait()

        async def ended() -> bool:
            return bool(await db.jobs.count_documents({"status": "FAILURE"}) == 1)

        await wait_until(ended, 60, "the silent job to be ended")
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        trackers.stop_all()

    report = await db.jobs.find_one({})
    assert "went silent" in report["error"]
    assert report["producer_done_at"] is None
    assert (await store.logs(report["_id"]))[-1]["level"] == "ERROR"
