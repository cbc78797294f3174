"""`profile-import run`: one import job from a file, start to finish."""

import asyncio
import logging
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from jobs.events import JobEventSender
from jobs.report import FINAL_STATUSES, JobStatus
from jobs.store import JobStore
from producer.errors import SourceError
from producer.file_producer import FileProducer
from producer.kafka_output import RecordOutput
from producer.options import ImportOptions, SourceOptions
from profile_import.database import Document, connect, database, ensure_indexes
from profile_import.errors import ProfileImportError
from profile_import.kafka import create_producer, ensure_topics
from profile_import.settings import Settings

logger = logging.getLogger(__name__)

_POLL_SECONDS = 0.2


class JobStalledError(ProfileImportError):
    """No record of the job was applied for too long: no worker is running?"""


def new_job_id() -> str:
    """Return a fresh job id."""
    return uuid.uuid4().hex


async def run_import(
    settings: Settings,
    path: Path,
    options: ImportOptions | None = None,
    source: SourceOptions | None = None,
) -> Document:
    """Import a file as a new job and return its final report.

    A file that cannot be read still ends as a job report, in FAILURE.
    """
    options = options or ImportOptions(job_id=new_job_id())
    source = source or SourceOptions()
    await asyncio.to_thread(ensure_topics, settings)
    client = connect(settings)
    try:
        db = database(client, settings)
        await ensure_indexes(db)
        store = JobStore(db)
        described = {**options.describe(), **source.describe()}
        await store.create(options.job_id, path.name, described, datetime.now(UTC))
        logger.info("job created job_id=%s file=%s", options.job_id, path)
        try:
            await asyncio.to_thread(_produce, settings, path, options, source)
        except SourceError as error:
            logger.error("file not imported job_id=%s error=%s", options.job_id, error)
        return await wait_for_job(store, options.job_id, settings.stall_timeout_seconds)
    finally:
        await client.close()


def _produce(
    settings: Settings, path: Path, options: ImportOptions, source: SourceOptions
) -> None:
    producer = create_producer(settings)
    output = RecordOutput(producer, settings.records_topic)
    events = JobEventSender(producer, settings.logs_topic)
    summary = FileProducer(output, events, options).produce(path, source)
    logger.info(
        "file produced job_id=%s lines=%d records=%d rejected=%d",
        options.job_id,
        summary.lines_read,
        summary.records_produced,
        summary.lines_rejected,
    )


async def wait_for_job(store: JobStore, job_id: str, stall_timeout: float) -> Document:
    """Wait until the job has a final status; fail if it stops progressing."""
    last_progress: object = None
    last_change = time.monotonic()
    while True:
        report = await store.get(job_id)
        if report is None:
            raise ProfileImportError(f"job {job_id} disappeared")
        if JobStatus(report["status"]) in FINAL_STATUSES:
            return report
        if report["progress"] != last_progress:
            last_progress, last_change = report["progress"], time.monotonic()
        elif time.monotonic() - last_change > stall_timeout:
            raise JobStalledError(
                f"job {job_id} made no progress for {stall_timeout:.0f} s; "
                "is a worker running (profile-import worker)?"
            )
        await asyncio.sleep(_POLL_SECONDS)
