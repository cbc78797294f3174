"""`profile-import run`: one import job from a file, start to finish."""

import asyncio
import logging
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from pymongo import MongoClient

from jobs.events import JobEventSender
from jobs.report import FINAL_STATUSES, JobStatus
from jobs.store import JobStore
from producer.cancellation import CancellationCheck
from producer.errors import SourceError
from producer.file_producer import FileProducer, RecordSink
from producer.heartbeat import ProducerHeartbeat
from producer.kafka_output import RecordOutput
from producer.options import ImportOptions, SourceOptions
from producer.prediction import PredictionOutput
from profile_import.database import Document, connect, database, ensure_indexes
from profile_import.errors import ProfileImportError
from profile_import.kafka import create_producer, ensure_topics
from profile_import.settings import Settings

logger = logging.getLogger(__name__)

_POLL_SECONDS = 0.2


class JobStalledError(ProfileImportError):
    """No record of the job was applied for too long: no worker is running?"""


def heartbeat_interval(settings: Settings) -> float:
    """Return how often a producer stamps its job: several times per timeout."""
    return settings.producer_timeout_seconds / 6


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
        await create_job_report(store, path.name, options, source)
        try:
            await asyncio.to_thread(produce_file, settings, path, options, source)
        except SourceError as error:
            logger.error("file not imported job_id=%s error=%s", options.job_id, error)
        return await wait_for_job(store, options.job_id, settings.stall_timeout_seconds)
    finally:
        await client.close()


async def create_job_report(
    store: JobStore,
    source_name: str,
    options: ImportOptions,
    source: SourceOptions,
    definition_id: str | None = None,
) -> Document:
    """Store the report of a new job, WAITING for its file to be produced."""
    described = {**options.describe(), **source.describe()}
    now = datetime.now(UTC)
    # The database keeps milliseconds: the report returned is then the one stored.
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    report = await store.create(
        options.job_id, source_name, described, now, definition_id
    )
    logger.info("job created job_id=%s file=%s", options.job_id, source_name)
    return report


def start_production(
    settings: Settings, path: Path, options: ImportOptions, source: SourceOptions
) -> threading.Thread:
    """Produce the file in a thread of its own and return at once."""
    thread = threading.Thread(
        target=_produce_in_background,
        args=(settings, path, options, source),
        name=f"produce-{options.job_id}",
    )
    thread.start()
    return thread


def _produce_in_background(
    settings: Settings, path: Path, options: ImportOptions, source: SourceOptions
) -> None:
    # A broker that cannot be reached leaves the job WAITING without a word from
    # its producer: the trackers end it once the producer timeout has passed.
    try:
        ensure_topics(settings)
        produce_file(settings, path, options, source)
    except SourceError as error:
        logger.error("file not imported job_id=%s error=%s", options.job_id, error)
    except Exception:  # the thread's top level: nobody else would see the error
        logger.exception("production failed job_id=%s", options.job_id)


def produce_file(
    settings: Settings, path: Path, options: ImportOptions, source: SourceOptions
) -> None:
    """Stream a file into Kafka as the records and events of a job.

    In testing mode the records are only planned against the database, to
    predict what the import would do. Reading stops when the job is canceled.
    Raises SourceError, after reporting it, when the file cannot be read.
    """
    producer = create_producer(settings)
    events = JobEventSender(producer, settings.logs_topic)
    client: MongoClient[Document] = MongoClient(settings.mongo_uri, tz_aware=True)
    with client:
        output: RecordSink = (
            PredictionOutput(client, settings.database)
            if options.testing
            else RecordOutput(producer, settings.records_topic)
        )
        canceled = CancellationCheck(client, settings.database, options.job_id)
        heartbeat = ProducerHeartbeat(
            client,
            settings.database,
            options.job_id,
            heartbeat_interval(settings),
        )
        with heartbeat:
            file_producer = FileProducer(output, events, options, canceled)
            summary = file_producer.produce(path, source)
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
