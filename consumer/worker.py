"""The worker: consumes import records in batches and applies them."""

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

from confluent_kafka import (
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    TopicPartition,
)
from pymongo.asynchronous.database import AsyncDatabase

from consumer.applier import BatchApplier
from consumer.merge import Outcome
from consumer.planner import BatchPlan
from jobs.events import JobEventSender, JobEventType, LogLevel, job_event
from profile_import import metrics
from profile_import.database import Document
from profile_import.settings import Settings
from schemas import IMPORT_RECORD, SchemaMismatchError

logger = logging.getLogger(__name__)


def next_offsets(messages: Sequence[Message]) -> list[TopicPartition]:
    """Return, per partition, the offset after the last message of a batch."""
    last: dict[tuple[str, int], int] = {}
    for message in messages:
        topic, partition, offset = (
            message.topic(),
            message.partition(),
            message.offset(),
        )
        if topic is None or partition is None or offset is None:
            continue
        last[(topic, partition)] = max(last.get((topic, partition), -1), offset)
    return [TopicPartition(t, p, offset + 1) for (t, p), offset in last.items()]


class Worker:
    """One member of the workers' consumer group."""

    def __init__(
        self,
        settings: Settings,
        db: AsyncDatabase[Document],
        consumer: Consumer,
        events: JobEventSender,
    ) -> None:
        self._settings = settings
        self._consumer = consumer
        self._events = events
        self._applier = BatchApplier(db)

    async def run(self, stop: asyncio.Event) -> None:
        """Consume and apply batches until `stop` is set."""
        self._consumer.subscribe([self._settings.records_topic])
        logger.info("worker started topic=%s", self._settings.records_topic)
        try:
            while not stop.is_set():
                messages = await asyncio.to_thread(
                    self._consumer.consume,
                    self._settings.batch_size,
                    self._settings.batch_wait_seconds,
                )
                if messages:
                    await self.process(messages)
        finally:
            await asyncio.to_thread(self._consumer.close)
            logger.info("worker stopped")

    async def process(self, messages: Sequence[Message]) -> None:
        """Apply one batch, report it, then commit its offsets."""
        records = self._decode(messages)
        metrics.RECORDS_CONSUMED.inc(len(records))
        metrics.BATCH_SIZE.observe(len(records))
        started = time.perf_counter()
        plan = await self._applier.apply(records)
        metrics.BATCH_WRITE_SECONDS.observe(time.perf_counter() - started)
        self._report(plan)
        await asyncio.to_thread(self._events.flush)
        await self._commit(messages)

    def _decode(self, messages: Sequence[Message]) -> list[dict[str, Any]]:
        records = []
        for message in messages:
            error = message.error()
            if error is not None:
                if error.code() != KafkaError._PARTITION_EOF:
                    raise KafkaException(error)
                continue
            try:
                records.append(IMPORT_RECORD.decode(message.value() or b""))
            except SchemaMismatchError:
                # Unreadable here, but maybe by another version: keep it aside.
                logger.exception(
                    "record sent to dead letters partition=%d offset=%d",
                    message.partition(),
                    message.offset(),
                )
                self._send_to_dead_letters(message)
        return records

    def _send_to_dead_letters(self, message: Message) -> None:
        self._events.producer.produce(
            self._settings.dlq_topic, message.value(), key=message.key()
        )

    def _report(self, plan: BatchPlan) -> None:
        counts: dict[str, dict[str, int]] = {}
        for decision in plan.decisions:
            metrics.OUTCOMES.labels(decision.outcome.value).inc()
            job_counts = counts.setdefault(decision.job_id, {})
            job_counts[decision.outcome.value] = (
                job_counts.get(decision.outcome.value, 0) + 1
            )
            if decision.outcome is Outcome.FAILED:
                self._events.send(
                    job_event(
                        f"{decision.job_id}:{decision.line}:failed",
                        decision.job_id,
                        JobEventType.LINE_REJECTED,
                        LogLevel.ERROR,
                        f"line {decision.line}: {decision.reason}",
                        line=decision.line,
                    )
                )
        for job_id, job_counts in counts.items():
            self._events.send(
                job_event(
                    f"{job_id}:batch",
                    job_id,
                    JobEventType.BATCH_APPLIED,
                    LogLevel.LOG,
                    "batch applied",
                    counts=job_counts,
                )
            )

    async def _commit(self, messages: Sequence[Message]) -> None:
        offsets = next_offsets(messages)
        try:
            await asyncio.to_thread(
                self._consumer.commit, offsets=offsets, asynchronous=False
            )
        except KafkaException as error:
            # The partitions moved to another worker, which will apply these
            # records again; applying twice changes nothing, so this is safe.
            logger.warning("offsets not committed error=%s", error)
