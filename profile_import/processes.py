"""Long-running processes: the worker and the job tracker."""

import asyncio
import logging
import signal
from collections.abc import Callable, Coroutine
from typing import Any

from consumer.worker import Worker
from jobs.events import JobEventSender
from jobs.store import JobStore
from jobs.tracker import JobTracker
from profile_import import metrics
from profile_import.database import connect, database, ensure_indexes
from profile_import.kafka import (
    configure_groups,
    create_consumer,
    create_producer,
    ensure_topics,
)
from profile_import.settings import Settings

logger = logging.getLogger(__name__)

Role = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)


async def run_processes(settings: Settings, *, consume: bool, track: bool) -> None:
    """Run the worker and/or tracker roles until SIGINT or SIGTERM."""
    await asyncio.to_thread(ensure_topics, settings)
    groups = []
    if consume:
        groups.append(settings.consumer_group)
    if track:
        groups.append(settings.tracker_group)
    await asyncio.to_thread(configure_groups, settings, groups)
    metrics.serve_metrics(settings.metrics_host, settings.metrics_port)
    client = connect(settings)
    db = database(client, settings)
    await ensure_indexes(db)
    producer = create_producer(settings)
    roles: list[Role] = []
    if consume:
        events = JobEventSender(producer, settings.logs_topic)
        consumer = create_consumer(settings, settings.consumer_group)
        roles.append(Worker(settings, db, consumer, events).run)
    if track:
        consumer = create_consumer(settings, settings.tracker_group)
        roles.append(JobTracker(settings, JobStore(db), consumer).run)
    stop = asyncio.Event()
    _stop_on_signals(stop)
    try:
        async with asyncio.TaskGroup() as group:
            for role in roles:
                group.create_task(role(stop))
    finally:
        producer.flush(10)
        await client.close()
