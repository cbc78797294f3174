"""Kafka clients configured for the pipeline, and the topics it needs."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from confluent_kafka import (
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient

# The package re-exports these without declaring it, which mypy refuses.
from confluent_kafka.admin._config import (
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
)
from confluent_kafka.admin._resource import ResourceType
from confluent_kafka.cimpl import NewTopic

from profile_import.errors import ConfigurationError
from profile_import.settings import Settings

logger = logging.getLogger(__name__)

_ADMIN_TIMEOUT_SECONDS = 30.0


def producer_config(settings: Settings) -> dict[str, Any]:
    """Return the configuration of an idempotent producer with a bounded queue.

    `murmur2_random` places keys on partitions as the Java client does, so the
    partition of a key can be predicted by any client.
    """
    return {
        "bootstrap.servers": settings.kafka_bootstrap,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 20,
        "compression.type": "lz4",
        "partitioner": "murmur2_random",
        # librdkafka buffers up to 1 GB by default; a file read faster than the
        # broker takes it would then grow the process by as much. Block instead.
        "queue.buffering.max.kbytes": 32 * 1024,
        "queue.buffering.max.messages": 100_000,
    }


def create_producer(settings: Settings) -> Producer:
    """Return a producer for records and job events."""
    return Producer(producer_config(settings))


def create_consumer(settings: Settings, group: str) -> Consumer:
    """Return a consumer that commits offsets only when told to.

    It speaks the consumer group protocol of KIP-848: a member that is busy
    with a batch keeps sending heartbeats from librdkafka's own thread and keeps
    its partitions until its next poll hands them over. With the classic
    protocol, a member busy during a rebalance for longer than the session
    timeout is dropped from the group and its partitions given away while it
    still writes. The group's session timeout is a setting of the group on the
    broker (see `configure_groups`). A member that does not poll within
    `max.poll.interval.ms` leaves the group; the worker gives a batch up well
    before (`max_batch_seconds`).
    """
    return Consumer(
        {
            "bootstrap.servers": settings.kafka_bootstrap,
            "group.id": group,
            "group.protocol": "consumer",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "max.poll.interval.ms": max_poll_interval_ms(settings),
        }
    )


def max_poll_interval_ms(settings: Settings) -> int:
    """Return the poll interval past which a member leaves its group.

    A quarter more than the longest batch: a batch given up at its deadline
    still leaves the worker time to poll before the group drops it.
    """
    return int(settings.max_batch_seconds * 1000 * 1.25)


def group_configs(settings: Settings) -> dict[str, str]:
    """Return the broker-side settings of the pipeline's consumer groups."""
    session = settings.session_timeout_ms
    return {
        "consumer.session.timeout.ms": str(session),
        # Several heartbeats per session, so one late heartbeat costs nothing.
        "consumer.heartbeat.interval.ms": str(min(5_000, session // 3)),
    }


def configure_groups(settings: Settings, groups: Sequence[str]) -> None:
    """Set the session timeout and heartbeat interval of consumer groups.

    The broker bounds them (`group.consumer.min.session.timeout.ms` and
    `group.consumer.min.heartbeat.interval.ms`); a value out of its range is a
    configuration error.
    """
    admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap})
    entries = [
        ConfigEntry(name, value, incremental_operation=AlterConfigOpType.SET)
        for name, value in group_configs(settings).items()
    ]
    resources = [
        ConfigResource(ResourceType.GROUP, group, incremental_configs=entries)
        for group in groups
    ]
    futures = admin.incremental_alter_configs(
        resources, request_timeout=_ADMIN_TIMEOUT_SECONDS
    )
    for resource, future in futures.items():
        try:
            future.result(timeout=_ADMIN_TIMEOUT_SECONDS)
        except KafkaException as error:
            raise ConfigurationError(
                f"cannot configure consumer group {resource.name} "
                f"({group_configs(settings)}): {error}"
            ) from error


def ensure_topics(settings: Settings) -> None:
    """Create the pipeline's topics if they do not exist yet."""
    admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap})
    topics = [
        NewTopic(name, num_partitions=settings.topic_partitions, replication_factor=1)
        for name in (settings.records_topic, settings.logs_topic, settings.dlq_topic)
    ]
    try:
        futures = admin.create_topics(topics, request_timeout=_ADMIN_TIMEOUT_SECONDS)
        for name, future in futures.items():
            try:
                future.result(timeout=_ADMIN_TIMEOUT_SECONDS)
                logger.info("topic created topic=%s", name)
            except KafkaException as error:
                if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise
    except KafkaException as error:
        raise ConfigurationError(
            f"cannot create Kafka topics at {settings.kafka_bootstrap}: {error}"
        ) from error


PartitionsCallback = Callable[[list[int]], None]
"""Told the partitions given to (or taken from) a consumer, within its poll."""


def _ignore_partitions(_partitions: list[int]) -> None:
    pass


async def consume_batches(
    consumer: Consumer,
    topic: str,
    batch: tuple[int, float],
    process: Callable[[Sequence[Message]], Awaitable[None]],
    stop: asyncio.Event,
    *,
    assigned: PartitionsCallback = _ignore_partitions,
    revoked: PartitionsCallback = _ignore_partitions,
) -> None:
    """Hand batches of up to `batch` = (messages, seconds) to `process` until stop.

    The blocking consume runs in a thread so the event loop keeps serving the
    process's other roles; the consumer is closed, leaving its group, at the end.
    `assigned` and `revoked` hear of rebalances; they run inside a consume,
    never while `process` runs, and the client assigns the partitions itself.
    """

    def on_assign(_consumer: Consumer, places: list[TopicPartition]) -> None:
        assigned([place.partition for place in places])

    def on_revoke(_consumer: Consumer, places: list[TopicPartition]) -> None:
        revoked([place.partition for place in places])

    consumer.subscribe(
        [topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_revoke
    )
    try:
        while not stop.is_set():
            messages = await asyncio.to_thread(consumer.consume, *batch)
            if messages:
                await process(messages)
    finally:
        await asyncio.to_thread(consumer.close)
