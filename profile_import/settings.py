"""Settings of every profile-import process, read from `PROFILE_IMPORT_*` variables.

This is the only module that reads the environment.
"""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the servers are and how the pipeline uses them."""

    model_config = SettingsConfigDict(env_prefix="PROFILE_IMPORT_", frozen=True)

    kafka_bootstrap: str = "127.0.0.1:9092"
    mongo_uri: str = "mongodb://127.0.0.1:27017"
    database: str = "profile_import"

    records_topic: str = "profile-imports"
    logs_topic: str = "profile-import-logs"
    dlq_topic: str = "profile-imports-dlq"
    topic_partitions: int = Field(default=3, ge=1)
    consumer_group: str = "profile-import-workers"
    tracker_group: str = "profile-import-tracker"

    session_timeout_ms: int = Field(
        default=45_000,
        ge=6_000,
        description="How long a silent worker keeps its partitions before others "
        "take them over (set on the consumer groups when a worker starts).",
    )
    max_batch_seconds: float = Field(
        default=240.0,
        gt=0,
        le=3_000,
        description="How long a worker may spend on one batch; a slower batch is "
        "given up unwritten and read again, since the group may have moved on.",
    )
    producer_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long a job's producing process may stay silent before "
        "the job tracker ends the job in FAILURE (or CANCELED, when asked).",
    )
    batch_size: int = Field(default=500, ge=1)
    batch_wait_seconds: float = Field(default=0.2, gt=0)
    stall_timeout_seconds: float = Field(
        default=120.0,
        gt=0,
        description="How long `run` waits for progress before it gives up.",
    )
    metrics_host: str = Field(
        default="127.0.0.1", description="0.0.0.0 where Prometheus scrapes remotely."
    )
    metrics_port: int = Field(default=0, ge=0, description="0 disables /metrics.")
    log_level: str = "INFO"
    file_password: SecretStr | None = Field(
        default=None,
        description="Password of encrypted import files, when no file gives it.",
    )
    upload_dir: Path = Field(
        default=Path(".services/uploads"),
        description="Where the API keeps files uploaded to start a job.",
    )
    import_dir: Path = Field(
        default=Path("examples"),
        description="The only folder whose files the API imports by path.",
    )
    retention_interval_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="How often the API purges job reports older than six months.",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process's settings, read once."""
    return Settings()
