"""The vocabulary of batch planning: claims, decisions, forwards and plans.

One writer per profile: every profile has a home key (the key of the record
that created it) and is written only by the consumer of the partition that key
hashes to. A record that matches a profile homed elsewhere is not applied
where it landed; it is forwarded to the home partition, whose consumer applies
it in order with everything else about that profile.
"""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from consumer.merge import Outcome
from profiles.identity import identifiers_in_key_order
from schemas.records import drop_absent, record_id

HOME_KEY = "_home_key"
"""Field of a stored profile holding its home key (never exported)."""

MAX_HOPS = 8
"""How often a record may be forwarded before it is rejected."""

_CLAIMED_KINDS = ("email", "phone", "social", "external_id", "custom_identifier")
_PROFILE_ID_NAMESPACE = uuid.UUID("8d3b5a52-0c5e-4f63-9a55-3f0b8f4d2a10")


def new_profile_id(job_id: str, line: int) -> str:
    """Return the id a record gives the profile it creates.

    It is derived from the record's identity, so a record applied again after a
    crash creates the same profile instead of a second one.
    """
    return uuid.uuid5(_PROFILE_ID_NAMESPACE, record_id(job_id, line)).hex


def claimable_identifiers(profile: Mapping[str, Any]) -> list[str]:
    """Return the identifiers of a profile that are claimed for it.

    Emails, phones and social identities are claimed to match by them;
    `external_id` and `custom_identifier` only to find duplicates in a file.
    """
    return [
        identifier
        for identifier in identifiers_in_key_order(profile)
        if identifier.split(":", 1)[0] in _CLAIMED_KINDS
    ]


def home_key_of(profile_id: str, document: Mapping[str, Any] | None) -> str:
    """Return a stored profile's home key; profiles not made here are homed by id."""
    if document is not None and HOME_KEY in document:
        return str(document[HOME_KEY])
    return f"id:{profile_id}"


@dataclass(frozen=True)
class Claim:
    """Who owns an identifier, and which line of which job claimed it."""

    profile_id: str
    home_key: str
    job_id: str = ""
    line: int = 0


@dataclass(frozen=True)
class Inbound:
    """A decoded record and the partition it was consumed from."""

    record: Mapping[str, Any]
    partition: int


@dataclass(frozen=True)
class RecordDecision:
    """What one record does."""

    job_id: str
    line: int
    outcome: Outcome
    profile_id: str | None
    changed_fields: tuple[str, ...] = ()
    reason: str | None = None


@dataclass(frozen=True)
class Forward:
    """A record to send to the partition that owns the profile it matched."""

    record: dict[str, Any]
    partition: int


@dataclass(frozen=True)
class DuplicateLine:
    """A line that repeats an identifier of an earlier line of the same file."""

    job_id: str
    line: int
    first_line: int
    identifier_kind: str


@dataclass
class BatchPlan:
    """The decisions of a batch and the writes that carry them out."""

    decisions: list[RecordDecision] = field(default_factory=list)
    forwards: list[Forward] = field(default_factory=list)
    duplicates: list[DuplicateLine] = field(default_factory=list)
    new_claims: dict[str, Claim] = field(default_factory=dict)
    orphan_claims: dict[str, str] = field(default_factory=dict)
    profiles_to_write: dict[str, dict[str, Any]] = field(default_factory=dict)
    created: set[str] = field(default_factory=set)


def lookup_identifiers(records: Iterable[Inbound]) -> tuple[set[str], set[str]]:
    """Return the claim ids and profile ids a batch needs to look up."""
    claims: set[str] = set()
    profile_ids: set[str] = set()
    for inbound in records:
        record = inbound.record
        fields = drop_absent(record["profile"])
        claims.update(claimable_identifiers(fields))
        if "id" in fields:
            profile_ids.add(fields["id"])
        profile_ids.add(new_profile_id(record["job_id"], record["line"]))
    return claims, profile_ids
