"""Plain-data views of import records: what the line set, without Avro's nulls."""

from typing import Any


def drop_absent(value: Any) -> Any:
    """Return the value with every null record field left out, recursively.

    Avro gives every optional field a value; a null there means the line did
    not use the field (deletions travel separately, in `deletions`).
    """
    if isinstance(value, dict):
        return {k: drop_absent(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_absent(item) for item in value]
    return value


def record_id(job_id: str, line: int) -> str:
    """Return the identity of a record: its job and source line, never its offset."""
    return f"{job_id}:{line}"
