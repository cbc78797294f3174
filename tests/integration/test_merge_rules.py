"""Merge options and conflicts on the real servers."""

from pathlib import Path
from typing import Any

import pytest

from producer.options import ImportOptions
from profile_import.import_run import new_job_id, run_import
from profile_import.settings import Settings
from tests.integration.conftest import WorkerProcesses
from tests.integration.helpers import write_jsonl

pytestmark = pytest.mark.integration


async def test_a_line_matching_two_profiles_is_rejected_and_both_stay_untouched(
    settings: Settings, db: Any, workers: WorkerProcesses, tmp_path: Path
) -> None:
    workers.start()
    google = {"provider": "google", "user_id": "42"}
    await run_import(
        settings,
        write_jsonl(
            tmp_path / "a.jsonl",
            [
                {"email": "ada@example.com"},
                {"identities": [google], "nickname": "g"},
            ],
        ),
    )
    before = [p async for p in db.profiles.find().sort("_id")]

    report = await run_import(
        settings,
        write_jsonl(
            tmp_path / "b.jsonl",
            [
                {
                    "email": "ada@example.com",
                    "identities": [google],
                    "given_name": "Ada",
                },
            ],
        ),
    )

    assert report["status"] == "SUCCESS"
    assert report["progress"]["failed"] == 1
    assert [p async for p in db.profiles.find().sort("_id")] == before
    (error,) = [
        e async for e in db.job_logs.find({"job_id": report["_id"], "level": "ERROR"})
    ]
    assert error["line"] == 1
    assert all(profile["_id"] in error["content"] for profile in before)


async def test_force_update_overwrites_what_safe_merge_keeps(
    settings: Settings, db: Any, workers: WorkerProcesses, tmp_path: Path
) -> None:
    workers.start()
    await run_import(
        settings,
        write_jsonl(
            tmp_path / "a.jsonl",
            [
                {
                    "email": "ada@example.com",
                    "given_name": "Ada",
                    "nickname": "countess",
                },
            ],
        ),
    )
    change = write_jsonl(
        tmp_path / "b.jsonl",
        [
            {"email": "ada@example.com", "given_name": "Augusta", "nickname": None},
        ],
    )

    safe = await run_import(settings, change)
    kept = await db.profiles.find_one({"email": "ada@example.com"})
    forced = await run_import(
        settings, change, ImportOptions(job_id=new_job_id(), force_update=True)
    )
    replaced = await db.profiles.find_one({"email": "ada@example.com"})

    assert safe["progress"]["merged"] == 1
    assert (kept["given_name"], "nickname" in kept) == ("Ada", False)
    assert forced["progress"]["merged"] == 1
    assert replaced["given_name"] == "Augusta"


async def test_lite_profiles_live_apart_and_never_match_managed_ones(
    settings: Settings, db: Any, workers: WorkerProcesses, tmp_path: Path
) -> None:
    workers.start()
    path = write_jsonl(tmp_path / "contacts.jsonl", [{"email": "ada@example.com"}])

    lite = await run_import(
        settings, path, ImportOptions(job_id=new_job_id(), lite=True)
    )
    managed = await run_import(settings, path)

    assert lite["progress"]["created"] == 1
    assert managed["progress"]["created"] == 1
    assert await db.lite_profiles.count_documents({}) == 1
    assert await db.profiles.count_documents({}) == 1


async def test_duplicates_in_one_file_are_warned_about_with_both_lines(
    settings: Settings, db: Any, workers: WorkerProcesses, tmp_path: Path
) -> None:
    workers.start()
    report = await run_import(
        settings,
        write_jsonl(
            tmp_path / "dup.jsonl",
            [
                {"email": "ada@example.com"},
                {"email": "grace@example.com"},
                {"email": " ADA@example.com", "nickname": "a"},
            ],
        ),
    )

    warnings = [
        w async for w in db.job_logs.find({"job_id": report["_id"], "level": "WARNING"})
    ]
    assert [(w["line"], w["content"]) for w in warnings] == [
        (3, "line 3 has the same email as line 1: both are merged into one profile")
    ]
