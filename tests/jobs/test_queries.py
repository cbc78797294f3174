from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError
from pymongo import ASCENDING, DESCENDING

from jobs.queries import JobQuery, job_filter, job_order, report_view

JAN = datetime(2026, 1, 1, tzinfo=UTC)
FEB = datetime(2026, 2, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, {}),
        ({"job_id": "j1"}, {"_id": "j1"}),
        ({"definition_id": "d1"}, {"definition_id": "d1"}),
        ({"type": "export"}, {"type": "export"}),
        ({"status": "RUNNING"}, {"status": "RUNNING"}),
        ({"created_from": JAN}, {"created_at": {"$gte": JAN}}),
        ({"created_to": FEB}, {"created_at": {"$lt": FEB}}),
        (
            {"created_from": JAN, "created_to": FEB, "status": "SUCCESS"},
            {"status": "SUCCESS", "created_at": {"$gte": JAN, "$lt": FEB}},
        ),
    ],
)
def test_job_filter_has_one_condition_per_given_filter(
    given: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert job_filter(JobQuery(**given)) == expected


@pytest.mark.parametrize(
    ("oldest_first", "direction"), [(False, DESCENDING), (True, ASCENDING)]
)
def test_job_order_sorts_by_creation_then_id(
    oldest_first: bool, direction: int
) -> None:
    order = job_order(JobQuery(oldest_first=oldest_first))
    assert order == [("created_at", direction), ("_id", direction)]


@pytest.mark.parametrize(
    "given",
    [
        {"page": 0},
        {"page_size": 0},
        {"page_size": 501},
        {"status": "DONE"},
        {"type": "replay"},
        {"created_from": FEB, "created_to": JAN},
        {"colour": "blue"},
    ],
)
def test_job_query_refuses_invalid_filters(given: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        JobQuery(**given)


def test_job_query_accepts_the_largest_page() -> None:
    assert JobQuery(page_size=500).page_size == 500


def test_report_view_shows_the_id_as_job_id() -> None:
    view = report_view({"_id": "j1", "status": "WAITING"})
    assert view == {"job_id": "j1", "status": "WAITING"}
