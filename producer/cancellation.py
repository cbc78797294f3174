"""Noticing, while a file is produced, that its job was asked to stop."""

import time

from pymongo import MongoClient

from profile_import.database import JOBS, Document

_CANCELING = ("WAITING_CANCELLATION", "CANCELED")


class CancellationCheck:
    """Tells whether a job's cancellation was asked for, reading at most every
    `interval` seconds so that checking after each line costs nothing."""

    def __init__(
        self,
        client: MongoClient[Document],
        database: str,
        job_id: str,
        interval: float = 1.0,
    ) -> None:
        self._jobs = client[database][JOBS]
        self._job_id = job_id
        self._interval = interval
        self._next_read = 0.0
        self._canceled = False

    def __call__(self) -> bool:
        """Return True once the job is being canceled."""
        now = time.monotonic()
        if not self._canceled and now >= self._next_read:
            self._next_read = now + self._interval
            report = self._jobs.find_one({"_id": self._job_id}, {"status": 1})
            self._canceled = report is not None and report["status"] in _CANCELING
        return self._canceled
