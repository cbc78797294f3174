"""`profile-import api`: the Management API served by uvicorn."""

import logging

import uvicorn

from api.app import create_app
from profile_import.settings import Settings

logger = logging.getLogger(__name__)


async def serve(settings: Settings, host: str, port: int) -> None:
    """Serve the API, and purge expired jobs, until SIGINT or SIGTERM."""
    app = create_app(settings)
    # log_config=None keeps the logging the command line configured.
    config = uvicorn.Config(app, host=host, port=port, log_config=None)
    logger.info("api listening host=%s port=%d", host, port)
    await uvicorn.Server(config).serve()
