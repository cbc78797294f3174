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

from consumer.applier import BatchApplier, WriteGuard
from consumer.ownership import PartitionLostError, PartitionOwnership
from consumer.plan import Forward, Inbound
from consumer.reporting import batch_events
from consumer.store import StaleWriteError
from jobs.events import JobEventSender
from profile_import import metrics
from profile_import.database import Document
from profile_import.kafka import consume_batches
from profile_import.partitioner import partition_for
from profile_import.settings import Settings
from schemas import IMPORT_RECORD, SchemaMismatchError

logger = logging.getLogger(__name__)


def _offset_ranges(messages: Sequence[Message]) -> dict[tuple[str, int], range]:
    """Return, per (topic, partition), the offsets a batch holds, first to last.

    Messages without a real offset (end-of-partition events) are left out.
    """
    ranges: dict[tuple[str, int], range] = {}
    for message in messages:
        topic, partition = message.topic(), message.partition()
        offset = message.offset()
        if topic is None or partition is None or offset is None or offset < 0:
            continue
        seen = ranges.get((topic, partition), range(offset, offset + 1))
        ranges[(topic, partition)] = range(
            min(seen.start, offset), max(seen.stop, offset + 1)
        )
    return ranges


def next_offsets(messages: Sequence[Message]) -> list[TopicPartition]:
    """Return, per partition, the offset after the last message of a batch."""
    return [
        TopicPartition(t, p, held.stop)
        for (t, p), held in _offset_ranges(messages).items()
    ]


def first_offsets(messages: Sequence[Message]) -> list[TopicPartition]:
    """Return, per partition, the offset of the first message of a batch."""
    return [
        TopicPartition(t, p, held.start)
        for (t, p), held in _offset_ranges(messages).items()
    ]


def _partitions_of(messages: Sequence[Message]) -> set[int]:
    return {partition for _topic, partition in _offset_ranges(messages)}


def rewind(consumer: Consumer, messages: Sequence[Message]) -> None:
    """Make the consumer deliver a batch's messages again, where it still can.

    A partition this consumer no longer owns cannot be sought; its new owner
    starts from the last committed offset, before the batch, anyway.
    """
    for place in first_offsets(messages):
        try:
            consumer.seek(place)
        except KafkaException as error:
            logger.warning(
                "partition not rewound partition=%d error=%s", place.partition, error
            )


def partition_lags(
    positions: Sequence[TopicPartition], high_watermarks: dict[int, int]
) -> dict[int, int]:
    """Return, per partition, how many records lie between position and end.

    A partition whose position or end is not known yet (negative offsets)
    is left out rather than reported as a made-up lag.
    """
    lags = {}
    for place in positions:
        high = high_watermarks.get(place.partition, -1)
        if place.offset >= 0 and high >= 0:
            lags[place.partition] = max(high - place.offset, 0)
    return lags


class BatchOverdueError(Exception):
    """A batch ran past its deadline; the group may have given its partitions away."""


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
        self._partitions = 0
        self._applier = BatchApplier(db, self._partition_of)
        self._ownership = PartitionOwnership(db, settings.records_topic)

    def _partition_of(self, key: str) -> int:
        return partition_for(key, self._partitions)

    def _count_partitions(self) -> int:
        topic = self._settings.records_topic
        metadata = self._consumer.list_topics(topic, timeout=30)
        return len(metadata.topics[topic].partitions)

    async def run(self, stop: asyncio.Event) -> None:
        """Consume and apply batches until `stop` is set."""
        topic = self._settings.records_topic
        batch = (self._settings.batch_size, self._settings.batch_wait_seconds)
        logger.info("worker started topic=%s", topic)
        await consume_batches(
            self._consumer,
            topic,
            batch,
            self.process,
            stop,
            assigned=self._ownership.assigned,
            revoked=self._ownership.revoked,
        )
        logger.info("worker stopped")

    async def process(self, messages: Sequence[Message]) -> None:
        """Apply one batch, forward and report, then commit its offsets."""
        polled = time.monotonic()
        # Read per batch: the topic may gain partitions while workers run.
        self._partitions = await asyncio.to_thread(self._count_partitions)
        records = self._decode(messages)
        metrics.RECORDS_CONSUMED.inc(len(records))
        metrics.BATCH_SIZE.observe(len(records))
        await self._ownership.take_over()
        started = time.perf_counter()
        guard = self.batch_guard(_partitions_of(messages), polled)
        try:
            plan = await self._applier.apply(records, guard)
        except (PartitionLostError, BatchOverdueError, StaleWriteError) as error:
            # The batch may not be this worker's any more (see consumer.ownership):
            # nothing of it is committed, forwarded or reported; reading it again
            # gives its records to whoever owns their partitions now.
            logger.warning("batch abandoned, to be read again reason=%s", error)
            metrics.BATCHES_ABANDONED.inc()
            rewind(self._consumer, messages)
            return
        metrics.BATCH_WRITE_SECONDS.observe(time.perf_counter() - started)
        self._forward(plan.forwards)
        for event in batch_events(plan):
            self._events.send(event)
        # Forwards and events must be in Kafka before the offsets move past them.
        await asyncio.to_thread(self._events.flush)
        await self._commit(messages)
        self._report_lag()

    def batch_guard(self, partitions: set[int], polled: float) -> WriteGuard:
        """Return the check run before each write step of a batch.

        `polled` is the `time.monotonic()` instant the batch was polled at.
        """
        deadline = polled + self._settings.max_batch_seconds

        async def still_ours() -> None:
            late = time.monotonic() - deadline
            if late > 0:
                raise BatchOverdueError(f"batch {late:.1f} s past its deadline")
            await self._ownership.check(partitions)

        return still_ours

    def _report_lag(self) -> None:
        # Offsets cached from fetch responses: no round trip per batch.
        positions = self._consumer.position(self._consumer.assignment())
        ends = {
            place.partition: self._consumer.get_watermark_offsets(place, cached=True)[1]
            for place in positions
        }
        for partition, lag in partition_lags(positions, ends).items():
            metrics.CONSUMER_LAG.labels(str(partition)).set(lag)

    def _decode(self, messages: Sequence[Message]) -> list[Inbound]:
        records = []
        for message in messages:
            error = message.error()
            if error is not None:
                if error.code() != KafkaError._PARTITION_EOF:
                    raise KafkaException(error)
                continue
            try:
                record = IMPORT_RECORD.decode(message.value() or b"")
            except SchemaMismatchError:
                # Unreadable here, but maybe by another version: keep it aside.
                logger.exception(
                    "record sent to dead letters partition=%s offset=%s",
                    message.partition(),
                    message.offset(),
                )
                self._send_to_dead_letters(message)
                continue
            records.append(Inbound(record, message.partition() or 0))
        return records

    def _send_to_dead_letters(self, message: Message) -> None:
        self._events.producer.produce(
            self._settings.dlq_topic, message.value(), key=message.key()
        )

    def _forward(self, forwards: Sequence[Forward]) -> None:
        for forward in forwards:
            record: dict[str, Any] = forward.record
            logger.debug(
                "record forwarded line=%d partition=%d",
                record["line"],
                forward.partition,
            )
            self._events.producer.produce(
                self._settings.records_topic,
                IMPORT_RECORD.encode(record),
                key=record["key"],
                partition=forward.partition,
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
