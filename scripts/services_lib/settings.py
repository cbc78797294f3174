"""Paths, ports and timeouts, read from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"


class ConfigError(Exception):
    """An environment variable holds an unusable value."""


def _env_int(name: str, default: int) -> int:
    """Read a TCP port from the environment."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None
    if not 0 < value < 65536:
        raise ConfigError(f"{name}={value} is not a valid port")
    return value


def _env_float(name: str, default: float) -> float:
    """Read a positive number of seconds from the environment."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if value <= 0:
        raise ConfigError(f"{name}={value} must be positive")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the servers need to know about where they live."""

    repo: Path
    runtime: Path
    kafka_port: int
    controller_port: int
    mongo_port: int
    timeout: float

    @property
    def logs_dir(self) -> Path:
        """Folder holding one log file per server (and per install step)."""
        return self.runtime / "logs"

    @property
    def run_dir(self) -> Path:
        """Folder holding one pid file per server."""
        return self.runtime / "run"

    @classmethod
    def from_env(cls, repo: Path) -> Settings:
        """Build settings from ``PROFILE_IMPORT_*`` environment variables."""
        runtime = os.environ.get("PROFILE_IMPORT_SERVICES_DIR", "").strip()
        return cls(
            repo=repo,
            runtime=Path(runtime).resolve() if runtime else repo / ".services",
            kafka_port=_env_int("PROFILE_IMPORT_KAFKA_PORT", 9092),
            controller_port=_env_int("PROFILE_IMPORT_KAFKA_CONTROLLER_PORT", 9093),
            mongo_port=_env_int("PROFILE_IMPORT_MONGO_PORT", 27017),
            timeout=_env_float("PROFILE_IMPORT_SERVICES_TIMEOUT", 120.0),
        )
