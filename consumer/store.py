"""The consumer's reads and writes: one round trip per step for a whole batch."""

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo import DeleteOne, ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from consumer.plan import Claim, RecordDecision
from profile_import.database import JOBS, RECORD_OUTCOMES, Document, ProfileCollections
from schemas.records import record_id

logger = logging.getLogger(__name__)

_DUPLICATE_KEY = 11000


def _only_duplicates(error: BulkWriteError) -> bool:
    return all(e["code"] == _DUPLICATE_KEY for e in error.details["writeErrors"])


class StaleWriteError(Exception):
    """Profiles were created by another worker since this batch read the database.

    Two workers applied the same records at once: the batch must not go on
    from what it read, and its records are read again from Kafka.
    """

    def __init__(self, profile_ids: list[str]) -> None:
        super().__init__(f"profiles created meanwhile by another worker: {profile_ids}")
        self.profile_ids = profile_ids


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
    cursor = collections.profiles.find({"_id": {"$in": list(profile_ids)}})
    async for document in cursor:
        found[document.pop("_id")] = document
    return found


def _claim_from(document: Mapping[str, Any]) -> Claim:
    return Claim(
        document["profile_id"],
        document.get("home_key") or f"id:{document['profile_id']}",
        document.get("job_id", ""),
        document.get("line", 0),
    )


async def load_claims(
    collections: ProfileCollections, identifiers: Iterable[str]
) -> dict[str, Claim]:
    """Return the claim on each claimed identifier among those asked."""
    cursor = collections.claims.find({"_id": {"$in": list(identifiers)}})
    return {claim["_id"]: _claim_from(claim) async for claim in cursor}


async def take_claims(
    collections: ProfileCollections, claims: Mapping[str, Claim]
) -> None:
    """Claim identifiers for profiles; raise ClaimLostError if one is taken.

    A claim that already names the same profile (a record applied again) is
    not a conflict.
    """
    if not claims:
        return
    documents = [
        {
            "_id": identifier,
            "profile_id": claim.profile_id,
            "home_key": claim.home_key,
            "job_id": claim.job_id,
            "line": claim.line,
        }
        for identifier, claim in claims.items()
    ]
    try:
        await collections.claims.insert_many(documents, ordered=False)
    except BulkWriteError as error:
        if not _only_duplicates(error):
            raise
        refused = {documents[e["index"]]["_id"] for e in error.details["writeErrors"]}
        existing = await load_claims(collections, refused)
        lost = [
            identifier
            for identifier in refused
            if identifier not in existing
            or existing[identifier].profile_id != claims[identifier].profile_id
        ]
        if lost:
            # Give back only what this call inserted: a refused claim that names
            # the same profile was there before and stays.
            taken = {i: c.profile_id for i, c in claims.items() if i not in refused}
            await release_claims(collections, taken)
            raise ClaimLostError(sorted(lost)) from error


async def release_claims(
    collections: ProfileCollections, claims: Mapping[str, str]
) -> None:
    """Remove claims (identifier → profile id) taken or found for nothing."""
    if claims:
        operations = [
            DeleteOne({"_id": identifier, "profile_id": profile_id})
            for identifier, profile_id in claims.items()
        ]
        await collections.claims.bulk_write(operations, ordered=False)


_CANCELING = ["WAITING_CANCELLATION", "CANCELED"]


async def canceled_jobs(
    db: AsyncDatabase[Document], job_ids: Iterable[str]
) -> set[str]:
    """Return those of the jobs whose cancellation was asked for."""
    cursor = db[JOBS].find(
        {"_id": {"$in": list(job_ids)}, "status": {"$in": _CANCELING}}, {"_id": 1}
    )
    return {job["_id"] async for job in cursor}


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
        kept = len(error.details["writeErrors"])
        logger.debug("outcomes already recorded count=%d", kept)


# FerretDB 1.x holds one backend connection per update statement until the
# whole command ends, and hangs once a command (or several at once) needs more
# than its pool of 100; MongoDB has no such limit. Small update commands keep
# every worker far below it.
UPDATES_PER_COMMAND = 8


async def write_profiles(
    collections: ProfileCollections,
    profiles: Mapping[str, dict[str, Any]],
    created: Iterable[str] = (),
) -> None:
    """Write whole profiles; writing the same profiles twice gives the same result.

    New profiles are inserted in one command and merged ones replaced. A batch
    applied again finds the profiles it created and merges into them, so an
    insert that finds its profile there means another worker applied the same
    records meanwhile: StaleWriteError.
    """
    new_ids = [pid for pid in created if pid in profiles]
    replaced = [pid for pid in profiles if pid not in set(new_ids)]
    if new_ids:
        documents = [{"_id": pid, **profiles[pid]} for pid in new_ids]
        try:
            await collections.profiles.insert_many(documents, ordered=False)
        except BulkWriteError as error:
            if not _only_duplicates(error):
                raise
            taken = [new_ids[e["index"]] for e in error.details["writeErrors"]]
            raise StaleWriteError(taken) from error
    for start in range(0, len(replaced), UPDATES_PER_COMMAND):
        operations = [
            ReplaceOne({"_id": pid}, {"_id": pid, **profiles[pid]}, upsert=True)
            for pid in replaced[start : start + UPDATES_PER_COMMAND]
        ]
        await collections.profiles.bulk_write(operations, ordered=False)
