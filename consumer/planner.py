"""Deciding what a batch of records does, before anything is written.

The planner is pure: it gets the stored profiles and identity claims that the
batch's identifiers lead to, walks the records in order (so a later record
sees what an earlier one in the same batch created or merged), and returns the
outcome of each record, the claims to take and the profiles to write.
"""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from consumer.merge import (
    MergeMode,
    MergeResult,
    Outcome,
    create_profile,
    merge_profile,
)
from profiles.identity import identifiers_in_key_order, matching_identifiers
from schemas.records import drop_absent, record_id

_CLAIMED_KINDS = ("email", "phone", "social")
_PROFILE_ID_NAMESPACE = uuid.UUID("8d3b5a52-0c5e-4f63-9a55-3f0b8f4d2a10")


def new_profile_id(job_id: str, line: int) -> str:
    """Return the id a record gives the profile it creates.

    It is derived from the record's identity, so a record applied again after a
    crash creates the same profile instead of a second one.
    """
    return uuid.uuid5(_PROFILE_ID_NAMESPACE, record_id(job_id, line)).hex


def claimable_identifiers(profile: Mapping[str, Any]) -> list[str]:
    """Return the identifiers of a profile that are claimed for it."""
    return [
        identifier
        for identifier in identifiers_in_key_order(profile)
        if identifier.split(":", 1)[0] in _CLAIMED_KINDS
    ]


def lookup_identifiers(
    records: Iterable[Mapping[str, Any]],
) -> tuple[set[str], set[str]]:
    """Return the claim ids and profile ids a batch needs to look up."""
    claims: set[str] = set()
    profile_ids: set[str] = set()
    for record in records:
        fields = drop_absent(record["profile"])
        claims.update(claimable_identifiers(fields))
        if "id" in fields:
            profile_ids.add(fields["id"])
        profile_ids.add(new_profile_id(record["job_id"], record["line"]))
    return claims, profile_ids


@dataclass(frozen=True)
class RecordDecision:
    """What one record does."""

    job_id: str
    line: int
    outcome: Outcome
    profile_id: str | None
    changed_fields: tuple[str, ...] = ()
    reason: str | None = None


class ProfileNotYetWrittenError(Exception):
    """A claim names a profile that another writer has not stored yet."""


@dataclass
class BatchPlan:
    """The decisions of a batch and the writes that carry them out."""

    decisions: list[RecordDecision] = field(default_factory=list)
    new_claims: dict[str, str] = field(default_factory=dict)
    profiles_to_write: dict[str, dict[str, Any]] = field(default_factory=dict)


class BatchPlanner:
    """Walks a batch's records against what the database holds."""

    def __init__(
        self,
        profiles: Mapping[str, dict[str, Any]],
        claims: Mapping[str, str],
        now: datetime,
    ) -> None:
        self._profiles = dict(profiles)
        self._claims = dict(claims)
        self._now = now
        self.plan = BatchPlan()

    def apply(self, record: Mapping[str, Any]) -> RecordDecision:
        """Decide one record and fold its effect into the batch's state."""
        fields = drop_absent(record["profile"])
        job_id, line = record["job_id"], record["line"]
        matched = self._match(fields, bool(record["sms_matching"]))
        if len(matched) > 1:
            ids = ", ".join(sorted(matched))
            return self._decide(
                job_id,
                line,
                Outcome.FAILED,
                None,
                reason=f"the line matches several profiles: {ids}",
            )
        own_id = fields.get("id") or new_profile_id(job_id, line)
        profile_id = matched.pop() if matched else own_id
        if "id" in fields and profile_id != fields["id"]:
            return self._decide(
                job_id,
                line,
                Outcome.FAILED,
                None,
                reason=f"the line's id {fields['id']} differs from profile "
                f"{profile_id}, which holds its identifiers",
            )
        stored = self._profiles.get(profile_id)
        if stored is None and profile_id != own_id:
            raise ProfileNotYetWrittenError(profile_id)
        deletions = record["deletions"]
        if stored is None:
            result = create_profile(fields, deletions, self._now)
        else:
            mode = MergeMode(record["mode"])
            result = merge_profile(stored, fields, deletions, mode, self._now)
        self._store(profile_id, result)
        return self._decide(
            job_id, line, result.outcome, profile_id, changed=result.changed_fields
        )

    def _match(self, fields: Mapping[str, Any], sms_matching: bool) -> set[str]:
        matched = {
            self._claims[identifier]
            for identifier in matching_identifiers(fields, sms_matching=sms_matching)
            if identifier in self._claims
        }
        if "id" in fields and fields["id"] in self._profiles:
            matched.add(fields["id"])
        return matched

    def _store(self, profile_id: str, result: MergeResult) -> None:
        if result.outcome not in (Outcome.CREATED, Outcome.MERGED):
            return
        self._profiles[profile_id] = result.profile
        self.plan.profiles_to_write[profile_id] = result.profile
        for identifier in claimable_identifiers(result.profile):
            if identifier not in self._claims:
                self._claims[identifier] = profile_id
                self.plan.new_claims[identifier] = profile_id

    def _decide(
        self,
        job_id: str,
        line: int,
        outcome: Outcome,
        profile_id: str | None,
        *,
        changed: tuple[str, ...] = (),
        reason: str | None = None,
    ) -> RecordDecision:
        decision = RecordDecision(job_id, line, outcome, profile_id, changed, reason)
        self.plan.decisions.append(decision)
        return decision
