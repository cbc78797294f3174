"""Command-line options of `profile-import run`, turned into import options."""

import argparse
from pathlib import Path

from pydantic import SecretStr

from producer.options import (
    DEFAULT_ITERATIONS,
    FileFormat,
    ImportOptions,
    SourceOptions,
    read_password_file,
)
from profile_import.errors import ConfigurationError
from profile_import.settings import Settings

_DELIMITERS = {",": ",", ";": ";", "|": "|", "\\t": "\t", "tab": "\t", "\t": "\t"}


def add_run_options(run: argparse.ArgumentParser) -> None:
    """Declare the options of `profile-import run`."""
    run.add_argument("file", type=Path, help="JSONL or CSV file, maybe .enc")
    run.add_argument("--json", action="store_true", help="print the report as JSON")
    reading = run.add_argument_group("reading the file")
    reading.add_argument(
        "--format",
        choices=[f.value for f in FileFormat],
        help="file format (default: from the name, .enc aside)",
    )
    reading.add_argument(
        "--delimiter", help="CSV delimiter: , ; | or tab (default: from the header)"
    )
    reading.add_argument("--encoding", default="utf-8", help="text encoding")
    reading.add_argument(
        "--password-file",
        type=Path,
        help="file holding the password of an encrypted file "
        "(or set PROFILE_IMPORT_FILE_PASSWORD)",
    )
    reading.add_argument(
        "--iterations",
        type=int,
        default=DEFAULT_ITERATIONS,
        help=f"PBKDF2 iterations of the encryption (default {DEFAULT_ITERATIONS})",
    )
    applying = run.add_argument_group("applying the lines")
    applying.add_argument(
        "--max-errors", type=int, help="fail the job past this many line errors"
    )
    applying.add_argument(
        "--force-update", action="store_true", help="overwrite stored values"
    )
    applying.add_argument(
        "--lite", action="store_true", help="import lite profiles only"
    )
    applying.add_argument(
        "--sms-matching", action="store_true", help="also match by phone number"
    )
    applying.add_argument(
        "--testing",
        action="store_true",
        help="check the file and predict the outcome; write no profile",
    )


def _password(arguments: argparse.Namespace, settings: Settings) -> SecretStr | None:
    path: Path | None = arguments.password_file
    if path is None:
        return settings.file_password
    return read_password_file(path)


def _delimiter(given: str | None) -> str | None:
    if given is None:
        return None
    if given not in _DELIMITERS:
        raise ConfigurationError(f"delimiter {given!r} is not one of , ; | tab")
    return _DELIMITERS[given]


def source_options(arguments: argparse.Namespace, settings: Settings) -> SourceOptions:
    """Return how to read the file, from the command line and the settings."""
    if arguments.iterations < 1:
        raise ConfigurationError("--iterations must be at least 1")
    return SourceOptions(
        format=FileFormat(arguments.format) if arguments.format else None,
        delimiter=_delimiter(arguments.delimiter),
        encoding=arguments.encoding,
        password=_password(arguments, settings),
        iterations=arguments.iterations,
    )


def import_options(arguments: argparse.Namespace, job_id: str) -> ImportOptions:
    """Return the job options from the command line."""
    if arguments.max_errors is not None and arguments.max_errors < 0:
        raise ConfigurationError("--max-errors cannot be negative")
    return ImportOptions(
        job_id=job_id,
        force_update=arguments.force_update,
        lite=arguments.lite,
        sms_matching=arguments.sms_matching,
        testing=arguments.testing,
        max_errors=arguments.max_errors,
    )
