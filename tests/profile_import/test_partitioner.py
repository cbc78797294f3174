import pytest

from profile_import.partitioner import murmur2, partition_for


@pytest.mark.parametrize(
    ("key", "signed_hash"),
    [
        (b"21", -973932308),
        (b"foobar", -790332482),
        (b"a-little-bit-long-string", -985981536),
        (b"a-little-bit-longer-string", -1486304829),
        (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
        (b"abc", 479470107),
    ],
)
def test_murmur2_matches_the_java_client(key: bytes, signed_hash: int) -> None:
    assert murmur2(key) == signed_hash & 0xFFFFFFFF


def test_partition_is_stable_and_within_range() -> None:
    partitions = {partition_for(f"email:p{i}@example.com", 3) for i in range(100)}
    assert partitions == {0, 1, 2}
    assert partition_for("email:a@example.com", 3) == partition_for(
        "email:a@example.com", 3
    )
