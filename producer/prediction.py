"""Testing mode: what an import would do, computed without writing a profile.

The lines that pass validation are planned with the workers' own planner
against the current database, a batch at a time, as if one worker applied
the whole file in order: each batch looks up the claims and profiles its
identifiers lead to, and what earlier lines would have created or merged
stays in the planner's memory. Nothing is sent to Kafka and nothing is
written but the job's report and logs.
"""

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from pymongo import MongoClient

from consumer.plan import Claim, Inbound, lookup_identifiers
from consumer.planner import BatchPlanner
from profile_import.database import Document

_BATCH_SIZE = 500
_CLAIMS = {"MANAGED": "identity_claims", "LITE": "lite_identity_claims"}
_PROFILES = {"MANAGED": "profiles", "LITE": "lite_profiles"}


def _one_partition(_key: str) -> int:
    return 0


class PredictionOutput:
    """Takes the records an import would produce and predicts their outcomes.

    It stands in for the Kafka output of `FileProducer`: `produced` stays 0,
    so the job completes as soon as the file is read.
    """

    produced = 0

    def __init__(self, client: MongoClient[Document], database: str) -> None:
        self._db = client[database]
        self._planner = BatchPlanner({}, {}, _one_partition, datetime.now(UTC))
        self._batch: list[dict[str, Any]] = []
        self.outcomes: Counter[str] = Counter()

    def send(self, record: dict[str, Any]) -> None:
        """Queue one record; plan the queue when it is a batch long."""
        self._batch.append(record)
        if len(self._batch) >= _BATCH_SIZE:
            self._plan_batch()

    def flush(self) -> None:
        """Plan what is left."""
        if self._batch:
            self._plan_batch()

    def extra_counts(self) -> dict[str, int]:
        """Return the predicted outcomes, as counts of the production event."""
        names = {"failed": "conflict"}
        return {
            f"would_{names.get(name, name)}": count
            for name, count in self.outcomes.items()
        }

    def _plan_batch(self) -> None:
        inbound = [Inbound(record, 0) for record in self._batch]
        target = self._batch[0]["target"]
        identifiers, profile_ids = lookup_identifiers(inbound)
        claims = self._load_claims(target, identifiers)
        profile_ids.update(claim.profile_id for claim in claims.values())
        self._planner.learn(self._load_profiles(target, profile_ids), claims)
        for record in inbound:
            self._planner.apply(record)
        plan = self._planner.plan
        for decision in plan.decisions:
            self.outcomes[decision.outcome.value] += 1
        # The planner keeps what the file did so far; the plan's lists are done.
        plan.decisions.clear()
        plan.profiles_to_write.clear()
        plan.new_claims.clear()
        plan.created.clear()
        plan.duplicates.clear()
        self._batch.clear()

    def _load_claims(self, target: str, identifiers: set[str]) -> dict[str, Claim]:
        unknown = [i for i in identifiers if not self._planner.knows(i)]
        cursor = self._db[_CLAIMS[target]].find({"_id": {"$in": unknown}})
        return {
            c["_id"]: Claim(
                c["profile_id"], c.get("home_key") or f"id:{c['profile_id']}"
            )
            for c in cursor
        }

    def _load_profiles(self, target: str, ids: set[str]) -> dict[str, Document]:
        cursor = self._db[_PROFILES[target]].find({"_id": {"$in": list(ids)}})
        return {document.pop("_id"): document for document in cursor}
