from datetime import UTC, datetime, timedelta

import pytest

from jobs.retention import RETENTION, retention_cutoff


def test_retention_is_six_months_of_183_days() -> None:
    assert timedelta(days=183) == RETENTION


@pytest.mark.parametrize(
    ("now", "cutoff"),
    [
        (datetime(2026, 7, 3, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)),
        (
            datetime(2026, 3, 1, 12, 30, tzinfo=UTC),
            datetime(2025, 8, 30, 12, 30, tzinfo=UTC),
        ),
        # 2024 is a leap year: 183 days back from 1 March crosses 29 February.
        (datetime(2024, 9, 1, tzinfo=UTC), datetime(2024, 3, 2, tzinfo=UTC)),
    ],
)
def test_retention_cutoff_is_183_days_before_now(
    now: datetime, cutoff: datetime
) -> None:
    assert retention_cutoff(now) == cutoff
