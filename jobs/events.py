"""Job events: building them and sending them to the log topic."""

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from confluent_kafka import Producer

from schemas import JOB_EVENT

logger = logging.getLogger(__name__)


class JobEventType(StrEnum):
    """The kinds of job events (the `type` symbols of job_event.avsc)."""

    JOB_STARTED = "JOB_STARTED"
    LINE_REJECTED = "LINE_REJECTED"
    LINE_WARNING = "LINE_WARNING"
    PRODUCTION_FINISHED = "PRODUCTION_FINISHED"
    PRODUCTION_FAILED = "PRODUCTION_FAILED"
    BATCH_APPLIED = "BATCH_APPLIED"


class LogLevel(StrEnum):
    """Levels of job log entries."""

    LOG = "LOG"
    WARNING = "WARNING"
    ERROR = "ERROR"


def job_event(
    event_id: str,
    job_id: str,
    event_type: JobEventType,
    level: LogLevel,
    content: str,
    *,
    line: int | None = None,
    field: str | None = None,
    counts: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Return a job event ready to encode."""
    return {
        "event_id": event_id,
        "job_id": job_id,
        "type": event_type.value,
        "date": datetime.now(UTC),
        "level": level.value,
        "content": content,
        "line": line,
        "field": field,
        "counts": dict(counts or {}),
    }


class JobEventSender:
    """Sends job events, keyed by job id so that one job's events stay in order."""

    def __init__(self, producer: Producer, topic: str) -> None:
        self.producer = producer
        self._topic = topic

    def send(self, event: dict[str, Any]) -> None:
        """Queue one event; `flush` makes sure it was delivered."""
        payload = JOB_EVENT.encode(event)
        while True:
            try:
                self.producer.produce(self._topic, payload, key=event["job_id"])
                return
            except BufferError:
                self.producer.poll(0.1)

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until every queued event is delivered."""
        remaining = self.producer.flush(timeout)
        if remaining:
            raise TimeoutError(f"{remaining} job events not delivered in {timeout} s")
