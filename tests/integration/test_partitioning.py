"""Our partitioner agrees with where the producer's records really land."""

import pytest
from confluent_kafka import KafkaError, Message

from profile_import.kafka import create_producer, ensure_topics
from profile_import.partitioner import partition_for
from profile_import.settings import Settings

pytestmark = pytest.mark.integration

KEYS = [f"email:person{i}@example.com" for i in range(60)]


def test_records_land_on_the_partition_our_function_computes(
    settings: Settings,
) -> None:
    ensure_topics(settings)
    producer = create_producer(settings)
    delivered: dict[str, int] = {}

    def on_delivery(error: KafkaError | None, message: Message) -> None:
        assert error is None
        key = message.key()
        partition = message.partition()
        assert key is not None
        assert partition is not None
        delivered[key.decode()] = partition

    for key in KEYS:
        producer.produce(settings.records_topic, b"x", key=key, on_delivery=on_delivery)
    assert producer.flush(30) == 0

    expected = {key: partition_for(key, settings.topic_partitions) for key in KEYS}
    assert delivered == expected
    assert len(set(delivered.values())) == settings.topic_partitions
