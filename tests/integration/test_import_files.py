"""Import files with bad lines, in CSV, and encrypted, on the real servers."""

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from producer.options import ImportOptions, SourceOptions
from profile_import.import_run import new_job_id, run_import
from profile_import.settings import Settings
from tests.integration.conftest import WorkerProcesses
from tests.integration.helpers import write_jsonl

pytestmark = pytest.mark.integration

MIXED_LINES: list[dict[str, Any]] = [
    {"email": "one@example.com", "given_name": "One"},
    {"email": "not-an-email"},
    {"email": "three@example.com", "birthdate": "1990-02-03"},
    {"email": "four@example.com", "birthdate": "03/02/1990"},
    {
        "email": "five@example.com",
        "identities": [{"provider": "google", "user_id": "5"}],
    },
    {"email": "six@example.com", "consents": {"news": {"consent_type": "perhaps"}}},
    {"email": "seven@example.com"},
]
BAD_LINES = {2: "email", 4: "birthdate", 6: "consents.news.consent_type"}


async def test_bad_lines_are_reported_and_the_good_ones_imported(
    settings: Settings, db: Any, workers: WorkerProcesses, tmp_path: Path
) -> None:
    workers.start()
    path = write_jsonl(tmp_path / "mixed.jsonl", MIXED_LINES)

    report = await run_import(settings, path)

    assert report["status"] == "SUCCESS"
    assert report["progress"]["created"] == 4
    assert report["progress"]["failed"] == 3
    assert await db.profiles.count_documents({}) == 4
    errors = [
        e async for e in db.job_logs.find({"job_id": report["_id"], "level": "ERROR"})
    ]
    assert {e["line"]: e["field"] for e in errors} == BAD_LINES
    assert all(f"line {e['line']}" in e["content"] for e in errors)


async def test_more_errors_than_the_cap_fail_the_job(
    settings: Settings, db: Any, workers: WorkerProcesses, tmp_path: Path
) -> None:
    workers.start()
    path = write_jsonl(tmp_path / "mixed.jsonl", MIXED_LINES)
    options = ImportOptions(job_id=new_job_id(), max_errors=1)

    report = await run_import(settings, path, options)

    assert report["status"] == "FAILURE"
    assert "more than the 1 allowed" in report["error"]
    # Reading stopped at the second bad line (line 4): line 5 on was never sent.
    assert report["progress"]["lines_read"] == 4
    assert report["progress"]["processed"] == 2


def _encrypt(plain: Path, password: str, iterations: int) -> Path:
    secret = plain.with_suffix(".pass")
    secret.write_text(password, "utf-8")
    encrypted = plain.with_name(plain.name + ".enc")
    subprocess.run(
        [
            "openssl",
            "aes-256-cbc",
            "-salt",
            "-pbkdf2",
            "-iter",
            str(iterations),
            "-in",
            str(plain),
            "-out",
            str(encrypted),
            "-pass",
            f"file:{secret}",
        ],
        check=True,
    )
    return encrypted


async def test_an_encrypted_csv_file_is_imported(
    settings: Settings, db: Any, workers: WorkerProcesses, tmp_path: Path
) -> None:
    workers.start()
    plain = tmp_path / "people.csv"
    plain.write_text(
        "\ufeffemail;given_name;custom_fields.vip;consents.news.granted\r\n"
        "ada@example.com;Ada;true;true\r\n"
        'alan@example.com;"Alan; M.";false;__null__\r\n',
        "utf-8",
    )
    encrypted = _encrypt(plain, "correct horse", 20_000)
    source = SourceOptions(password=SecretStr("correct horse"), iterations=20_000)

    report = await run_import(settings, encrypted, None, source)

    assert report["status"] == "SUCCESS"
    assert report["progress"]["created"] == 2
    alan = await db.profiles.find_one({"email": "alan@example.com"})
    assert alan["given_name"] == "Alan; M."
    assert alan["custom_fields"] == {"vip": False}
    assert report["options"]["encrypted"] is True
    assert "correct horse" not in json.dumps(report, default=str)


async def test_a_wrong_password_fails_the_job_and_produces_nothing(
    settings: Settings, db: Any, workers: WorkerProcesses, tmp_path: Path
) -> None:
    workers.start()
    plain = write_jsonl(tmp_path / "people.jsonl", MIXED_LINES)
    encrypted = _encrypt(plain, "Right-9f2c", 10_000)
    source = SourceOptions(password=SecretStr("n0t-it-7c1"))

    report = await run_import(settings, encrypted, None, source)

    assert report["status"] == "FAILURE"
    assert "cannot decrypt" in report["error"]
    assert report["progress"]["processed"] == 0
    assert await db.profiles.count_documents({}) == 0
    logs = [e["content"] async for e in db.job_logs.find({"job_id": report["_id"]})]
    assert logs
    assert not any("9f2c" in entry or "7c1" in entry for entry in logs)


async def test_an_unknown_csv_column_fails_the_job_before_anything_is_produced(
    settings: Settings, db: Any, workers: WorkerProcesses, tmp_path: Path
) -> None:
    workers.start()
    path = tmp_path / "people.csv"
    path.write_text("email,colour\nada@example.com,red\n", "utf-8")

    report = await run_import(settings, path)

    assert report["status"] == "FAILURE"
    assert "colour" in report["error"]
    assert report["progress"]["lines_read"] == 0
    assert await db.profiles.count_documents({}) == 0
