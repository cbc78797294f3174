"""Retention: job reports, their logs, outcomes and uploads go after six months.

FerretDB has no TTL indexes, so the API process purges on a schedule.
"""

import asyncio
import contextlib
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pymongo.asynchronous.database import AsyncDatabase

from profile_import.database import JOB_LOGS, JOBS, RECORD_OUTCOMES, Document

logger = logging.getLogger(__name__)

RETENTION = timedelta(days=183)

_JOBS_PER_ROUND = 500

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def retention_cutoff(now: datetime) -> datetime:
    """Return the creation time before which a job is purged."""
    return now - RETENTION


@dataclass(frozen=True)
class PurgeSummary:
    """How many documents a purge deleted."""

    jobs: int = 0
    logs: int = 0
    outcomes: int = 0
    uploads: int = 0


def remove_uploads(upload_dir: Path, job_ids: list[str]) -> int:
    """Delete the folders of files uploaded for these jobs; return how many."""
    removed = 0
    for job_id in job_ids:
        folder = upload_dir / job_id
        # Job ids are names the API made; anything else names no upload folder.
        if folder.parent == upload_dir and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


async def purge_expired_jobs(
    db: AsyncDatabase[Document],
    now: Clock = utc_now,
    upload_dir: Path | None = None,
) -> PurgeSummary:
    """Delete job reports created before the cutoff, with their logs and outcomes.

    Logs, outcomes and uploaded files go first, so that an interrupted purge
    leaves no orphans behind: the report is still there for the next purge.
    """
    cutoff = retention_cutoff(now())
    jobs = logs = outcomes = uploads = 0
    while True:
        cursor = db[JOBS].find({"created_at": {"$lt": cutoff}}, {"_id": 1})
        job_ids = [report["_id"] async for report in cursor.limit(_JOBS_PER_ROUND)]
        if not job_ids:
            break
        selected = {"job_id": {"$in": job_ids}}
        logs += (await db[JOB_LOGS].delete_many(selected)).deleted_count
        outcomes += (await db[RECORD_OUTCOMES].delete_many(selected)).deleted_count
        if upload_dir is not None:
            uploads += await asyncio.to_thread(remove_uploads, upload_dir, job_ids)
        deleted = await db[JOBS].delete_many({"_id": {"$in": job_ids}})
        jobs += deleted.deleted_count
    summary = PurgeSummary(jobs=jobs, logs=logs, outcomes=outcomes, uploads=uploads)
    if jobs:
        logger.info(
            "expired jobs purged cutoff=%s jobs=%d logs=%d outcomes=%d uploads=%d",
            cutoff.isoformat(),
            jobs,
            logs,
            outcomes,
            uploads,
        )
    return summary


async def run_retention(
    db: AsyncDatabase[Document],
    interval_seconds: float,
    stop: asyncio.Event,
    now: Clock = utc_now,
    upload_dir: Path | None = None,
) -> None:
    """Purge expired jobs now and then every interval, until `stop` is set."""
    logger.info("retention started interval_seconds=%s", interval_seconds)
    while not stop.is_set():
        try:
            await purge_expired_jobs(db, now, upload_dir)
        except Exception:  # a failed purge is tried again at the next interval
            logger.exception("purge of expired jobs failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_seconds)
    logger.info("retention stopped")
