"""Telling the job tracker, while a file is produced, that its producer lives.

A producing process that dies (killed, out of memory, its machine gone) sends
no PRODUCTION_FINISHED event, and its job would wait for one forever. While it
reads, the producer stamps its job report every few seconds from a thread of
its own, and stamps it once more when it is done with the file, however that
went; the job tracker ends jobs whose producer is not done and whose stamp
grows too old.
"""

import logging
import threading
from datetime import UTC, datetime
from types import TracebackType

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from profile_import.database import JOBS, Document

logger = logging.getLogger(__name__)


class ProducerHeartbeat:
    """Stamps `producer_seen_at` on a job report every `interval` seconds, and
    `producer_done_at` when the block it guards ends."""

    def __init__(
        self,
        client: MongoClient[Document],
        database: str,
        job_id: str,
        interval: float,
    ) -> None:
        self._jobs = client[database][JOBS]
        self._job_id = job_id
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"heartbeat-{job_id}", daemon=True
        )

    def _stamp(self, field: str) -> None:
        try:
            self._jobs.update_one(
                {"_id": self._job_id}, {"$set": {field: datetime.now(UTC)}}
            )
        except PyMongoError as error:
            # A database that does not answer for a while is no reason to
            # stop producing; the tracker decides what silence means.
            logger.warning("producer heartbeat not written error=%s", error)

    def _beat(self) -> None:
        while True:
            self._stamp("producer_seen_at")
            if self._stopped.wait(self._interval):
                return

    def __enter__(self) -> "ProducerHeartbeat":
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stopped.set()
        self._thread.join()
        self._stamp("producer_done_at")
