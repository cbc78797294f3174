import pytest

from producer.lines import LineError, ParsedLine, ValidLine
from producer.validation import validate_line


def _validate(fields: dict[str, object], deletions: tuple[str, ...] = ()) -> object:
    return validate_line(ParsedLine(3, fields, deletions))


def test_valid_line_is_keyed_by_its_normalized_email() -> None:
    line = _validate({"email": " Ada@Example.com ", "given_name": "Ada"})
    assert isinstance(line, ValidLine)
    assert line.key == "email:ada@example.com"
    assert line.fields == {"email": "Ada@Example.com", "given_name": "Ada"}


def test_phone_numbers_are_stored_in_e164() -> None:
    line = _validate({"phone_number": "+33 6 12 34 56 78"})
    assert isinstance(line, ValidLine)
    assert line.fields["phone_number"] == "+33612345678"


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"email": "not-an-email"}, "email", "not a valid email address"),
        (
            {"email": "a@example.com", "birthdate": "10/12/1815"},
            "birthdate",
            "YYYY-MM-DD",
        ),
        ({"email": "a@example.com", "colour": "red"}, "colour", "unknown field"),
        (
            {"email": "a@example.com", "consents": {"news": {"consent_type": "maybe"}}},
            "consents.news.consent_type",
            "opt-in",
        ),
        (
            {"identities": [{"provider": "myspace", "user_id": "1"}]},
            "identities.0.provider",
            "unknown social provider",
        ),
        ({"given_name": "Ada"}, None, "no identifier"),
    ],
)
def test_invalid_lines_name_the_field_and_the_reason(
    fields: dict[str, object], field: str | None, reason: str
) -> None:
    error = _validate(fields)
    assert isinstance(error, LineError)
    assert error.number == 3
    assert error.field == field
    assert reason in error.reason


def test_a_bad_password_hash_is_rejected_without_echoing_it() -> None:
    error = _validate({"email": "a@example.com", "password_hash": "hunter2-secret"})
    assert isinstance(error, LineError)
    assert error.field == "password_hash"
    assert "hunter2" not in error.describe()


def test_a_bcrypt_hash_is_accepted() -> None:
    bcrypt = "$2b$12$" + "a" * 53
    assert isinstance(
        _validate({"email": "a@example.com", "password_hash": bcrypt}), ValidLine
    )


def test_deleting_an_unknown_field_is_an_error() -> None:
    error = _validate({"email": "a@example.com"}, ("favourite_colour",))
    assert isinstance(error, LineError)
    assert error.field == "favourite_colour"
