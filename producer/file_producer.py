"""Streaming one import file into Kafka as one job."""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from jobs.events import JobEventSender, JobEventType, LogLevel, job_event
from producer.errors import SourceError
from producer.jsonl import read_jsonl
from producer.kafka_output import RecordOutput
from producer.lines import LineError, ParsedLine
from producer.records import ImportOptions, build_record
from producer.validation import validate_line
from profile_import import metrics

logger = logging.getLogger(__name__)


@dataclass
class ProductionSummary:
    """What producing a file did."""

    lines_read: int = 0
    records_produced: int = 0
    lines_rejected: int = 0

    def as_counts(self) -> dict[str, int]:
        """Return the summary as the counts of a PRODUCTION_FINISHED event."""
        return {
            "lines_read": self.lines_read,
            "records_produced": self.records_produced,
            "lines_rejected": self.lines_rejected,
        }


def open_lines(path: Path) -> Iterator[ParsedLine | LineError]:
    """Yield the parsed lines of a JSONL file, streaming."""
    try:
        with path.open(encoding="utf-8", newline=None) as text:
            yield from read_jsonl(text)
    except OSError as error:
        raise SourceError(f"cannot read {path}: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise SourceError(f"{path} is not UTF-8 text: {error.reason}") from error


class FileProducer:
    """Reads, validates and produces the lines of one file for one job."""

    def __init__(
        self, output: RecordOutput, events: JobEventSender, options: ImportOptions
    ) -> None:
        self._output = output
        self._events = events
        self._options = options
        self.summary = ProductionSummary()

    def produce(self, path: Path) -> ProductionSummary:
        """Produce the file and report its end on the log topic."""
        job_id = self._options.job_id
        self._events.send(
            job_event(
                f"{job_id}:started",
                job_id,
                JobEventType.JOB_STARTED,
                LogLevel.LOG,
                f"job started on {path.name}",
            )
        )
        try:
            for item in open_lines(path):
                self._produce_line(item)
            self._output.flush()
        except SourceError as error:
            self._events.send(
                job_event(
                    f"{job_id}:failed",
                    job_id,
                    JobEventType.PRODUCTION_FAILED,
                    LogLevel.ERROR,
                    str(error),
                )
            )
            self._events.flush()
            raise
        self.summary.records_produced = self._output.produced
        self._events.send(
            job_event(
                f"{job_id}:produced",
                job_id,
                JobEventType.PRODUCTION_FINISHED,
                LogLevel.LOG,
                f"file read: {self.summary.lines_read} lines, "
                f"{self.summary.records_produced} records produced, "
                f"{self.summary.lines_rejected} lines rejected",
                counts=self.summary.as_counts(),
            )
        )
        self._events.flush()
        return self.summary

    def _produce_line(self, item: ParsedLine | LineError) -> None:
        self.summary.lines_read += 1
        metrics.LINES_READ.inc()
        line = validate_line(item) if isinstance(item, ParsedLine) else item
        if isinstance(line, LineError):
            self._reject(line)
            return
        self._output.send(build_record(line, self._options))
        metrics.RECORDS_PRODUCED.inc()

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
