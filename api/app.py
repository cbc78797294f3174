"""The FastAPI application: routes, and the retention task of the API process."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.context import ApiContext
from api.definition_routes import router as definition_router
from api.job_routes import router as job_router
from api.job_start import router as job_start_router
from jobs.retention import run_retention
from profile_import.database import ensure_indexes
from profile_import.settings import Settings

logger = logging.getLogger(__name__)

API_VERSION = "1.0.0"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    context: ApiContext = app.state.context
    await ensure_indexes(context.db)
    stop = asyncio.Event()
    settings = context.settings
    retention = asyncio.create_task(
        run_retention(
            context.db,
            settings.retention_interval_seconds,
            stop,
            upload_dir=settings.upload_dir,
        )
    )
    logger.info("api started")
    try:
        yield
    finally:
        stop.set()
        await retention
        await context.close()
        logger.info("api stopped")


def create_app(settings: Settings) -> FastAPI:
    """Return the Management API for the configured servers.

    Run by a server, the app also purges expired jobs on a schedule; the
    caller of an app run without its lifespan closes `app.state.context`.
    """
    app = FastAPI(
        title="profile-import Management API",
        version=API_VERSION,
        description="Job definitions, import jobs, their reports and their logs.",
        lifespan=_lifespan,
    )
    app.state.context = ApiContext.open(settings)
    app.include_router(definition_router)
    app.include_router(job_start_router)
    app.include_router(job_router)
    return app
