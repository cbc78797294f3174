import pytest

from jobs.report import JobStatus, Progress, final_status, progress_from


def test_progress_counts_producer_rejections_as_failed_lines() -> None:
    progress = progress_from(
        {"lines_read": 10, "records_produced": 8, "lines_rejected": 2},
        {"created": 5, "merged": 1, "unchanged": 1, "failed": 1},
    )
    assert progress.processed == 8
    assert progress.failed == 3
    assert progress.lines_read == 10


@pytest.mark.parametrize(
    ("finished", "processed", "max_errors", "status"),
    [
        (False, 8, None, None),
        (True, 7, None, None),
        (True, 8, None, JobStatus.SUCCESS),
        (True, 8, 3, JobStatus.SUCCESS),
        (True, 8, 2, JobStatus.FAILURE),
    ],
)
def test_final_status_waits_for_every_record(
    finished: bool, processed: int, max_errors: int | None, status: JobStatus | None
) -> None:
    progress = Progress(records_produced=8, processed=processed, failed=3)
    assert final_status(finished, progress, max_errors) is status
