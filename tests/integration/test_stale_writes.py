"""A worker that lost its partitions cannot overwrite what their new owner wrote.

Kafka may hand a partition to another worker while the first one is still
applying a batch of it (a worker frozen past its session). These tests play the
late worker's part with the real ownership records, applier and store against
the real database, and the worker's rewind against the real broker.
"""

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from confluent_kafka import Consumer, Message

from consumer import store
from consumer.applier import BatchApplier
from consumer.ownership import PartitionLostError, PartitionOwnership
from consumer.plan import Inbound
from consumer.planner import BatchPlanner
from consumer.worker import BatchOverdueError, Worker, rewind
from jobs.events import JobEventSender
from profile_import.database import profile_collections
from profile_import.kafka import create_consumer, create_producer, ensure_topics
from profile_import.settings import Settings
from profiles.identity import record_key

pytestmark = pytest.mark.integration

_CONSUME_TIMEOUT_SECONDS = 30.0


def _inbound(line: int, profile: dict[str, Any]) -> Inbound:
    record = {
        "job_id": "job",
        "line": line,
        "key": record_key(profile),
        "hops": 0,
        "mode": "FORCE",
        "target": "MANAGED",
        "sms_matching": False,
        "deletions": [],
        "profile": profile,
    }
    return Inbound(record, 0)


def _on_zero(_key: str) -> int:
    return 0


async def _plan_from_the_database(db: Any, inbound: Inbound) -> BatchPlanner:
    """Read and plan as a worker does, without writing anything yet."""
    collections = profile_collections(db, "MANAGED")
    fields = inbound.record["profile"]
    claims = await store.load_claims(collections, [f"email:{fields['email']}"])
    profiles = await store.load_profiles(
        collections, {claim.profile_id for claim in claims.values()}
    )
    planner = BatchPlanner(profiles, claims, _on_zero, datetime.now(UTC))
    planner.apply(inbound)
    return planner


async def test_a_worker_whose_partition_was_taken_over_writes_nothing(
    db: Any, settings: Settings
) -> None:
    late = PartitionOwnership(db, settings.records_topic)
    late.assigned([0, 1])
    await late.take_over()
    owner = PartitionOwnership(db, settings.records_topic)
    owner.assigned([1])
    await owner.take_over()

    await late.check([0])
    await owner.check([1])
    with pytest.raises(PartitionLostError) as lost:
        await late.check([0, 1])
    assert lost.value.partitions == [1]
    applier = BatchApplier(db, _on_zero)
    with pytest.raises(PartitionLostError):
        await applier.apply(
            [_inbound(1, {"email": "a@example.com"})], lambda: late.check([1])
        )
    assert await db.profiles.count_documents({}) == 0
    assert await db.identity_claims.count_documents({}) == 0
    assert await db.record_outcomes.count_documents({}) == 0


async def test_a_partition_whose_owner_record_vanished_is_taken_over_again(
    db: Any, settings: Settings
) -> None:
    ownership = PartitionOwnership(db, settings.records_topic)
    ownership.assigned([2])
    await ownership.take_over()
    await db.partition_owners.delete_many({})

    with pytest.raises(PartitionLostError):
        await ownership.check([2])
    await ownership.take_over()
    await ownership.check([2])


async def test_creating_a_profile_someone_else_wrote_is_refused(db: Any) -> None:
    inbound = _inbound(1, {"email": "b@example.com", "nickname": "first"})
    late = await _plan_from_the_database(db, inbound)
    owner = BatchApplier(db, _on_zero)
    await owner.apply([inbound])
    await owner.apply([_inbound(2, {"email": "b@example.com", "nickname": "second"})])

    with pytest.raises(store.StaleWriteError):
        await store.write_profiles(
            profile_collections(db, "MANAGED"),
            late.plan.profiles_to_write,
            late.plan.created,
        )

    stored = await db.profiles.find_one({"_id": late.plan.decisions[0].profile_id})
    assert stored["nickname"] == "second"


def _consume(consumer: Consumer, count: int) -> list[Message]:
    """Consume until `count` messages arrived, failing after a deadline."""
    messages: list[Message] = []
    deadline = time.monotonic() + _CONSUME_TIMEOUT_SECONDS
    while len(messages) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"{len(messages)} of {count} messages consumed in time")
        messages.extend(m for m in consumer.consume(count, 1.0) if m.error() is None)
    return messages


def test_a_rewound_batch_is_delivered_again(settings: Settings) -> None:
    ensure_topics(settings)
    producer = create_producer(settings)
    for n in range(6):
        producer.produce(settings.records_topic, f"m{n}".encode(), partition=n % 2)
    assert producer.flush(30) == 0
    consumer = create_consumer(settings, settings.consumer_group)
    consumer.subscribe([settings.records_topic])
    try:
        first = _consume(consumer, 6)
        rewind(consumer, first)
        again = _consume(consumer, 6)
    finally:
        consumer.close()

    def places(messages: list[Message]) -> list[tuple[int | None, int | None]]:
        return sorted((m.partition(), m.offset()) for m in messages)

    assert places(again) == places(first)
    assert sorted(m.value() or b"" for m in again) == [
        f"m{n}".encode() for n in range(6)
    ]


async def test_a_batch_past_its_deadline_writes_nothing(
    db: Any, settings: Settings
) -> None:
    producer = create_producer(settings)
    consumer = create_consumer(settings, settings.consumer_group)
    worker = Worker(
        settings, db, consumer, JobEventSender(producer, settings.logs_topic)
    )
    try:
        guard = worker.batch_guard(set(), time.monotonic() - settings.max_batch_seconds)
        with pytest.raises(BatchOverdueError):
            await BatchApplier(db, _on_zero).apply(
                [_inbound(1, {"email": "c@example.com"})], guard
            )
    finally:
        consumer.close()

    assert await db.profiles.count_documents({}) == 0
    assert await db.identity_claims.count_documents({}) == 0
