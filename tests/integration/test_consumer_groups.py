"""Workers set their consumer groups' session settings on the real broker."""

import pytest
from confluent_kafka.admin import AdminClient

# The package re-exports these without declaring it, which mypy refuses.
from confluent_kafka.admin._config import ConfigResource
from confluent_kafka.admin._resource import ResourceType

from profile_import.errors import ConfigurationError
from profile_import.kafka import configure_groups, group_configs
from profile_import.settings import Settings

pytestmark = pytest.mark.integration


def _described(settings: Settings, group: str) -> dict[str, str]:
    admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap})
    resource = ConfigResource(ResourceType.GROUP, group)
    entries = admin.describe_configs([resource])[resource].result(timeout=30)
    return {name: entry.value for name, entry in entries.items()}


def test_groups_get_the_configured_session_timeout(settings: Settings) -> None:
    groups = [settings.consumer_group, settings.tracker_group]

    configure_groups(settings, groups)

    for group in groups:
        described = _described(settings, group)
        for name, value in group_configs(settings).items():
            assert described[name] == value


def test_a_session_timeout_the_broker_refuses_is_a_configuration_error(
    settings: Settings,
) -> None:
    too_long = settings.model_copy(update={"session_timeout_ms": 3_600_000})

    with pytest.raises(ConfigurationError, match=r"consumer\.session\.timeout\.ms"):
        configure_groups(too_long, [settings.consumer_group])
