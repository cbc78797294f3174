"""Streaming one import file into Kafka as one job."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from jobs.events import JobEventSender, JobEventType, LogLevel, job_event
from producer.errors import SourceError
from producer.lines import LineError, ParsedLine
from producer.options import ImportOptions, SourceOptions
from producer.records import build_record
from producer.source import open_source
from producer.validation import validate_line
from profile_import import metrics

logger = logging.getLogger(__name__)


@dataclass
class ProductionSummary:
    """What producing a file did."""

    lines_read: int = 0
    records_produced: int = 0
    lines_rejected: int = 0
    stopped_early: bool = False
    canceled: bool = False

    def as_counts(self) -> dict[str, int]:
        """Return the summary as the counts of a PRODUCTION_FINISHED event."""
        return {
            "lines_read": self.lines_read,
            "records_produced": self.records_produced,
            "lines_rejected": self.lines_rejected,
            "stopped_early": int(self.stopped_early),
            "canceled": int(self.canceled),
        }

    def describe(self) -> str:
        """Return the summary as a job log message."""
        text = (
            f"file read: {self.lines_read} lines, {self.records_produced} records "
            f"produced, {self.lines_rejected} lines rejected"
        )
        if self.stopped_early:
            text += "; reading stopped: more line errors than the job allows"
        if self.canceled:
            text += "; reading stopped: the job was canceled"
        return text


class RecordSink(Protocol):
    """Where valid lines go: Kafka, or in testing mode a prediction."""

    produced: int

    def send(self, record: dict[str, Any]) -> None:
        """Take one record."""

    def flush(self) -> None:
        """Finish with every record taken."""

    def extra_counts(self) -> dict[str, int]:
        """Return counts to report with the end of production."""


class FileProducer:
    """Reads, validates and produces the lines of one file for one job."""

    def __init__(
        self,
        output: RecordSink,
        events: JobEventSender,
        options: ImportOptions,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self._should_stop = should_stop
        self._output = output
        self._events = events
        self._options = options
        self.summary = ProductionSummary()

    def produce(self, path: Path, source: SourceOptions) -> ProductionSummary:
        """Produce the file and report its end on the log topic.

        Raises SourceError, after reporting it, when the file cannot be read.
        """
        self._send(JobEventType.JOB_STARTED, "started", f"job started on {path.name}")
        try:
            with open_source(path, source) as lines:
                for item in lines:
                    if self._should_stop():
                        self.summary.canceled = True
                        break
                    if not self._produce_line(item):
                        self.summary.stopped_early = True
                        break
            self._output.flush()
        except SourceError as error:
            self._send(
                JobEventType.PRODUCTION_FAILED, "failed", str(error), LogLevel.ERROR
            )
            self._events.flush()
            raise
        self.summary.records_produced = self._output.produced
        self._send(
            JobEventType.PRODUCTION_FINISHED,
            "produced",
            self.summary.describe(),
            counts={**self.summary.as_counts(), **self._output.extra_counts()},
        )
        self._events.flush()
        return self.summary

    def _produce_line(self, item: ParsedLine | LineError) -> bool:
        """Produce or reject one line; return False once errors pass the cap."""
        self.summary.lines_read += 1
        metrics.LINES_READ.inc()
        line = validate_line(item) if isinstance(item, ParsedLine) else item
        if isinstance(line, LineError):
            self._reject(line)
            cap = self._options.max_errors
            return cap is None or self.summary.lines_rejected <= cap
        self._output.send(build_record(line, self._options))
        metrics.RECORDS_PRODUCED.inc()
        return True

    def _reject(self, error: LineError) -> None:
        self.summary.lines_rejected += 1
        metrics.LINE_ERRORS.labels(error.kind).inc()
        logger.debug("line rejected line=%d field=%s", error.number, error.field)
        job_id = self._options.job_id
        self._events.send(
            job_event(
                f"{job_id}:{error.number}:rejected",
                job_id,
                JobEventType.LINE_REJECTED,
                LogLevel.ERROR,
                error.describe(),
                line=error.number,
                field=error.field,
            )
        )

    def _send(
        self,
        kind: JobEventType,
        name: str,
        content: str,
        level: LogLevel = LogLevel.LOG,
        counts: dict[str, int] | None = None,
    ) -> None:
        job_id = self._options.job_id
        self._events.send(
            job_event(f"{job_id}:{name}", job_id, kind, level, content, counts=counts)
        )
