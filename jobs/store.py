"""Job reports and job logs in the database."""

import contextlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from jobs.report import OUTCOME_COUNTS, JobStatus, Progress
from profile_import.database import JOB_LOGS, JOBS, RECORD_OUTCOMES, Document

_UNFINISHED = [
    JobStatus.WAITING.value,
    JobStatus.RUNNING.value,
    JobStatus.WAITING_CANCELLATION.value,
]


class JobStore:
    """Reads and writes job reports and their log entries."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._jobs = db[JOBS]
        self._logs = db[JOB_LOGS]
        self._outcomes = db[RECORD_OUTCOMES]

    async def create(
        self,
        job_id: str,
        source: str,
        options: Mapping[str, Any],
        now: datetime,
        definition_id: str | None = None,
    ) -> Document:
        """Store a new import job report, WAITING to start."""
        report: Document = {
            "_id": job_id,
            "definition_id": definition_id,
            "type": "import",
            "status": JobStatus.WAITING.value,
            "source": source,
            "options": dict(options),
            "progress": Progress().as_document(),
            "production": {"finished": False},
            # Refreshed by the producing process while it reads the file, and
            # closed when it is done with it (see producer.heartbeat).
            "producer_seen_at": now,
            "producer_done_at": None,
            "created_at": now,
            "started_at": None,
            "finished_at": None,
            "error": None,
        }
        await self._jobs.insert_one(report)
        return report

    async def count_by_status(self) -> dict[str, int]:
        """Count job reports per status."""
        return {
            status.value: await self._jobs.count_documents({"status": status.value})
            for status in JobStatus
        }

    async def get(self, job_id: str) -> Document | None:
        """Return one job report."""
        return await self._jobs.find_one({"_id": job_id})

    async def mark_running(self, job_id: str, when: datetime) -> None:
        """Move a waiting job to RUNNING."""
        await self._jobs.update_one(
            {"_id": job_id, "status": JobStatus.WAITING.value},
            {"$set": {"status": JobStatus.RUNNING.value, "started_at": when}},
        )

    async def request_cancellation(self, job_id: str) -> Document | None:
        """Ask a waiting or running job to stop; None when it cannot be canceled.

        Draining the job and giving it its final status is left to whoever
        produces and applies its records.
        """
        return await self._jobs.find_one_and_update(
            {
                "_id": job_id,
                "status": {"$in": [JobStatus.WAITING.value, JobStatus.RUNNING.value]},
            },
            {"$set": {"status": JobStatus.WAITING_CANCELLATION.value}},
            return_document=ReturnDocument.AFTER,
        )

    async def silent_productions(self, seen_before: datetime) -> list[Document]:
        """Return unfinished jobs whose producer was last heard of before a time.

        A producer done with its file (whatever its events then say) is not
        silent, even when the tracker has not read its last events yet.
        """
        cursor = self._jobs.find(
            {
                "status": {"$in": _UNFINISHED},
                "producer_done_at": None,
                "producer_seen_at": {"$lt": seen_before},
            }
        )
        return [report async for report in cursor]

    async def record_production(self, job_id: str, counts: Mapping[str, int]) -> None:
        """Store what the producer read and sent, which tells when the job ends."""
        await self._jobs.update_one(
            {"_id": job_id},
            {"$set": {"production": {**counts, "finished": True}}},
        )

    async def mark_production_interrupted(self, job_id: str) -> None:
        """Note that the job's producer went silent before the end of its file."""
        await self._jobs.update_one(
            {"_id": job_id}, {"$set": {"production.interrupted": True}}
        )

    async def count_outcomes(self, job_id: str) -> dict[str, int]:
        """Count the job's recorded outcomes, one per line however often applied."""
        return {
            name: await self._outcomes.count_documents(
                {"job_id": job_id, "outcome": name}
            )
            for name in OUTCOME_COUNTS
        }

    async def save_progress(self, job_id: str, progress: Progress) -> Document | None:
        """Store the progress and return the updated report."""
        return await self._jobs.find_one_and_update(
            {"_id": job_id},
            {"$set": {"progress": progress.as_document()}},
            return_document=ReturnDocument.AFTER,
        )

    async def finish(
        self,
        job_id: str,
        status: JobStatus,
        when: datetime,
        reason: str | None = None,
    ) -> None:
        """Give a job its final status, unless it already has one."""
        await self._jobs.update_one(
            {"_id": job_id, "status": {"$in": _UNFINISHED}},
            {"$set": {"status": status.value, "finished_at": when, "error": reason}},
        )

    async def add_log(
        self, entry_id: str, job_id: str, entry: Mapping[str, Any]
    ) -> None:
        """Store a job log entry once, even when its event arrives twice."""
        with contextlib.suppress(DuplicateKeyError):
            await self._logs.insert_one({"_id": entry_id, "job_id": job_id, **entry})

    async def logs(self, job_id: str) -> list[Document]:
        """Return a job's log entries, oldest first."""
        cursor = self._logs.find({"job_id": job_id}).sort([("date", 1), ("_id", 1)])
        return [entry async for entry in cursor]
