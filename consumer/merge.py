"""The merge rules: what a stored profile becomes when an import line meets it.

Pure functions over plain data (dicts as stored in the database, without `_id`).
Safe merge never overwrites a value that is already there; force update writes
every value the line gives. In both, deletions remove fields and addresses
marked `to_delete` are removed.
"""

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """What applying one record did."""

    CREATED = "created"
    MERGED = "merged"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELED = "canceled"
    """Not applied: its job was canceled first."""


class MergeMode(StrEnum):
    """How a line meets an existing profile."""

    SAFE = "SAFE"
    FORCE = "FORCE"


@dataclass(frozen=True)
class MergeResult:
    """The profile after the merge, the outcome and the top-level fields changed."""

    outcome: Outcome
    profile: dict[str, Any]
    changed_fields: tuple[str, ...] = field(default=())


def is_empty(value: Any) -> bool:
    """Tell whether a stored value counts as absent for safe merge."""
    return value is None or value == "" or value == [] or value == {}


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO 8601 date-time; one without a zone is taken as UTC."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def format_timestamp(moment: datetime) -> str:
    """Write a date-time the way the pipeline stores the ones it makes."""
    return (
        moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def is_stale(stored: dict[str, Any], line: dict[str, Any]) -> bool:
    """Tell whether the line's `updated_at` is older than the stored profile's."""
    line_time, stored_time = line.get("updated_at"), stored.get("updated_at")
    if not line_time or not stored_time:
        return False
    return parse_timestamp(line_time) < parse_timestamp(stored_time)


def _complete_dict(
    stored: dict[str, Any], given: dict[str, Any], force: bool
) -> dict[str, Any]:
    merged = dict(stored)
    for key, value in given.items():
        if force or is_empty(merged.get(key)):
            merged[key] = value
    return merged


def _merge_consent(
    stored: dict[str, Any] | None, given: dict[str, Any], force: bool
) -> dict[str, Any]:
    if stored is None:
        return given
    if not force:
        return stored
    merged = {**stored, **given}
    # The date tells when the decision was taken: it moves only with a new one.
    if "date" in stored and given.get("granted", stored.get("granted")) == stored.get(
        "granted"
    ):
        merged["date"] = stored["date"]
    return merged


def _merge_consents(
    stored: dict[str, Any], given: dict[str, Any], force: bool
) -> dict[str, Any]:
    merged = dict(stored)
    for name, consent in given.items():
        merged[name] = _merge_consent(stored.get(name), consent, force)
    return merged


def _merge_addresses(
    stored: list[dict[str, Any]], given: list[dict[str, Any]], force: bool
) -> list[dict[str, Any]]:
    merged = [dict(address) for address in stored]
    for address in given:
        address_id = address.get("id")
        position = next(
            (
                i
                for i, kept in enumerate(merged)
                if address_id is not None and kept.get("id") == address_id
            ),
            None,
        )
        if address.get("to_delete"):
            if position is not None:
                del merged[position]
            continue
        if position is None:
            if address not in merged:
                merged.append(address)
        else:
            merged[position] = _complete_dict(merged[position], address, force)
    return merged


def _merge_identities(
    stored: list[dict[str, Any]], given: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    merged = list(stored)
    known = {(i["provider"].lower(), i["user_id"]) for i in stored}
    for identity in given:
        if (identity["provider"].lower(), identity["user_id"]) not in known:
            merged.append(identity)
            known.add((identity["provider"].lower(), identity["user_id"]))
    return merged


def _merge_field(name: str, stored: Any, given: Any, force: bool) -> Any:
    if name == "addresses":
        return _merge_addresses(stored or [], given, force)
    if name == "identities":
        return _merge_identities(stored or [], given)
    if name == "consents":
        return _merge_consents(stored or {}, given, force)
    if name == "custom_fields":
        return _complete_dict(stored or {}, given, force)
    if force or is_empty(stored):
        return given
    return stored


def delete_path(document: dict[str, Any], path: str) -> None:
    """Remove a dotted path from a document in place; a missing path is fine."""
    *parents, leaf = path.split(".")
    node: Any = document
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return
    if isinstance(node, dict):
        node.pop(leaf, None)


def merge_profile(
    stored: dict[str, Any],
    line: dict[str, Any],
    deletions: tuple[str, ...] | list[str],
    mode: MergeMode,
    now: datetime,
) -> MergeResult:
    """Merge a line into a stored profile under the job's merge mode."""
    if mode is MergeMode.SAFE and is_stale(stored, line):
        return MergeResult(Outcome.SKIPPED, stored)
    force = mode is MergeMode.FORCE
    merged = copy.deepcopy(stored)
    for name, given in line.items():
        if name in ("id", "updated_at"):
            continue
        merged[name] = _merge_field(name, merged.get(name), given, force)
    for path in deletions:
        delete_path(merged, path)
    changed = tuple(
        name
        for name in sorted(set(stored) | set(merged))
        if stored.get(name) != merged.get(name)
    )
    if not changed:
        return MergeResult(Outcome.UNCHANGED, stored)
    merged["updated_at"] = line.get("updated_at") or format_timestamp(now)
    return MergeResult(Outcome.MERGED, merged, changed)


def create_profile(
    line: dict[str, Any], deletions: tuple[str, ...] | list[str], now: datetime
) -> MergeResult:
    """Build a new profile from a line that matched nothing."""
    profile = {
        name: value for name, value in copy.deepcopy(line).items() if name != "id"
    }
    profile["addresses"] = [
        a for a in profile.get("addresses", []) if not a.get("to_delete")
    ]
    if not profile["addresses"]:
        del profile["addresses"]
    for path in deletions:
        delete_path(profile, path)
    stamp = format_timestamp(now)
    profile.setdefault("created_at", stamp)
    profile.setdefault("updated_at", stamp)
    return MergeResult(Outcome.CREATED, profile, tuple(sorted(profile)))
