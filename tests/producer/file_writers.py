"""Test writers: profiles written as JSONL and as flattened-path CSV."""

import csv
import io
import json
from collections.abc import Iterator
from typing import Any


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Yield (dotted path, scalar) pairs; list items get their index as a segment."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, f"{prefix}{key}.")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from flatten(item, f"{prefix}{index}.")
    else:
        yield prefix.removesuffix("."), value


def cell(value: Any) -> str:
    """Write a scalar as CSV cell text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def to_jsonl(profiles: list[dict[str, Any]]) -> str:
    """Write profiles as JSON Lines."""
    return "".join(json.dumps(profile) + "\n" for profile in profiles)


def to_csv(profiles: list[dict[str, Any]], delimiter: str = ",") -> str:
    """Write profiles as CSV whose header is the union of their flattened paths."""
    rows = [dict(flatten(profile)) for profile in profiles]
    header: list[str] = []
    for row in rows:
        header.extend(path for path in row if path not in header)
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(row[path]) if path in row else "" for path in header])
    return out.getvalue()
