"""What reading and validating one line of an import file gives."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """A line read from the file, before validation.

    `fields` holds the values the line sets, nested as in JSON; `deletions` the
    dotted paths the line deletes (JSON `null`, CSV `__null__`).
    """

    number: int
    fields: dict[str, Any]
    deletions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ValidLine:
    """A line that passed validation, ready to become a record."""

    number: int
    key: str
    fields: dict[str, Any]
    deletions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LineError:
    """A rejected line: where, which field, and why, in words a person can act on."""

    number: int
    reason: str
    field: str | None = None
    kind: str = "invalid"
    """A short label of the kind of error, for metrics."""

    def describe(self) -> str:
        """Return the message of the job log entry for this line."""
        where = f"line {self.number}"
        if self.field:
            where += f", field {self.field}"
        return f"{where}: {self.reason}"
