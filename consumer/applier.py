"""Applying a batch of records to the database: plan, claim, record, write.

The order of the steps is what makes a batch safe to apply twice:

1. look up the profiles and claims the batch's identifiers lead to;
2. plan every record in memory (pure, see `consumer.planner`);
3. claim the identifiers of new and grown profiles; a claim lost to another
   writer sends the batch back to step 1, where that writer's profile is found;
4. record each record's outcome, once per job and line: a batch applied again
   after a crash keeps the outcomes of its first pass, so job counts stay exact;
5. write the profiles whole, which gives the same documents when done twice.
"""

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from consumer import store
from consumer.planner import (
    BatchPlan,
    BatchPlanner,
    ProfileNotYetWrittenError,
    lookup_identifiers,
)
from profile_import.database import Document, profile_collections

logger = logging.getLogger(__name__)

_MAX_ATTEMPTS = 20
_FIRST_RETRY_DELAY = 0.05
_MAX_RETRY_DELAY = 2.0


class BatchApplier:
    """Applies batches of decoded import records of one target at a time."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._db = db

    async def apply(self, records: Sequence[Mapping[str, Any]]) -> BatchPlan:
        """Apply records in order and return what was decided for each."""
        by_target: dict[str, list[Mapping[str, Any]]] = {}
        for record in records:
            by_target.setdefault(record["target"], []).append(record)
        plan = BatchPlan()
        for target, target_records in by_target.items():
            applied = await self._apply_with_retries(target, target_records)
            plan.decisions.extend(applied.decisions)
        plan.decisions.sort(key=lambda d: (d.job_id, d.line))
        return plan

    async def _apply_with_retries(
        self, target: str, records: Sequence[Mapping[str, Any]]
    ) -> BatchPlan:
        delay = _FIRST_RETRY_DELAY
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            try:
                return await self._apply_once(target, records)
            except (store.ClaimLostError, ProfileNotYetWrittenError) as error:
                # Another writer is creating the same person: look again once it
                # has; its profile will then be found and merged into.
                logger.warning("batch replanned attempt=%d reason=%s", attempt, error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_RETRY_DELAY)
        raise RuntimeError(f"batch could not be planned in {_MAX_ATTEMPTS} attempts")

    async def _apply_once(
        self, target: str, records: Sequence[Mapping[str, Any]]
    ) -> BatchPlan:
        collections = profile_collections(self._db, target)
        identifiers, profile_ids = lookup_identifiers(records)
        claims = await store.load_claims(collections, identifiers)
        profile_ids.update(claims.values())
        profiles = await store.load_profiles(collections, profile_ids)

        planner = BatchPlanner(profiles, claims, datetime.now(UTC))
        for record in records:
            planner.apply(record)
        plan = planner.plan

        await store.take_claims(collections, plan.new_claims)
        await store.record_outcomes(self._db, plan.decisions)
        await store.write_profiles(collections, plan.profiles_to_write)
        return plan
