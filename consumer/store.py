"""The consumer's reads and writes: one round trip per step for a whole batch."""

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo import ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from consumer.planner import RecordDecision
from profile_import.database import (
    RECORD_OUTCOMES,
    Document,
    ProfileCollections,
)
from schemas.records import record_id

logger = logging.getLogger(__name__)

_DUPLICATE_KEY = 11000


def _only_duplicates(error: BulkWriteError) -> bool:
    return all(e["code"] == _DUPLICATE_KEY for e in error.details["writeErrors"])


class ClaimLostError(Exception):
    """Another writer claimed one of the identifiers first."""

    def __init__(self, identifiers: list[str]) -> None:
        super().__init__(f"identifiers claimed by another profile: {identifiers}")
        self.identifiers = identifiers


async def load_profiles(
    collections: ProfileCollections, profile_ids: Iterable[str]
) -> dict[str, Document]:
    """Return the stored profiles among the ids, keyed by id, without `_id`."""
    found: dict[str, Document] = {}
    async for document in collections.profiles.find(
        {"_id": {"$in": list(profile_ids)}}
    ):
        found[document.pop("_id")] = document
    return found


async def load_claims(
    collections: ProfileCollections, identifiers: Iterable[str]
) -> dict[str, str]:
    """Return the profile id owning each claimed identifier among those asked."""
    cursor = collections.claims.find({"_id": {"$in": list(identifiers)}})
    return {claim["_id"]: claim["profile_id"] async for claim in cursor}


async def take_claims(
    collections: ProfileCollections, claims: Mapping[str, str]
) -> None:
    """Claim identifiers for profiles; raise ClaimLostError if one is taken.

    A claim that already names the same profile (a record applied again) is
    not a conflict.
    """
    if not claims:
        return
    documents = [{"_id": ident, "profile_id": pid} for ident, pid in claims.items()]
    try:
        await collections.claims.insert_many(documents, ordered=False)
    except BulkWriteError as error:
        if not _only_duplicates(error):
            raise
        existing = await load_claims(collections, claims)
        lost = [i for i, pid in claims.items() if existing.get(i) != pid]
        if lost:
            await release_claims(
                collections, {i: claims[i] for i in claims if i not in lost}
            )
            raise ClaimLostError(lost) from error


async def release_claims(
    collections: ProfileCollections, claims: Mapping[str, str]
) -> None:
    """Give back claims taken for a plan that will not be carried out."""
    for identifier, profile_id in claims.items():
        await collections.claims.delete_one(
            {"_id": identifier, "profile_id": profile_id}
        )


async def record_outcomes(
    db: AsyncDatabase[Document], decisions: Iterable[RecordDecision]
) -> None:
    """Store each record's outcome once; an outcome already stored is kept."""
    documents = [
        {
            "_id": record_id(d.job_id, d.line),
            "job_id": d.job_id,
            "line": d.line,
            "outcome": d.outcome.value,
            "profile_id": d.profile_id,
        }
        for d in decisions
    ]
    if not documents:
        return
    try:
        await db[RECORD_OUTCOMES].insert_many(documents, ordered=False)
    except BulkWriteError as error:
        if not _only_duplicates(error):
            raise
        logger.debug(
            "outcomes already recorded count=%d", len(error.details["writeErrors"])
        )


async def write_profiles(
    collections: ProfileCollections, profiles: Mapping[str, dict[str, Any]]
) -> None:
    """Write whole profiles; writing the same profile twice gives the same result."""
    if profiles:
        operations = [
            ReplaceOne({"_id": pid}, {"_id": pid, **profile}, upsert=True)
            for pid, profile in profiles.items()
        ]
        await collections.profiles.bulk_write(operations, ordered=False)
