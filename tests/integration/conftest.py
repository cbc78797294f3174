"""Fixtures for tests against the real Kafka broker and database.

The servers are started by `scripts/services up`. A test that needs them and
cannot reach them fails; it never skips. Each test gets its own database and
topics, so tests do not see each other's records.
"""

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient
from pydantic import SecretStr
from pymongo import AsyncMongoClient

from profile_import.database import Document
from profile_import.settings import Settings

_REACH_TIMEOUT_SECONDS = 10.0
_STOP_TIMEOUT_SECONDS = 20.0


def _base_settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def servers_reachable() -> None:
    """Fail the session's integration tests when a server does not answer."""
    settings = _base_settings()
    admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap})
    try:
        admin.list_topics(timeout=_REACH_TIMEOUT_SECONDS)
    except Exception as error:  # any failure means the broker is not usable
        pytest.fail(
            f"Kafka at {settings.kafka_bootstrap} does not answer ({error}); "
            "start it with scripts/services up"
        )
    from pymongo import MongoClient

    client: MongoClient[Document] = MongoClient(
        settings.mongo_uri, serverSelectionTimeoutMS=int(_REACH_TIMEOUT_SECONDS * 1000)
    )
    try:
        client.admin.command("ping")
    except Exception as error:  # any failure means the database is not usable
        pytest.fail(
            f"database at {settings.mongo_uri} does not answer ({error}); "
            "start it with scripts/services up"
        )
    finally:
        client.close()


@pytest.fixture
def settings(servers_reachable: None) -> Settings:
    """Settings with a database and topics of this test's own."""
    suffix = uuid.uuid4().hex[:10]
    return _base_settings().model_copy(
        update={
            "database": f"test_{suffix}",
            "records_topic": f"records-{suffix}",
            "logs_topic": f"logs-{suffix}",
            "dlq_topic": f"dlq-{suffix}",
            "consumer_group": f"workers-{suffix}",
            "tracker_group": f"tracker-{suffix}",
            "stall_timeout_seconds": 60.0,
            "session_timeout_ms": 6_000,
        }
    )


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[object]:
    """The test's database, dropped afterwards."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(settings.mongo_uri)
    yield client[settings.database]
    await client.drop_database(settings.database)
    await client.close()


def settings_environment(settings: Settings) -> dict[str, str]:
    """Return the environment that gives a child process these settings."""
    env = dict(os.environ)
    for name, value in settings.model_dump().items():
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is not None:
            env[f"PROFILE_IMPORT_{name.upper()}"] = str(value)
    return env


class WorkerProcesses:
    """Worker processes started for one test, stopped at its end."""

    def __init__(self, settings: Settings, log_dir: Path) -> None:
        self._env = settings_environment(settings)
        self._log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, *arguments: str) -> subprocess.Popen[bytes]:
        """Start one `profile-import worker` with the test's settings."""
        log_path = self._log_dir / f"worker-{len(self.processes)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "profile_import.cli", "worker", *arguments],
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        """Stop every worker still running."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(_STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def workers(settings: Settings, tmp_path: Path) -> Iterator[WorkerProcesses]:
    """Start workers with `workers.start()`; they are stopped after the test."""
    started = WorkerProcesses(settings, tmp_path)
    yield started
    started.stop_all()
