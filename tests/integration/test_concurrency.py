"""No duplicate profiles and exact counts with many workers, crashes and replays."""

import asyncio
import json
import random
import signal
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from producer.options import ImportOptions
from profile_import.database import Document
from profile_import.import_run import new_job_id, run_import
from profile_import.settings import Settings
from tests.integration.conftest import WorkerProcesses
from tests.integration.helpers import group_caught_up, profile_contents, wait_until

pytestmark = pytest.mark.integration

PEOPLE = 1000
STAMP = "2025-05-05T10:00:00Z"


def _person_lines(i: int, *, vary_case: bool) -> list[dict[str, Any]]:
    """Three lines about one person; every two of them share an identifier."""
    email = f"Person{i}@Example.com"
    other_email = f"  person{i}@example.COM " if vary_case else f"  {email} "
    digits = f"61{i:07d}"
    phone = f"+33{digits}"
    spaced_phone = f"+33 {digits[0]} {digits[1:3]} {digits[3:5]} {digits[5:]}"
    google = [{"provider": "google", "user_id": f"g{i}"}]
    stamps = {"created_at": STAMP, "updated_at": STAMP}
    return [
        {"email": email, "phone_number": phone, **stamps},
        {
            "phone_number": spaced_phone,
            "identities": google,
            "given_name": f"P{i}",
            **stamps,
        },
        {
            "identities": google,
            "email": other_email,
            "custom_fields": {"n": i},
            **stamps,
        },
    ]


def _people_file(tmp_path: Path, *, vary_case: bool) -> Path:
    lines = [
        line for i in range(PEOPLE) for line in _person_lines(i, vary_case=vary_case)
    ]
    random.Random(11).shuffle(lines)
    path = tmp_path / "people.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), "utf-8")
    return path


def _sms(job_id: str | None = None) -> ImportOptions:
    return ImportOptions(job_id=job_id or new_job_id(), sms_matching=True)


@pytest.fixture
def busy_settings(settings: Settings) -> Settings:
    """Small batches, so a job spans many of them."""
    return settings.model_copy(update={"batch_size": 100})


async def test_one_person_under_three_identifiers_on_three_partitions_is_one_profile(
    busy_settings: Settings, db: Any, workers: WorkerProcesses, tmp_path: Path
) -> None:
    assert busy_settings.topic_partitions == 3
    for _ in range(3):
        workers.start()

    report = await run_import(
        busy_settings, _people_file(tmp_path, vary_case=True), _sms()
    )

    assert report["status"] == "SUCCESS"
    progress = report["progress"]
    assert progress["created"] == PEOPLE
    assert progress["processed"] == 3 * PEOPLE
    assert progress["failed"] == 0
    assert await db.profiles.count_documents({}) == PEOPLE
    async for profile in db.profiles.find():
        i = int(profile["custom_fields"]["n"])
        assert profile["email"].strip().lower() == f"person{i}@example.com"
        assert profile["phone_number"] == f"+3361{i:07d}"
        assert profile["identities"] == [{"provider": "google", "user_id": f"g{i}"}]


@pytest.fixture
async def second_run(
    busy_settings: Settings, tmp_path: Path
) -> AsyncIterator[tuple[Settings, WorkerProcesses, Any]]:
    """Another database and topics, for a second run of the same file."""
    suffix = uuid.uuid4().hex[:8]
    other = busy_settings.model_copy(
        update={
            "database": f"{busy_settings.database}_b{suffix}",
            "records_topic": f"{busy_settings.records_topic}-b",
            "logs_topic": f"{busy_settings.logs_topic}-b",
            "consumer_group": f"{busy_settings.consumer_group}-b",
            "tracker_group": f"{busy_settings.tracker_group}-b",
        }
    )
    folder = tmp_path / "second"
    folder.mkdir()
    processes = WorkerProcesses(other, folder)
    client: AsyncMongoClient[Document] = AsyncMongoClient(other.mongo_uri)
    yield other, processes, client[other.database]
    processes.stop_all()
    await client.drop_database(other.database)
    await client.close()


def _ignoring_merge_order(progress: dict[str, int]) -> dict[str, int]:
    counts = dict(progress)
    counts["merged"] = counts.pop("merged") + counts.pop("unchanged")
    return counts


async def test_a_worker_killed_mid_job_ends_as_an_undisturbed_run(
    busy_settings: Settings,
    db: Any,
    workers: WorkerProcesses,
    second_run: tuple[Settings, WorkerProcesses, Any],
    tmp_path: Path,
) -> None:
    path = _people_file(tmp_path, vary_case=False)
    workers.start()
    undisturbed = await run_import(busy_settings, path, _sms())
    crash_settings, crash_workers, crash_db = second_run
    victim = crash_workers.start()

    job = asyncio.create_task(run_import(crash_settings, path, _sms()))

    async def a_third_applied() -> bool:
        return bool(await crash_db.record_outcomes.count_documents({}) >= PEOPLE)

    await wait_until(a_third_applied, 120, "a third of the records to be applied")
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    crash_workers.start()
    crashed = await job

    assert crashed["status"] == undisturbed["status"] == "SUCCESS"
    assert crashed["progress"]["processed"] == 3 * PEOPLE
    # Whether a person's last line still brings something (merged) or not
    # (unchanged) depends on how the partitions interleave, which a crash
    # changes; every other count, and the sum of those two, does not.
    assert _ignoring_merge_order(crashed["progress"]) == _ignoring_merge_order(
        undisturbed["progress"]
    )
    assert await profile_contents(crash_db) == await profile_contents(db)
    assert await crash_db.identity_claims.count_documents(
        {}
    ) == await db.identity_claims.count_documents({})


async def test_consuming_a_job_again_changes_nothing(
    busy_settings: Settings, db: Any, workers: WorkerProcesses, tmp_path: Path
) -> None:
    workers.start()
    report = await run_import(
        busy_settings, _people_file(tmp_path, vary_case=True), _sms()
    )
    before = [p async for p in db.profiles.find().sort("_id")]
    replay = busy_settings.model_copy(
        update={"consumer_group": "replay-" + report["_id"]}
    )
    folder = tmp_path / "replay"
    folder.mkdir()
    replaying = WorkerProcesses(replay, folder)
    try:
        replaying.start("--no-tracker")

        async def replayed() -> bool:
            return await asyncio.to_thread(
                group_caught_up, replay, replay.consumer_group
            )

        await wait_until(replayed, 120, "the replaying group to catch up")
    finally:
        replaying.stop_all()

    assert [p async for p in db.profiles.find().sort("_id")] == before
    assert await db.record_outcomes.count_documents({}) == 3 * PEOPLE
