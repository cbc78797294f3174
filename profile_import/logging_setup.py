"""Logging configuration, done once at each entry point."""

import logging
import sys


def configure_logging(level: str) -> None:
    """Send log lines to stderr as `time level logger: message key=value`."""
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
