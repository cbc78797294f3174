"""Job events that a worker sends about the batches it applies."""

from collections import Counter
from collections.abc import Iterator

from consumer.merge import Outcome
from consumer.plan import BatchPlan
from jobs.events import JobEventType, LogLevel, job_event
from profile_import import metrics

_KIND_NAMES = {
    "email": "email",
    "phone": "phone number",
    "social": "social identity",
    "external_id": "external_id",
    "custom_identifier": "custom_identifier",
}


def batch_events(plan: BatchPlan) -> Iterator[dict[str, object]]:
    """Yield the events of a batch: rejected lines, duplicates, one progress each job.

    Event ids are derived from the job and line, so a batch applied again after
    a crash sends events that the tracker stores only once.
    """
    counts: dict[str, Counter[str]] = {}
    for decision in plan.decisions:
        metrics.OUTCOMES.labels(decision.outcome.value).inc()
        counts.setdefault(decision.job_id, Counter())[decision.outcome.value] += 1
        if decision.outcome is Outcome.FAILED:
            yield job_event(
                f"{decision.job_id}:{decision.line}:failed",
                decision.job_id,
                JobEventType.LINE_REJECTED,
                LogLevel.ERROR,
                f"line {decision.line}: {decision.reason}",
                line=decision.line,
            )
    for duplicate in plan.duplicates:
        kind = _KIND_NAMES.get(duplicate.identifier_kind, duplicate.identifier_kind)
        yield job_event(
            f"{duplicate.job_id}:{duplicate.line}:duplicate",
            duplicate.job_id,
            JobEventType.LINE_WARNING,
            LogLevel.WARNING,
            f"line {duplicate.line} has the same {kind} as line "
            f"{duplicate.first_line}: both are merged into one profile",
            line=duplicate.line,
        )
    for job_id, job_counts in counts.items():
        yield job_event(
            f"{job_id}:batch",
            job_id,
            JobEventType.BATCH_APPLIED,
            LogLevel.LOG,
            "batch applied",
            counts=dict(job_counts),
        )
