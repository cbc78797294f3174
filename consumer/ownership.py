"""Which worker owns each partition, written down so a late worker can tell.

Kafka gives each partition to one member of the workers' group, but a member
frozen for longer than its session (or past its poll interval) is dropped and
its partitions handed to another while it may still be writing. To notice,
every worker draws a fresh token for each partition it is given and, before it
reads anything for that partition, writes the token into `partition_owners`.
Before each write of a batch it checks that the batch's partitions still hold
its tokens; a worker that finds another token stops the batch, and polls before
it goes on: if the group took the partitions away, it hears so then.
"""

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from profile_import.database import PARTITION_OWNERS, Document


class PartitionLostError(Exception):
    """Another worker took over partitions of the batch being applied."""

    def __init__(self, partitions: list[int]) -> None:
        super().__init__(f"partitions taken over by another worker: {partitions}")
        self.partitions = partitions


class PartitionOwnership:
    """The tokens of the partitions one worker was given, and their takeover."""

    def __init__(self, db: AsyncDatabase[Document], topic: str) -> None:
        self._owners = db[PARTITION_OWNERS]
        self._topic = topic
        self._tokens: dict[int, str] = {}
        self._to_take_over: set[int] = set()

    def _owner_id(self, partition: int) -> str:
        return f"{self._topic}:{partition}"

    def assigned(self, partitions: Iterable[int]) -> None:
        """Note partitions just given to this worker (from the rebalance callback)."""
        for partition in partitions:
            self._tokens[partition] = uuid.uuid4().hex
            self._to_take_over.add(partition)

    def revoked(self, partitions: Iterable[int]) -> None:
        """Forget partitions taken from this worker."""
        for partition in partitions:
            self._tokens.pop(partition, None)
            self._to_take_over.discard(partition)

    async def take_over(self) -> None:
        """Write this worker's token on the partitions it was given since last time.

        Called before a batch is read from the database, so anything a previous
        owner writes later is refused by its own `check`.
        """
        for partition in sorted(self._to_take_over):
            owner = {"owner": self._tokens[partition], "since": datetime.now(UTC)}
            selector = {"_id": self._owner_id(partition)}
            try:
                await self._owners.update_one(selector, {"$set": owner}, upsert=True)
            except DuplicateKeyError:
                # Another upsert inserted the document first: it exists now.
                await self._owners.update_one(selector, {"$set": owner})
        self._to_take_over.clear()

    async def check(self, partitions: Iterable[int]) -> None:
        """Raise PartitionLostError unless the partitions still hold our tokens."""
        wanted = {self._owner_id(p): p for p in set(partitions)}
        cursor = self._owners.find({"_id": {"$in": list(wanted)}})
        owners = {document["_id"]: document.get("owner") async for document in cursor}
        lost = sorted(
            partition
            for owner_id, partition in wanted.items()
            if partition not in self._tokens
            or owners.get(owner_id) != self._tokens[partition]
        )
        if lost:
            # Taken over again at the next batch if the group, at the next poll,
            # has not taken them from this worker: then it is their owner, and the
            # other token came from a worker frozen before it wrote it (or the
            # record is gone with a reset database).
            self._to_take_over.update(p for p in lost if p in self._tokens)
            raise PartitionLostError(lost)
