"""A worker that lost its partitions cannot overwrite what their new owner wrote.

Kafka may hand a partition to another worker while the first one is still
applying a batch of it (a rebalance during a slow batch). These tests play the
late worker's part with the real planner and store against the real database,
and the worker's rewind against the real broker.
"""

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from confluent_kafka import Consumer, Message

from consumer import store
from consumer.applier import BatchApplier, BatchOverdueError
from consumer.plan import REVISION, Inbound
from consumer.planner import BatchPlanner
from consumer.worker import rewind
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


async def test_a_late_write_from_an_old_read_is_refused(db: Any) -> None:
    owner = BatchApplier(db, _on_zero)
    created = await owner.apply([_inbound(1, {"email": "a@example.com"})])
    profile_id = created.decisions[0].profile_id
    late = await _plan_from_the_database(
        db, _inbound(2, {"email": "a@example.com", "nickname": "late"})
    )

    await owner.apply([_inbound(3, {"email": "a@example.com", "given_name": "Ann"})])
    with pytest.raises(store.StaleWriteError) as refused:
        await store.write_profiles(
            profile_collections(db, "MANAGED"), late.plan.profiles_to_write
        )

    assert refused.value.profile_ids == [profile_id]
    stored = await db.profiles.find_one({"_id": profile_id})
    assert stored["given_name"] == "Ann"
    assert "nickname" not in stored
    assert stored[REVISION] == 2


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


async def test_a_batch_past_its_deadline_writes_no_profile(db: Any) -> None:
    applier = BatchApplier(db, _on_zero)

    with pytest.raises(BatchOverdueError):
        await applier.apply(
            [_inbound(1, {"email": "c@example.com"})], time.monotonic() - 1
        )

    assert await db.profiles.count_documents({}) == 0
    assert await db.identity_claims.count_documents({}) == 0
