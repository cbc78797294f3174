"""Deciding what a batch of records does, before anything is written.

The planner is pure: it gets the stored profiles and identity claims that the
batch's identifiers lead to, walks the records in order (so a later record
sees what an earlier one in the same batch created or merged), and returns the
outcome of each record, the records to forward, the claims to take and the
profiles to write. See `consumer.plan` for the one-writer-per-profile rule.
"""

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from consumer.merge import (
    MergeMode,
    MergeResult,
    Outcome,
    create_profile,
    merge_profile,
)
from consumer.plan import (
    HOME_KEY,
    MAX_HOPS,
    BatchPlan,
    Claim,
    DuplicateLine,
    Forward,
    Inbound,
    RecordDecision,
    claimable_identifiers,
    home_key_of,
    new_profile_id,
)
from profiles.identity import matching_identifiers
from schemas.records import drop_absent

logger = logging.getLogger(__name__)

PartitionOf = Callable[[str], int]


class BatchPlanner:
    """Walks a batch's records against what the database holds."""

    def __init__(
        self,
        profiles: Mapping[str, dict[str, Any]],
        claims: Mapping[str, Claim],
        partition_of: PartitionOf,
        now: datetime,
    ) -> None:
        self._profiles = dict(profiles)
        self._claims = dict(claims)
        self._partition_of = partition_of
        self._now = now
        self.plan = BatchPlan()

    def learn(
        self, profiles: Mapping[str, dict[str, Any]], claims: Mapping[str, Claim]
    ) -> None:
        """Add stored profiles and claims not known yet; what is known stays.

        Lets one planner walk a whole file batch by batch, each batch's own
        effects staying visible to the next (used to predict an import).
        """
        for profile_id, document in profiles.items():
            self._profiles.setdefault(profile_id, document)
        for identifier, claim in claims.items():
            self._claims.setdefault(identifier, claim)

    def knows(self, identifier: str) -> bool:
        """Tell whether a claim on the identifier is known to the planner."""
        return identifier in self._claims

    def apply(self, inbound: Inbound) -> None:
        """Decide one record and fold its effect into the batch's state."""
        record = inbound.record
        try:
            self._apply(record, inbound.partition, drop_absent(record["profile"]))
        except Exception as error:  # one bad record must not stop the batch
            logger.exception("record not applied line=%d", record["line"])
            self._decide(record, Outcome.FAILED, None, f"internal error: {error!r}")

    def _apply(
        self, record: Mapping[str, Any], partition: int, fields: dict[str, Any]
    ) -> None:
        self._note_duplicates(record, fields)
        matched = self._match(record, fields, partition)
        own_id = fields.get("id") or new_profile_id(record["job_id"], record["line"])
        pending = sorted(p for p in matched if p not in self._profiles and p != own_id)
        if len(matched) > 1 and pending:
            # A profile its home partition has claimed but not written yet (or
            # given up): that partition applies the line after its own writes,
            # when a conflict is real or the claim is gone.
            self._forward(record, self._home_of(pending[0]))
            return
        if len(matched) > 1:
            ids = ", ".join(sorted(matched))
            self._decide(
                record,
                Outcome.FAILED,
                None,
                f"the line matches several profiles: {ids}",
            )
            return
        if not matched:
            self._create(record, partition, fields)
            return
        profile_id = matched.pop()
        if "id" in fields and fields["id"] != profile_id:
            self._decide(
                record,
                Outcome.FAILED,
                None,
                f"the line's id {fields['id']} differs from profile "
                f"{profile_id}, which holds its identifiers",
            )
            return
        stored = self._profiles.get(profile_id)
        home = self._home_of(profile_id)
        if self._partition_of(home) != partition:
            self._forward(record, home)
        elif stored is None:
            # Our own creation, claimed before a crash and not yet written.
            self._create(record, partition, fields)
        else:
            mode = MergeMode(record["mode"])
            result = merge_profile(stored, fields, record["deletions"], mode, self._now)
            self._store(record, profile_id, home, result)

    def _create(
        self, record: Mapping[str, Any], partition: int, fields: dict[str, Any]
    ) -> None:
        key = record["key"]
        if self._partition_of(key) != partition:
            # The topic was repartitioned since the record was produced.
            self._forward(record, key)
            return
        profile_id = fields.get("id") or new_profile_id(
            record["job_id"], record["line"]
        )
        result = create_profile(fields, record["deletions"], self._now)
        self._store(record, profile_id, key, result)

    def _match(
        self, record: Mapping[str, Any], fields: Mapping[str, Any], partition: int
    ) -> set[str]:
        matched: set[str] = set()
        own_id = fields.get("id") or new_profile_id(record["job_id"], record["line"])
        for identifier in matching_identifiers(
            fields, sms_matching=bool(record["sms_matching"])
        ):
            claim = self._claims.get(identifier)
            if claim is None:
                continue
            if self._is_orphan(claim, own_id, partition):
                self.plan.orphan_claims[identifier] = claim.profile_id
                del self._claims[identifier]
                continue
            matched.add(claim.profile_id)
        if "id" in fields and fields["id"] in self._profiles:
            matched.add(fields["id"])
        return matched

    def _is_orphan(self, claim: Claim, own_id: str, partition: int) -> bool:
        """Tell whether a claim names a profile its home consumer never wrote.

        Profiles are created only on their home partition, in order; when that
        partition's consumer finds a claim of its own whose profile is missing,
        the record that took it was applied again differently after a crash.
        """
        return (
            claim.profile_id not in self._profiles
            and claim.profile_id != own_id
            and self._partition_of(claim.home_key) == partition
        )

    def _home_of(self, profile_id: str) -> str:
        stored = self._profiles.get(profile_id)
        if stored is not None:
            return home_key_of(profile_id, stored)
        claim = next(
            (c for c in self._claims.values() if c.profile_id == profile_id), None
        )
        return claim.home_key if claim else f"id:{profile_id}"

    def _note_duplicates(
        self, record: Mapping[str, Any], fields: Mapping[str, Any]
    ) -> None:
        for identifier in claimable_identifiers(fields):
            claim = self._claims.get(identifier)
            if (
                claim
                and claim.job_id == record["job_id"]
                and claim.line != record["line"]
            ):
                kind = identifier.split(":", 1)[0]
                self.plan.duplicates.append(
                    DuplicateLine(record["job_id"], record["line"], claim.line, kind)
                )
                return

    def _forward(self, record: Mapping[str, Any], home: str) -> None:
        hops = int(record.get("hops") or 0)
        if hops >= MAX_HOPS:
            self._decide(
                record,
                Outcome.FAILED,
                None,
                f"the line was forwarded {hops} times without settling",
            )
            return
        forwarded = {**record, "key": home, "hops": hops + 1}
        self.plan.forwards.append(Forward(forwarded, self._partition_of(home)))

    def _store(
        self, record: Mapping[str, Any], profile_id: str, home: str, result: MergeResult
    ) -> None:
        if result.outcome is Outcome.CREATED:
            self.plan.created.add(profile_id)
        if result.outcome in (Outcome.CREATED, Outcome.MERGED):
            document = {**result.profile, HOME_KEY: home}
            self._profiles[profile_id] = document
            self.plan.profiles_to_write[profile_id] = document
            self._claim_all(record, profile_id, home, result.profile)
        self._decide(record, result.outcome, profile_id, changed=result.changed_fields)

    def _claim_all(
        self,
        record: Mapping[str, Any],
        profile_id: str,
        home: str,
        profile: Mapping[str, Any],
    ) -> None:
        # Only the line's identifiers were looked up: the profile's others are
        # claimed already, by the lines that brought them.
        given = set(claimable_identifiers(drop_absent(record["profile"])))
        for identifier in claimable_identifiers(profile):
            if identifier in given and identifier not in self._claims:
                claim = Claim(profile_id, home, record["job_id"], record["line"])
                self._claims[identifier] = claim
                self.plan.new_claims[identifier] = claim

    def _decide(
        self,
        record: Mapping[str, Any],
        outcome: Outcome,
        profile_id: str | None,
        reason: str | None = None,
        changed: tuple[str, ...] = (),
    ) -> None:
        self.plan.decisions.append(
            RecordDecision(
                record["job_id"], record["line"], outcome, profile_id, changed, reason
            )
        )
