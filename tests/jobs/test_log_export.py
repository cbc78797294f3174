import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

from jobs.events import LogLevel
from jobs.log_export import csv_chunk, entry_view, jsonl_chunk, log_filter

DATE = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)

ENTRIES: list[dict[str, Any]] = [
    {
        "_id": "e1",
        "job_id": "j1",
        "level": "LOG",
        "content": "job started on a.csv",
        "date": DATE,
        "line": None,
        "field": None,
    },
    {
        "_id": "e2",
        "job_id": "j1",
        "level": "ERROR",
        "content": 'line 2: "x,y" is not\nan email',
        "date": DATE,
        "line": 2,
        "field": "email",
    },
]


def test_entry_view_keeps_the_operator_fields_with_an_iso_date() -> None:
    assert entry_view(ENTRIES[1]) == {
        "level": "ERROR",
        "date": "2026-03-04T05:06:07+00:00",
        "line": 2,
        "field": "email",
        "content": 'line 2: "x,y" is not\nan email',
    }


def test_jsonl_chunk_writes_one_object_per_entry() -> None:
    lines = jsonl_chunk(ENTRIES).splitlines()
    assert [json.loads(line) for line in lines] == [entry_view(e) for e in ENTRIES]


def test_csv_chunk_starts_with_the_header_and_quotes_awkward_content() -> None:
    rows = list(csv.reader(io.StringIO(csv_chunk(ENTRIES, header=True), newline="")))
    assert rows == [
        ["level", "date", "line", "field", "content"],
        ["LOG", "2026-03-04T05:06:07+00:00", "", "", "job started on a.csv"],
        [
            "ERROR",
            "2026-03-04T05:06:07+00:00",
            "2",
            "email",
            'line 2: "x,y" is not\nan email',
        ],
    ]


def test_csv_chunk_without_header_has_only_rows() -> None:
    text = csv_chunk(ENTRIES[:1], header=False)
    assert text.startswith("LOG,")
    assert text.count("\r\n") == 1


def test_log_filter_selects_a_level_only_when_given() -> None:
    assert log_filter("j1") == {"job_id": "j1"}
    assert log_filter("j1", LogLevel.ERROR) == {"job_id": "j1", "level": "ERROR"}
