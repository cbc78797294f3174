"""`profile-import api` as a process, with an HTTP client over the network."""

import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from jobs.store import JobStore
from profile_import.settings import Settings
from tests.integration.conftest import settings_environment
from tests.integration.helpers import wait_until

pytestmark = pytest.mark.integration

_START_SECONDS = 30.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def api_process(
    settings: Settings, tmp_path: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A running `profile-import api`, and its base URL."""
    port = _free_port()
    with (tmp_path / "api.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "profile_import.cli", "api", "--port", str(port)],
            env=settings_environment(settings),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    yield f"http://127.0.0.1:{port}", process
    if process.poll() is None:
        process.terminate()
        process.wait(20)


async def test_api_process_serves_requests_and_purges_expired_jobs(
    db: Any, api_process: tuple[str, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    log_path = tmp_path / "api.log"
    old = datetime.now(UTC) - timedelta(days=200)
    await JobStore(db).create("expired", "a.jsonl", {}, old)
    await JobStore(db).create("fresh", "b.jsonl", {}, datetime.now(UTC))
    base_url, process = api_process

    async with httpx.AsyncClient(base_url=base_url) as client:

        async def answers() -> bool:
            try:
                return (await client.get("/openapi.json")).status_code == 200
            except httpx.TransportError:
                return False

        async def only_fresh_listed() -> bool:
            jobs = (await client.get("/jobs")).json()["items"]
            return [report["job_id"] for report in jobs] == ["fresh"]

        await wait_until(answers, _START_SECONDS, "the API to answer")
        created = await client.post("/definitions", json={"name": "served"})
        await wait_until(only_fresh_listed, 10.0, "the expired job to be purged")

    assert created.status_code == 201
    process.terminate()
    # uvicorn shuts down gracefully, then dies of the signal it caught.
    assert process.wait(20) in (0, -signal.SIGTERM)
    assert "api stopped" in log_path.read_text("utf-8")
