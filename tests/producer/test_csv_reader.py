import io
import re
from typing import Any

import pytest

from producer.csv_reader import read_csv
from producer.errors import SourceError
from producer.lines import LineError, ParsedLine


def read(text: str, delimiter: str | None = None) -> list[ParsedLine | LineError]:
    return list(read_csv(io.StringIO(text, newline=""), delimiter=delimiter))


def only_line(text: str) -> ParsedLine:
    items = read(text)
    assert len(items) == 1
    assert isinstance(items[0], ParsedLine)
    return items[0]


def only_error(text: str) -> LineError:
    items = read(text)
    assert len(items) == 1
    assert isinstance(items[0], LineError)
    return items[0]


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("email,nickname\na@example.com,ada\n", ","),
        ("email;nickname\na@example.com;ada\n", ";"),
        ("email\tnickname\na@example.com\tada\n", "\t"),
        ("email|nickname\na@example.com|ada\n", "|"),
        ("email,nickname\na@example.com,ada\n", None),
        ("email;nickname\na@example.com;ada\n", None),
        ("email\tnickname\na@example.com\tada\n", None),
        ("email|nickname\na@example.com|ada\n", None),
    ],
)
def test_each_delimiter_is_accepted_given_or_detected(
    text: str, delimiter: str | None
) -> None:
    items = read(text, delimiter)
    assert items == [ParsedLine(2, {"email": "a@example.com", "nickname": "ada"})]


@pytest.mark.parametrize(
    ("header", "cells", "fields"),
    [
        ("email;nickname;name", "a;b;c", {"email": "a", "nickname": "b", "name": "c"}),
        ("email|nickname", "a|b,c", {"email": "a", "nickname": "b,c"}),
        ("email\tnickname", "a\tb;c", {"email": "a", "nickname": "b;c"}),
        ('"email";nickname', "a,b;c", {"email": "a,b", "nickname": "c"}),
        # A tie (one column whatever the delimiter) goes to the comma.
        ("email", '"a,b;c"', {"email": "a,b;c"}),
        ("email", "a;b|c\td", {"email": "a;b|c\td"}),
    ],
)
def test_detection_picks_the_delimiter_splitting_the_header_most(
    header: str, cells: str, fields: dict[str, str]
) -> None:
    assert only_line(f"{header}\n{cells}\n").fields == fields


@pytest.mark.parametrize("delimiter", [":", " ", ",,", ""])
def test_other_delimiters_are_refused_at_once(delimiter: str) -> None:
    with pytest.raises(ValueError, match="unsupported CSV delimiter"):
        read_csv(io.StringIO("email\n", newline=""), delimiter=delimiter)


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("\ufeffemail,nickname\r\na@example.com,ada\r\n", None),
        ("\ufeffemail,nickname\r\na@example.com,ada\r\n", ","),
        ("\ufeffemail;nickname\na@example.com;ada\n", None),
        ("email,nickname\r\na@example.com,ada\r\n", None),
        ("email,nickname\na@example.com,ada", None),
    ],
)
def test_bom_crlf_and_missing_final_newline_are_tolerated(
    text: str, delimiter: str | None
) -> None:
    items = read(text, delimiter)
    assert items == [ParsedLine(2, {"email": "a@example.com", "nickname": "ada"})]


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ('"Smith, Jr."', "Smith, Jr."),
        ('"say ""hi"""', 'say "hi"'),
        ('"two\nlines"', "two\nlines"),
        ('"two\r\nlines"', "two\r\nlines"),
    ],
)
def test_rfc4180_quoting_keeps_the_cell_text(cell: str, value: str) -> None:
    line = only_line(f"email,nickname\r\na@example.com,{cell}\r\n")
    assert line.fields["nickname"] == value


def test_records_are_numbered_by_the_physical_line_they_start_on() -> None:
    text = (
        "email,nickname\r\n"
        'a@example.com,"one\r\ntwo\r\nthree"\r\n'
        "b@example.com,bee\r\n"
        "\r\n"
        ",\r\n"
        "c@example.com,\r\n"
    )
    items = read(text)
    assert [item.number for item in items] == [2, 5, 8]
    assert [item.fields["email"] for item in items if isinstance(item, ParsedLine)] == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
    ]


@pytest.mark.parametrize(
    ("columns", "deletions"),
    [
        ("nickname", ("nickname",)),
        ("consents.news.granted", ("consents.news.granted",)),
        (
            "consents.news.granted,consents.news.consent_version.language",
            ("consents.news.granted", "consents.news.consent_version.language"),
        ),
        ("consents.news", ("consents.news",)),
        ("custom_fields.tier", ("custom_fields.tier",)),
        ("custom_fields", ("custom_fields",)),
        ("addresses", ("addresses",)),
        ("identities", ("identities",)),
    ],
)
def test_null_cells_become_deletions_of_their_path(
    columns: str, deletions: tuple[str, ...]
) -> None:
    nulls = ",".join("__null__" for _ in deletions)
    line = only_line(f"email,{columns}\na@example.com,{nulls}\n")
    assert line.fields == {"email": "a@example.com"}
    assert line.deletions == deletions


def test_a_line_of_nulls_only_is_not_blank() -> None:
    assert only_line("email,nickname\n,__null__\n").deletions == ("nickname",)


@pytest.mark.parametrize(
    ("column", "hint"),
    [
        ("addresses.0.locality", "to_delete"),
        ("addresses.1.custom_fields.floor", "addresses column __null__"),
        ("identities.0.user_id", "identities column __null__"),
    ],
)
def test_null_inside_a_list_item_is_an_error_for_the_line(
    column: str, hint: str
) -> None:
    error = only_error(f"email,{column}\na@example.com,__null__\n")
    assert error.number == 2
    assert error.field == column
    assert "cannot be deleted" in error.reason
    assert hint in error.reason


def test_a_value_under_a_deleted_field_is_an_error_for_the_line() -> None:
    error = only_error(
        "email,consents.news,consents.news.granted\na@example.com,__null__,true\n"
    )
    assert error.field == "consents.news"
    assert "consents.news.granted is set" in error.reason


@pytest.mark.parametrize(
    ("cells", "fields"),
    [
        ("a@example.com,,,", {"email": "a@example.com"}),
        (",ada,,", {"nickname": "ada"}),
        ("a@example.com,,", {"email": "a@example.com"}),
        ("a@example.com", {"email": "a@example.com"}),
    ],
)
def test_empty_and_missing_cells_leave_the_field_unused(
    cells: str, fields: dict[str, Any]
) -> None:
    line = only_line(
        f"email,nickname,consents.news.granted,addresses.0.locality\n{cells}\n"
    )
    assert line.fields == fields
    assert line.deletions == ()


@pytest.mark.parametrize(
    ("header", "cells", "fields"),
    [
        (
            "email,addresses.0.locality,addresses.1.locality,addresses.0.id",
            "a@example.com,Paris,Lyon,7",
            {
                "email": "a@example.com",
                "addresses": [{"locality": "Paris", "id": 7}, {"locality": "Lyon"}],
            },
        ),
        (
            "identities.1.provider,identities.1.user_id,"
            "identities.0.provider,identities.0.user_id",
            "apple,2,google,1",
            {
                "identities": [
                    {"provider": "google", "user_id": "1"},
                    {"provider": "apple", "user_id": "2"},
                ]
            },
        ),
        (
            "email,addresses.3.locality,addresses.1.locality",
            "a@example.com,Nice,Lyon",
            {
                "email": "a@example.com",
                "addresses": [{"locality": "Lyon"}, {"locality": "Nice"}],
            },
        ),
        (
            "email,addresses.0.locality,addresses.1.locality",
            "a@example.com,,Lyon",
            {"email": "a@example.com", "addresses": [{"locality": "Lyon"}]},
        ),
        (
            "email,addresses.0.custom_fields.floor,addresses.0.locality",
            "a@example.com,3,Paris",
            {
                "email": "a@example.com",
                "addresses": [{"custom_fields": {"floor": 3}, "locality": "Paris"}],
            },
        ),
    ],
)
def test_indexed_columns_build_lists_in_index_order(
    header: str, cells: str, fields: dict[str, Any]
) -> None:
    assert only_line(f"{header}\n{cells}\n").fields == fields


@pytest.mark.parametrize(
    ("column", "cell", "value"),
    [
        ("email_verified", "true", True),
        ("email_verified", "FALSE", False),
        ("consents.news.granted", "True", True),
        ("addresses.0.default", "false", False),
        ("addresses.0.to_delete", "true", True),
        ("addresses.0.id", "42", 42),
        ("addresses.0.id", "-3", -3),
        ("consents.news.consent_version.version_id", "7", 7),
        ("addresses.0.postal_code", "01234", "01234"),
        ("external_id", "12", "12"),
        ("nickname", "true", "true"),
        ("consents.news.consent_type", "opt-in", "opt-in"),
        ("custom_fields.vip", "true", True),
        ("custom_fields.vip", "False", False),
        ("custom_fields.visits", "12", 12),
        ("custom_fields.score", "1.5", 1.5),
        ("custom_fields.score", "-2e3", -2000.0),
        ("custom_fields.note", "abc", "abc"),
        ("custom_fields.note", "inf", "inf"),
        ("custom_fields.note", "1_000", "1_000"),
        ("addresses.0.custom_fields.floor", "2.5", 2.5),
    ],
)
def test_cells_convert_to_the_declared_type(column: str, cell: str, value: Any) -> None:
    line = only_line(f"{column}\n{cell}\n")
    target: Any = line.fields
    for key in column.split("."):
        target = target[int(key) if key.isdigit() else key]
    assert target == value
    assert type(target) is type(value)


@pytest.mark.parametrize(
    ("column", "cell", "reason"),
    [
        ("email_verified", "yes", "expected true or false"),
        ("email_verified", "1", "expected true or false"),
        ("consents.news.granted", "0", "expected true or false"),
        ("addresses.0.id", "seven", "expected an integer"),
        ("addresses.0.id", "1.5", "expected an integer"),
        ("addresses.0.id", "1_000", "expected an integer"),
        ("consents.news.consent_version.version_id", "v2", "expected an integer"),
        ("addresses", "x", "takes only __null__"),
    ],
)
def test_type_errors_reject_the_line_naming_the_column(
    column: str, cell: str, reason: str
) -> None:
    items = read(f"email,{column}\na@example.com,{cell}\nb@example.com,\n")
    assert isinstance(items[0], LineError)
    assert (items[0].number, items[0].field) == (2, column)
    assert reason in items[0].reason
    assert items[1] == ParsedLine(3, {"email": "b@example.com"})


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("colour,email", "unknown column 'colour' in the header (line 1)"),
        ("email,addresses.0.colour", "unknown column 'addresses.0.colour'"),
        ("consents.news.foo", "unknown column 'consents.news.foo'"),
        ("consents.news.consent_version.foo", "unknown column"),
        ("custom_fields.a.b", "unknown column 'custom_fields.a.b'"),
        ("colour,email,size", "unknown columns 'colour', 'size'"),
        ("email,email", "duplicate column 'email'"),
        ("addresses.1.id,addresses.01.id", "duplicate column 'addresses.01.id'"),
        ("email,,nickname", "has no name"),
        ("email,consents..granted", "empty path segment"),
        ("email.", "empty path segment"),
        ("addresses.street_address", "as in addresses.0.street_address"),
        ("identities.provider", "identities is a list"),
        ("email.0", "email is not a list"),
        ("addresses.0", "no single field of a list item"),
        ("addresses.0.custom_fields", "no single field of a list item"),
    ],
)
def test_a_bad_header_fails_the_file_before_any_line(header: str, message: str) -> None:
    lines = read_csv(io.StringIO(f"{header}\na,b,c\n", newline=""))
    with pytest.raises(SourceError, match=re.escape(message)):
        next(lines)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "the file is empty"), ("\n", "header .line 1. is empty"), (",,\n", "empty")],
)
def test_an_empty_file_or_header_fails_the_file(text: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        read(text)


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ("a@example.com,ada,x", "3 cells, the header has 2"),
        ("a@example.com,ada,,,x", "5 cells, the header has 2"),
    ],
)
def test_a_record_longer_than_the_header_is_an_error(cells: str, reason: str) -> None:
    items = read(f"email,nickname\n{cells}\nb@example.com,bee\n")
    assert items == [
        LineError(2, reason),
        ParsedLine(3, {"email": "b@example.com", "nickname": "bee"}),
    ]


def test_malformed_quoting_fails_that_record_only() -> None:
    items = read('email,nickname\na@example.com,"ada"x\nb@example.com,bee\n')
    assert isinstance(items[0], LineError)
    assert items[0].number == 2
    assert "not valid CSV" in items[0].reason
    assert items[1] == ParsedLine(3, {"email": "b@example.com", "nickname": "bee"})


@pytest.mark.parametrize("delimiter", [None, ";"])
def test_any_iterable_of_lines_is_read(delimiter: str | None) -> None:
    lines = ["\ufeffemail;nickname\r\n", 'a@example.com;"x\r\n', 'y"\r\n', ";bee\r\n"]
    items = list(read_csv(iter(lines), delimiter=delimiter))
    assert items == [
        ParsedLine(2, {"email": "a@example.com", "nickname": "x\r\ny"}),
        ParsedLine(4, {"nickname": "bee"}),
    ]
