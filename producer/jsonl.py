"""Reading JSON Lines import files."""

import json
from collections.abc import Iterable, Iterator
from typing import Any

from producer.lines import LineError, ParsedLine


def split_nulls(
    obj: dict[str, Any], prefix: str = ""
) -> tuple[dict[str, Any], list[str]]:
    """Split a JSON object into the values it sets and the paths it nulls.

    Nested objects are followed so that `{"consents": {"news": {"granted": null}}}`
    deletes `consents.news.granted`; a null inside a list is simply left out.
    """
    values: dict[str, Any] = {}
    deletions: list[str] = []
    for name, value in obj.items():
        path = f"{prefix}{name}"
        if value is None:
            deletions.append(path)
        elif isinstance(value, dict):
            nested, nested_deletions = split_nulls(value, f"{path}.")
            deletions.extend(nested_deletions)
            if nested or not nested_deletions:
                values[name] = nested
        elif isinstance(value, list):
            values[name] = [_drop_nulls(item) for item in value if item is not None]
        else:
            values[name] = value
    return values, deletions


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    return value


def unflatten(obj: dict[str, Any]) -> dict[str, Any]:
    """Nest top-level keys written as dotted paths (`consents.news.granted`).

    A flattened key and a nested object for the same parent are combined; when
    both give the same leaf, the flattened key wins, being the more specific.
    """
    if not any("." in key for key in obj):
        return obj
    nested: dict[str, Any] = {}
    for key, value in obj.items():
        if "." not in key:
            existing = nested.get(key)
            if isinstance(existing, dict) and isinstance(value, dict):
                nested[key] = {**value, **existing}
            else:
                nested[key] = value
            continue
        *parents, leaf = key.split(".")
        node = nested
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[leaf] = value
    return nested


def parse_jsonl_line(number: int, text: str) -> ParsedLine | LineError:
    """Parse one line; a line that is not a JSON object is an error for it alone."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as error:
        reason = f"not valid JSON ({error.msg} at column {error.colno})"
        return LineError(number, reason)
    if not isinstance(obj, dict):
        return LineError(number, "not a JSON object")
    values, deletions = split_nulls(unflatten(obj))
    return ParsedLine(number, values, tuple(deletions))


def read_jsonl(lines: Iterable[str]) -> Iterator[ParsedLine | LineError]:
    """Yield each non-blank line of a JSONL text stream, numbered from 1."""
    for number, text in enumerate(lines, start=1):
        if text.strip():
            yield parse_jsonl_line(number, text)
