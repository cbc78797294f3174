"""The options of an import: how to read the file, and how to apply its lines."""

from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from profile_import.errors import ConfigurationError

DEFAULT_ITERATIONS = 10_000


class FileFormat(StrEnum):
    """Formats of import files."""

    JSONL = "jsonl"
    CSV = "csv"


@dataclass(frozen=True)
class SourceOptions:
    """How to read an import file. The password never leaves this object."""

    format: FileFormat | None = None
    delimiter: str | None = None
    encoding: str = "utf-8"
    password: SecretStr | None = None
    iterations: int = DEFAULT_ITERATIONS

    def describe(self) -> dict[str, Any]:
        """Return the options as stored in a job report: no password, only a flag."""
        return {
            "format": self.format.value if self.format else None,
            "delimiter": self.delimiter,
            "encoding": self.encoding,
            "encrypted": self.password is not None,
            "iterations": self.iterations if self.password is not None else None,
        }


@dataclass(frozen=True)
class ImportOptions:
    """The job options that decide what the records do."""

    job_id: str
    force_update: bool = False
    lite: bool = False
    sms_matching: bool = False
    testing: bool = False
    max_errors: int | None = None

    def describe(self) -> dict[str, Any]:
        """Return the options as stored in a job report."""
        return {k: v for k, v in asdict(self).items() if k != "job_id"}


def read_password_file(path: Path) -> SecretStr:
    """Return the password in the first line of a file, as openssl's -pass file:."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigurationError(
            f"cannot read the password file {path}: {error.strerror}"
        ) from error
    return SecretStr(text.splitlines()[0] if text else "")
