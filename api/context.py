"""What the API's routes share: settings, the database and the stores."""

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, cast

from fastapi import Depends, Request
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from jobs.definitions import DefinitionStore
from jobs.store import JobStore
from producer.options import ImportOptions, SourceOptions
from profile_import.database import Document, connect, database
from profile_import.import_run import start_production
from profile_import.settings import Settings

logger = logging.getLogger(__name__)

_JOIN_TIMEOUT_SECONDS = 60.0


@dataclass
class ApiContext:
    """The connections and stores of one API process."""

    settings: Settings
    client: AsyncMongoClient[Document]
    db: AsyncDatabase[Document]
    jobs: JobStore
    definitions: DefinitionStore
    productions: list[threading.Thread] = field(default_factory=list)

    @classmethod
    def open(cls, settings: Settings) -> "ApiContext":
        """Return a context whose client connects on first use."""
        client = connect(settings)
        db = database(client, settings)
        return cls(settings, client, db, JobStore(db), DefinitionStore(db))

    def produce(
        self, path: Path, options: ImportOptions, source: SourceOptions
    ) -> None:
        """Produce a job's file in the background."""
        self.productions = [t for t in self.productions if t.is_alive()]
        self.productions.append(start_production(self.settings, path, options, source))

    async def close(self) -> None:
        """Wait for files still being produced, then close the database client."""
        for thread in self.productions:
            await asyncio.to_thread(thread.join, _JOIN_TIMEOUT_SECONDS)
            if thread.is_alive():
                logger.warning("production still running thread=%s", thread.name)
        await self.client.close()


def get_context(request: Request) -> ApiContext:
    """Return the context of the app serving the request."""
    return cast(ApiContext, request.app.state.context)


Context = Annotated[ApiContext, Depends(get_context)]
