"""Producing import records to Kafka, keyed by normalized identity."""

import logging
from typing import Any

from confluent_kafka import KafkaError, Message, Producer

from profile_import.errors import ProfileImportError
from schemas import IMPORT_RECORD

logger = logging.getLogger(__name__)


class DeliveryError(ProfileImportError):
    """Kafka did not accept some records."""

    retriable = True


class RecordOutput:
    """Sends records and keeps the first delivery error to raise at `flush`."""

    def __init__(self, producer: Producer, topic: str) -> None:
        self._producer = producer
        self._topic = topic
        self._error: KafkaError | None = None
        self.produced = 0

    def _on_delivery(self, error: KafkaError | None, _message: Message) -> None:
        if error is not None and self._error is None:
            self._error = error

    def send(self, record: dict[str, Any]) -> None:
        """Queue one record; blocks briefly while the local queue is full."""
        payload = IMPORT_RECORD.encode(record)
        while True:
            try:
                self._producer.produce(
                    self._topic,
                    payload,
                    key=record["key"],
                    on_delivery=self._on_delivery,
                )
                break
            except BufferError:
                self._producer.poll(0.1)
        self._producer.poll(0)
        self.produced += 1

    def extra_counts(self) -> dict[str, int]:
        """Return nothing more than the produced count: records speak for themselves."""
        return {}

    def flush(self, timeout: float = 60.0) -> None:
        """Wait for every queued record; raise if one was not delivered."""
        remaining = self._producer.flush(timeout)
        if self._error is not None:
            raise DeliveryError(f"Kafka refused a record: {self._error}")
        if remaining:
            raise DeliveryError(f"{remaining} records not delivered in {timeout} s")
