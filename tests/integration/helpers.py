"""Waiting on conditions and comparing database contents in integration tests."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, TopicPartition

from consumer.plan import HOME_KEY
from profile_import.settings import Settings

_POLL_SECONDS = 0.1


async def wait_until(
    condition: Callable[[], Awaitable[bool]], seconds: float, what: str
) -> None:
    """Wait until `condition()` holds; fail the test after `seconds`."""
    try:
        async with asyncio.timeout(seconds):
            # The condition is state in another process: polling is the way.
            while True:
                if await condition():
                    return
                await asyncio.sleep(_POLL_SECONDS)
    except TimeoutError:
        raise AssertionError(
            f"timed out after {seconds} s waiting for {what}"
        ) from None


async def profile_contents(db: Any, collection: str = "profiles") -> list[str]:
    """Return the profiles of a collection, minus ids, as sorted comparable text.

    Profile ids are derived from job ids, which differ between two runs of one
    file, and home keys from which line got there first: neither is content.
    """
    contents = []
    async for profile in db[collection].find():
        profile.pop("_id")
        profile.pop(HOME_KEY, None)
        contents.append(repr(sorted(profile.items())))
    return sorted(contents)


def group_caught_up(settings: Settings, group: str) -> bool:
    """Tell whether a consumer group has committed every record of the topic."""
    consumer = Consumer(
        {"bootstrap.servers": settings.kafka_bootstrap, "group.id": group}
    )
    try:
        topic = settings.records_topic
        metadata = consumer.list_topics(topic, timeout=10)
        places = [TopicPartition(topic, p) for p in metadata.topics[topic].partitions]
        committed = consumer.committed(places, timeout=10)
        for place in committed:
            _low, high = consumer.get_watermark_offsets(place, timeout=10)
            if high > 0 and place.offset < high:
                return False
        return True
    finally:
        consumer.close()


def write_jsonl(path: Path, lines: list[dict[str, Any]]) -> Path:
    """Write profiles as a JSONL import file and return its path."""
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), "utf-8")
    return path
