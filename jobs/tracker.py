"""The job tracker: folds job events into job reports and job logs.

Events of one job share a partition of the log topic (they are keyed by job
id), so one tracker sees them in order. Counts are not added up from events,
which may arrive twice; they are recounted from the outcomes the workers
record once per line. Trackers also end the jobs whose producing process went
silent (see `producer.heartbeat`), which no event would ever end.
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from confluent_kafka import Consumer, KafkaException, Message

from jobs.events import JobEventType
from jobs.report import (
    FINAL_STATUSES,
    JobStatus,
    Progress,
    final_status,
    progress_from,
)
from jobs.store import JobStore
from profile_import import metrics
from profile_import.kafka import consume_batches
from profile_import.settings import Settings
from schemas import JOB_EVENT, SchemaMismatchError

logger = logging.getLogger(__name__)

_EVENTS_PER_BATCH = 500

_LOGGED_EVENTS = frozenset(
    {
        JobEventType.JOB_STARTED,
        JobEventType.LINE_REJECTED,
        JobEventType.LINE_WARNING,
        JobEventType.PRODUCTION_FINISHED,
        JobEventType.PRODUCTION_FAILED,
    }
)


def _log_entry(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "level": event["level"],
        "content": event["content"],
        "date": event["date"],
        "line": event["line"],
        "field": event["field"],
    }


def _job_entry(level: str, content: str, date: datetime) -> dict[str, Any]:
    """A log entry about the whole job, not about one of its lines."""
    return {
        "level": level,
        "content": content,
        "date": date,
        "line": None,
        "field": None,
    }


class JobTracker:
    """Keeps job reports up to date from the log topic."""

    def __init__(self, settings: Settings, store: JobStore, consumer: Consumer) -> None:
        self._settings = settings
        self._store = store
        self._consumer = consumer

    async def run(self, stop: asyncio.Event) -> None:
        """Fold events until `stop` is set."""
        topic = self._settings.logs_topic
        batch = (_EVENTS_PER_BATCH, self._settings.batch_wait_seconds)
        logger.info("tracker started topic=%s", topic)
        async with asyncio.TaskGroup() as group:
            group.create_task(
                consume_batches(self._consumer, topic, batch, self.process, stop)
            )
            group.create_task(self._watch_producers(stop))
        logger.info("tracker stopped")

    async def _watch_producers(self, stop: asyncio.Event) -> None:
        interval = self._settings.producer_timeout_seconds / 3
        while not stop.is_set():
            if await self.end_silent_productions(datetime.now(UTC)):
                await self._report_statuses()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await stop.wait()

    async def end_silent_productions(self, now: datetime) -> list[str]:
        """End the unfinished jobs whose producer has been silent too long.

        Such a job ends in FAILURE, or CANCELED when its cancellation was asked
        for. Records its producer sent before it went silent are still applied,
        and `settle` goes on counting them; the rest of its file never will be.
        """
        timeout = self._settings.producer_timeout_seconds
        ended = []
        for report in await self._store.silent_productions(
            now - timedelta(seconds=timeout)
        ):
            job_id = report["_id"]
            canceling = report["status"] == JobStatus.WAITING_CANCELLATION
            status = JobStatus.CANCELED if canceling else JobStatus.FAILURE
            seen = report["producer_seen_at"]
            reason = (
                f"the process producing the job went silent: not heard of since "
                f"{seen:%Y-%m-%d %H:%M:%S} UTC, {timeout:.0f} s allowed"
            )
            await self._store.mark_production_interrupted(job_id)
            await self._recount(report)
            await self._store.finish(job_id, status, now, reason)
            entry = _job_entry("ERROR", f"job {status.value}: {reason}", now)
            await self._store.add_log(f"{job_id}:producer-silent", job_id, entry)
            logger.warning("job ended job_id=%s reason=%s", job_id, reason)
            ended.append(job_id)
        return ended

    async def _recount(self, report: dict[str, Any]) -> Progress:
        """Count a job's progress from its recorded outcomes and store it."""
        counts = await self._store.count_outcomes(report["_id"])
        progress = progress_from(report["production"], counts)
        await self._store.save_progress(report["_id"], progress)
        return progress

    async def _report_statuses(self) -> None:
        for status, count in (await self._store.count_by_status()).items():
            metrics.JOBS.labels(status).set(count)

    async def process(self, messages: Sequence[Message]) -> None:
        """Fold a batch of events, settle the jobs they touched, commit."""
        touched: list[str] = []
        for message in messages:
            if message.error() is not None:
                raise KafkaException(message.error())
            try:
                event = JOB_EVENT.decode(message.value() or b"")
            except SchemaMismatchError:
                logger.exception("unreadable job event offset=%d", message.offset())
                continue
            await self.handle(event)
            if event["job_id"] not in touched:
                touched.append(event["job_id"])
        for job_id in touched:
            await self.settle(job_id)
        await asyncio.to_thread(self._consumer.commit, asynchronous=False)
        await self._report_statuses()

    async def handle(self, event: dict[str, Any]) -> None:
        """Apply one event to its job's report and logs."""
        job_id, kind = event["job_id"], JobEventType(event["type"])
        if kind in _LOGGED_EVENTS:
            await self._store.add_log(event["event_id"], job_id, _log_entry(event))
        if kind is JobEventType.JOB_STARTED:
            await self._store.mark_running(job_id, event["date"])
        elif kind is JobEventType.PRODUCTION_FINISHED:
            await self._store.record_production(job_id, event["counts"])
        elif kind is JobEventType.PRODUCTION_FAILED:
            await self._store.finish(
                job_id, JobStatus.FAILURE, event["date"], event["content"]
            )

    async def settle(self, job_id: str) -> None:
        """Recount a job's progress and finish it when every record is applied."""
        report = await self._store.get(job_id)
        if report is None:
            return
        interrupted = bool(report["production"].get("interrupted"))
        ended = JobStatus(report["status"]) in FINAL_STATUSES
        if ended and not interrupted:
            return
        progress = await self._recount(report)
        if ended:
            # Ended because its producer went silent: what that producer sent
            # before is still being applied, and counted as it is.
            return
        max_errors = report["options"].get("max_errors")
        status = final_status(
            bool(report["production"].get("finished")),
            progress,
            max_errors,
            cancel_requested=report["status"] == JobStatus.WAITING_CANCELLATION,
        )
        if status is None:
            return
        now = datetime.now(UTC)
        reason = None
        if status is JobStatus.FAILURE:
            reason = (
                f"{progress.failed} line errors, more than the {max_errors} allowed"
            )
        await self._store.finish(job_id, status, now, reason)
        summary = ", ".join(f"{n} {name}" for name, n in progress.as_document().items())
        await self._store.add_log(
            f"{job_id}:finished",
            job_id,
            _job_entry("LOG", f"job {status.value}: {summary}", now),
        )
        logger.info("job finished job_id=%s status=%s", job_id, status.value)
