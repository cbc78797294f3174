"""Job reports: statuses, progress, and when a job is finished.

Pure functions; the tracker stores what they decide.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

OUTCOME_COUNTS = ("created", "merged", "unchanged", "skipped", "failed", "canceled")


class JobStatus(StrEnum):
    """Where a job stands."""

    WAITING = "WAITING"
    RUNNING = "RUNNING"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    WAITING_CANCELLATION = "WAITING_CANCELLATION"
    CANCELED = "CANCELED"


FINAL_STATUSES = frozenset({JobStatus.SUCCESS, JobStatus.FAILURE, JobStatus.CANCELED})


@dataclass(frozen=True)
class Progress:
    """How far a job has come."""

    lines_read: int = 0
    records_produced: int = 0
    lines_rejected: int = 0
    processed: int = 0
    created: int = 0
    merged: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    canceled: int = 0

    def as_document(self) -> dict[str, int]:
        """Return the progress as stored in the job report."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def progress_from(
    production: Mapping[str, Any], outcome_counts: Mapping[str, int]
) -> Progress:
    """Combine what the producer read with the outcomes the workers recorded.

    Lines rejected by the producer never become records; they count as failed
    lines of the job alongside records the workers could not apply.
    """
    rejected = int(production.get("lines_rejected", 0))
    return Progress(
        lines_read=int(production.get("lines_read", 0)),
        records_produced=int(production.get("records_produced", 0)),
        lines_rejected=rejected,
        processed=sum(outcome_counts.get(name, 0) for name in OUTCOME_COUNTS),
        created=outcome_counts.get("created", 0),
        merged=outcome_counts.get("merged", 0),
        unchanged=outcome_counts.get("unchanged", 0),
        skipped=outcome_counts.get("skipped", 0),
        failed=outcome_counts.get("failed", 0) + rejected,
        canceled=outcome_counts.get("canceled", 0),
    )


def final_status(
    production_finished: bool,
    progress: Progress,
    max_errors: int | None,
    cancel_requested: bool = False,
) -> JobStatus | None:
    """Return the status a job ends with, or None while records are in flight."""
    if not production_finished or progress.processed < progress.records_produced:
        return None
    if cancel_requested:
        return JobStatus.CANCELED
    if max_errors is not None and progress.failed > max_errors:
        return JobStatus.FAILURE
    return JobStatus.SUCCESS
