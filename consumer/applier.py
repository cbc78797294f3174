"""Applying a batch of records to the database: plan, claim, record, write.

The order of the steps is what makes a batch safe to apply twice:

1. look up the profiles and claims the batch's identifiers lead to;
2. plan every record in memory (pure, see `consumer.planner`);
3. release orphan claims, then claim the identifiers of new and grown
   profiles; a claim lost to another writer sends the batch back to step 1,
   where that writer's profile is found;
4. record each record's outcome, once per job and line: a batch applied again
   after a crash keeps the outcomes of its first pass, so job counts stay exact;
5. write the profiles whole, which gives the same documents when done twice.

Before each write step the batch's guard runs: the worker checks there that the
batch is not overdue and that its partitions are still its own (see
`consumer.ownership`). A guard that raises, like an insert that finds its new
profile already there (`store.StaleWriteError`), ends the batch without
committing it; the worker reads its records again, and whoever owns their
partitions applies them over fresh reads.

Records that match a profile homed on another partition are returned as
forwards; the worker sends them on before it commits the batch's offsets.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase

from consumer import store
from consumer.merge import Outcome
from consumer.plan import BatchPlan, Inbound, RecordDecision, lookup_identifiers
from consumer.planner import BatchPlanner, PartitionOf
from profile_import.database import Document, profile_collections

logger = logging.getLogger(__name__)

_MAX_ATTEMPTS = 20
_FIRST_RETRY_DELAY = 0.05
_MAX_RETRY_DELAY = 2.0


WriteGuard = Callable[[], Awaitable[None]]
"""Awaited before each write step of a batch; raises to stop the batch there."""


async def _no_guard() -> None:
    """The guard of batches applied outside a worker (tests, tools)."""


class BatchApplier:
    """Applies batches of decoded import records, one profile target at a time."""

    def __init__(self, db: AsyncDatabase[Document], partition_of: PartitionOf) -> None:
        self._db = db
        self._partition_of = partition_of

    async def apply(
        self, records: Sequence[Inbound], guard: WriteGuard = _no_guard
    ) -> BatchPlan:
        """Apply records in order and return what was decided for each."""
        plan = BatchPlan()
        records = await self._skip_canceled(records, plan)
        by_target: dict[str, list[Inbound]] = {}
        for inbound in records:
            by_target.setdefault(inbound.record["target"], []).append(inbound)
        for target, target_records in by_target.items():
            applied = await self._apply_with_retries(target, target_records, guard)
            plan.decisions.extend(applied.decisions)
            plan.forwards.extend(applied.forwards)
            plan.duplicates.extend(applied.duplicates)
        return plan

    async def _skip_canceled(
        self, records: Sequence[Inbound], plan: BatchPlan
    ) -> list[Inbound]:
        """Record the records of canceled jobs as such; return the others."""
        canceled = await store.canceled_jobs(
            self._db, {inbound.record["job_id"] for inbound in records}
        )
        if not canceled:
            return list(records)
        skipped = [
            RecordDecision(i.record["job_id"], i.record["line"], Outcome.CANCELED, None)
            for i in records
            if i.record["job_id"] in canceled
        ]
        await store.record_outcomes(self._db, skipped)
        plan.decisions.extend(skipped)
        return [i for i in records if i.record["job_id"] not in canceled]

    async def _apply_with_retries(
        self, target: str, records: Sequence[Inbound], guard: WriteGuard
    ) -> BatchPlan:
        delay = _FIRST_RETRY_DELAY
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            try:
                return await self._apply_once(target, records, guard)
            except store.ClaimLostError as error:
                # Another partition's worker created the same person first: plan
                # again, now finding its profile through its claims.
                logger.warning("batch replanned attempt=%d reason=%s", attempt, error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_RETRY_DELAY)
        # TODO: this ends the worker process, whose batch is then applied again by
        # the next owner of its partitions; matters only if claims keep being
        # lost for half a minute, which takes a storm of writers on one person.
        raise RuntimeError(f"batch could not be planned in {_MAX_ATTEMPTS} attempts")

    async def _apply_once(
        self, target: str, records: Sequence[Inbound], guard: WriteGuard
    ) -> BatchPlan:
        collections = profile_collections(self._db, target)
        identifiers, profile_ids = lookup_identifiers(records)
        claims = await store.load_claims(collections, identifiers)
        profile_ids.update(claim.profile_id for claim in claims.values())
        profiles = await store.load_profiles(collections, profile_ids)

        now = datetime.now(UTC)
        planner = BatchPlanner(profiles, claims, self._partition_of, now)
        for inbound in records:
            planner.apply(inbound)
        plan = planner.plan

        await guard()
        await store.release_claims(collections, plan.orphan_claims)
        await store.take_claims(collections, plan.new_claims)
        await store.record_outcomes(self._db, plan.decisions)
        await guard()
        await store.write_profiles(collections, plan.profiles_to_write, plan.created)
        return plan
