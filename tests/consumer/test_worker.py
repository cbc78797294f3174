import pytest
from confluent_kafka import TopicPartition

from consumer.worker import next_offsets, partition_lags


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


def test_next_offsets_are_one_past_the_last_message_of_each_partition() -> None:
    class Message:
        def __init__(self, partition: int, offset: int) -> None:
            self._partition, self._offset = partition, offset

        def topic(self) -> str:
            return "t"

        def partition(self) -> int:
            return self._partition

        def offset(self) -> int:
            return self._offset

    offsets = next_offsets([Message(0, 4), Message(1, 9), Message(0, 7)])  # type: ignore[list-item]
    assert sorted((o.partition, o.offset) for o in offsets) == [(0, 8), (1, 10)]
