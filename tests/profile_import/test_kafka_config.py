import pytest

from profile_import.kafka import group_configs, max_poll_interval_ms
from profile_import.settings import Settings


@pytest.mark.parametrize(
    ("session_ms", "heartbeat_ms"),
    [(45_000, 5_000), (15_000, 5_000), (12_000, 4_000), (6_000, 2_000)],
)
def test_groups_heartbeat_several_times_per_session(
    session_ms: int, heartbeat_ms: int
) -> None:
    configs = group_configs(Settings(session_timeout_ms=session_ms))
    assert configs == {
        "consumer.session.timeout.ms": str(session_ms),
        "consumer.heartbeat.interval.ms": str(heartbeat_ms),
    }


def test_a_batch_deadline_comes_before_the_group_drops_the_worker() -> None:
    settings = Settings(max_batch_seconds=60)
    assert max_poll_interval_ms(settings) == 75_000
    assert max_poll_interval_ms(Settings()) > Settings().max_batch_seconds * 1000
