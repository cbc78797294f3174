import pytest
from confluent_kafka import Message, TopicPartition

from consumer.worker import first_offsets, next_offsets, partition_lags


@pytest.mark.parametrize(
    ("positions", "ends", "lags"),
    [
        ([("t", 0, 10), ("t", 1, 5)], {0: 25, 1: 5}, {0: 15, 1: 0}),
        ([("t", 0, -1001)], {0: 25}, {}),
        ([("t", 2, 7)], {2: -1}, {}),
        ([("t", 0, 9)], {0: 8}, {0: 0}),
    ],
)
def test_partition_lags_count_records_between_position_and_end(
    positions: list[tuple[str, int, int]], ends: dict[int, int], lags: dict[int, int]
) -> None:
    places = [TopicPartition(t, p, o) for t, p, o in positions]
    assert partition_lags(places, ends) == lags


class _Message:
    """The three accessors of a consumed message the offset helpers read."""

    def __init__(self, partition: int, offset: int) -> None:
        self._partition, self._offset = partition, offset

    def topic(self) -> str:
        return "t"

    def partition(self) -> int:
        return self._partition

    def offset(self) -> int:
        return self._offset


def _batch(*places: tuple[int, int]) -> list[Message]:
    return [_Message(p, o) for p, o in places]  # type: ignore[misc]


def test_next_offsets_are_one_past_the_last_message_of_each_partition() -> None:
    offsets = next_offsets(_batch((0, 4), (1, 9), (0, 7)))
    assert sorted((o.partition, o.offset) for o in offsets) == [(0, 8), (1, 10)]


def test_first_offsets_are_where_each_partition_of_a_batch_starts() -> None:
    offsets = first_offsets(_batch((0, 7), (1, 9), (0, 4), (1, -1001)))
    assert sorted((o.partition, o.offset) for o in offsets) == [(0, 4), (1, 9)]
