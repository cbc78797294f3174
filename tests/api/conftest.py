"""Fixtures of the API tests: an app on the test's database, and a client."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from api import create_app
from api.context import ApiContext
from profile_import.settings import Settings

# The integration fixtures (a private database and topics, worker processes),
# imported so that pytest finds them here too.
from tests.integration.conftest import (  # noqa: F401
    db,
    servers_reachable,
    settings,
    workers,
)


@pytest.fixture
def api_settings(settings: Settings, tmp_path: Path) -> Settings:  # noqa: F811
    """The test's settings, with upload and import folders of its own."""
    imports = tmp_path / "imports"
    imports.mkdir()
    return settings.model_copy(
        update={"upload_dir": tmp_path / "uploads", "import_dir": imports}
    )


@pytest.fixture
async def app(api_settings: Settings) -> AsyncIterator[FastAPI]:
    """The API app; its database client is closed after the test."""
    app = create_app(api_settings)
    yield app
    await context_of(app).close()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def context_of(app: FastAPI) -> ApiContext:
    """Return the app's stores and connections."""
    context: ApiContext = app.state.context
    return context
