"""Validating parsed lines against the profile model."""

from pydantic import ValidationError

from producer.lines import LineError, ParsedLine, ValidLine
from profiles.identity import record_key
from profiles.model import ProfileLine

_TOP_LEVEL_FIELDS = frozenset(ProfileLine.model_fields)
# Deleting an identifier would leave nothing to find the profile by.
_UNDELETABLE = frozenset({"id"})


def _error_from(number: int, error: ValidationError) -> LineError:
    first = error.errors(include_input=False, include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    reason = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        reason = "unknown field"
    return LineError(number, reason, field, kind=first["type"])


def validate_line(line: ParsedLine) -> ValidLine | LineError:
    """Check a parsed line and choose its record key."""
    try:
        profile = ProfileLine.model_validate(line.fields)
    except ValidationError as error:
        return _error_from(line.number, error)
    for path in line.deletions:
        top = path.split(".", 1)[0]
        if top not in _TOP_LEVEL_FIELDS:
            return LineError(line.number, "unknown field", path)
        if top in _UNDELETABLE:
            return LineError(line.number, "the profile id cannot be deleted", path)
    fields = profile.fields()
    key = record_key(fields)
    if key is None:
        return LineError(
            line.number,
            "the line has no identifier (id, email, phone_number, external_id, "
            "custom_identifier or identities)",
        )
    return ValidLine(line.number, key, fields, line.deletions)
