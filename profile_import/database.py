"""The MongoDB database: collection names, the client and the indexes.

Only what both MongoDB and FerretDB 1.x support is used: `_id` uniqueness,
plain indexes, bulk writes. No transactions, no TTL indexes, no change streams.
"""

from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from profile_import.settings import Settings

Document = dict[str, Any]

PROFILES = "profiles"
LITE_PROFILES = "lite_profiles"
IDENTITY_CLAIMS = "identity_claims"
LITE_IDENTITY_CLAIMS = "lite_identity_claims"
RECORD_OUTCOMES = "record_outcomes"
JOBS = "jobs"
JOB_LOGS = "job_logs"
JOB_DEFINITIONS = "job_definitions"
PARTITION_OWNERS = "partition_owners"


@dataclass(frozen=True)
class ProfileCollections:
    """The profiles of one kind and the claims on their identifiers."""

    profiles: AsyncCollection[Document]
    claims: AsyncCollection[Document]


def connect(settings: Settings) -> AsyncMongoClient[Document]:
    """Return a client for the configured database server."""
    return AsyncMongoClient(settings.mongo_uri, tz_aware=True, connect=False)


def database(
    client: AsyncMongoClient[Document], settings: Settings
) -> AsyncDatabase[Document]:
    """Return the pipeline's database."""
    return client[settings.database]


def profile_collections(db: AsyncDatabase[Document], target: str) -> ProfileCollections:
    """Return the collections for managed (`MANAGED`) or lite (`LITE`) profiles."""
    if target == "LITE":
        return ProfileCollections(db[LITE_PROFILES], db[LITE_IDENTITY_CLAIMS])
    return ProfileCollections(db[PROFILES], db[IDENTITY_CLAIMS])


async def ensure_indexes(db: AsyncDatabase[Document]) -> None:
    """Create the indexes the pipeline's queries rely on (idempotent)."""
    await db[RECORD_OUTCOMES].create_index([("job_id", ASCENDING)])
    await db[JOB_LOGS].create_index([("job_id", ASCENDING), ("date", ASCENDING)])
    await db[JOBS].create_index([("created_at", ASCENDING)])
    await db[JOBS].create_index([("definition_id", ASCENDING)])
    await db[JOBS].create_index([("status", ASCENDING)])
    await db[JOB_DEFINITIONS].create_index([("name", ASCENDING)])
