"""The whole pipeline on the real servers: file → Kafka → workers → database."""

import json
from pathlib import Path
from typing import Any

import pytest

from profile_import.import_run import run_import
from profile_import.settings import Settings
from profiles.identity import normalize_email
from tests.integration.conftest import WorkerProcesses

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).parents[2] / "examples" / "profiles.jsonl"


def _distinct_people(path: Path) -> set[str]:
    with path.open(encoding="utf-8") as lines:
        return {
            normalize_email(json.loads(line)["email"]) for line in lines if line.strip()
        }


async def test_example_file_makes_one_profile_per_person(
    settings: Settings, db: Any, workers: WorkerProcesses
) -> None:
    workers.start()
    people = _distinct_people(EXAMPLE)

    report = await run_import(settings, EXAMPLE)

    assert report["status"] == "SUCCESS"
    assert report["progress"]["lines_read"] == 20
    assert report["progress"]["processed"] == 20
    assert report["progress"]["created"] == len(people)
    assert report["progress"]["merged"] == 20 - len(people)
    stored = [p async for p in db.profiles.find({}, {"email": 1})]
    assert sorted(normalize_email(p["email"]) for p in stored) == sorted(people)


async def test_importing_the_example_again_changes_nothing(
    settings: Settings, db: Any, workers: WorkerProcesses
) -> None:
    workers.start()
    await run_import(settings, EXAMPLE)
    before = [p async for p in db.profiles.find().sort("_id")]

    report = await run_import(settings, EXAMPLE)

    assert report["status"] == "SUCCESS"
    assert report["progress"]["unchanged"] == 20
    assert report["progress"]["created"] == 0
    assert [p async for p in db.profiles.find().sort("_id")] == before
