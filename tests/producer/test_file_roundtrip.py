"""Any valid profile written as JSONL or CSV reads back as the same profile."""

import io
import string
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from producer.csv_reader import read_csv
from producer.jsonl import read_jsonl
from producer.lines import ParsedLine, ValidLine
from producer.validation import validate_line
from profiles.model import SOCIAL_PROVIDERS
from tests.producer.file_writers import to_csv, to_jsonl

_NAME = st.text(string.ascii_lowercase + "_", min_size=1, max_size=8)
# Text that cannot be mistaken for something else in a CSV cell: never empty,
# never the deletion marker; quotes, delimiters and newlines are fair game.
_TEXT = st.text(
    string.ascii_letters + string.digits + " ,;|\"'\n-éü", min_size=1, max_size=12
).filter(lambda text: text.strip() == text and text != "__null__")
_FREE_TEXT = _TEXT.filter(lambda text: not _looks_typed(text))
_TIMESTAMP = st.datetimes(timezones=st.just(None)).map(
    lambda moment: moment.isoformat(timespec="seconds") + "Z"
)


def _looks_typed(text: str) -> bool:
    if text.lower() in ("true", "false"):
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


_CUSTOM = st.dictionaries(
    _NAME,
    st.one_of(
        st.booleans(),
        st.integers(-(10**9), 10**9),
        st.floats(allow_nan=False, allow_infinity=False, width=32).filter(
            lambda number: not number.is_integer()
        ),
        _FREE_TEXT,
    ),
    max_size=3,
)
_CONSENT = st.fixed_dictionaries(
    {},
    optional={
        "granted": st.booleans(),
        "date": _TIMESTAMP,
        "consent_type": st.sampled_from(["opt-in", "opt-out", "double-opt-in"]),
        "reporter": _TEXT,
        "consent_version": st.fixed_dictionaries(
            {
                "language": st.sampled_from(["fr", "en"]),
                "version_id": st.integers(0, 99),
            }
        ),
    },
).filter(bool)
_ADDRESS = st.fixed_dictionaries(
    {"id": st.integers(0, 9)},
    optional={
        "default": st.booleans(),
        "address_type": st.sampled_from(["billing", "delivery"]),
        "street_address": _TEXT,
        "postal_code": st.from_regex(r"0[0-9]{4}", fullmatch=True),
        "country": _TEXT,
        "custom_fields": _CUSTOM.filter(bool),
    },
)
_IDENTITY = st.fixed_dictionaries(
    {
        "provider": st.sampled_from(sorted(SOCIAL_PROVIDERS)),
        "user_id": st.from_regex(r"[0-9a-z]{1,10}", fullmatch=True),
    }
)
PROFILES = st.fixed_dictionaries(
    {"email": st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.(com|fr)", fullmatch=True)},
    optional={
        "given_name": _TEXT,
        "family_name": _TEXT,
        "phone_number": st.from_regex(r"\+33[1-9][0-9]{8}", fullmatch=True),
        "birthdate": st.dates().map(lambda day: day.isoformat()),
        "email_verified": st.booleans(),
        "updated_at": _TIMESTAMP,
        "custom_fields": _CUSTOM.filter(bool),
        "consents": st.dictionaries(_NAME, _CONSENT, min_size=1, max_size=2),
        "addresses": st.lists(_ADDRESS, min_size=1, max_size=2),
        "identities": st.lists(_IDENTITY, min_size=1, max_size=2),
    },
)


def _validated(items: list[Any]) -> list[dict[str, Any]]:
    lines = [validate_line(item) for item in items if isinstance(item, ParsedLine)]
    assert all(isinstance(line, ValidLine) for line in lines), lines
    return [line.fields for line in lines if isinstance(line, ValidLine)]


@settings(max_examples=150, deadline=None)
@given(st.lists(PROFILES, min_size=1, max_size=4))
def test_profiles_survive_jsonl(profiles: list[dict[str, Any]]) -> None:
    expected = _validated([ParsedLine(1, p) for p in profiles])
    read = list(read_jsonl(io.StringIO(to_jsonl(profiles))))
    assert _validated(read) == expected


@settings(max_examples=150, deadline=None)
@given(st.lists(PROFILES, min_size=1, max_size=4), st.sampled_from(",;\t|"))
def test_profiles_survive_csv(profiles: list[dict[str, Any]], delimiter: str) -> None:
    expected = _validated([ParsedLine(1, p) for p in profiles])
    text = io.StringIO(to_csv(profiles, delimiter), newline="")
    assert _validated(list(read_csv(text))) == expected
