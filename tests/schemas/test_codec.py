import pytest

from schemas import IMPORT_RECORD, JOB_EVENT, SchemaMismatchError
from schemas.records import drop_absent


def _record() -> dict[str, object]:
    return {
        "job_id": "job-1",
        "line": 7,
        "key": "email:ada@example.com",
        "mode": "SAFE",
        "target": "MANAGED",
        "deletions": ["nickname"],
        "profile": {
            "email": "ada@example.com",
            "custom_fields": {"tier": "gold", "visits": 3, "vip": True},
            "addresses": [{"id": 1, "locality": "London"}],
        },
    }


def test_import_record_round_trips_through_avro() -> None:
    decoded = IMPORT_RECORD.decode(IMPORT_RECORD.encode(_record()))
    assert decoded["line"] == 7
    assert decoded["deletions"] == ["nickname"]
    assert drop_absent(decoded["profile"]) == _record()["profile"]


def test_message_starts_with_marker_and_fingerprint() -> None:
    encoded = IMPORT_RECORD.encode(_record())
    assert encoded[:2] == b"\xc3\x01"
    assert encoded[2:10] == IMPORT_RECORD.fingerprint


def test_decoder_refuses_a_message_of_another_schema() -> None:
    foreign = JOB_EVENT._header + b"\x00"
    with pytest.raises(SchemaMismatchError, match="fingerprint"):
        IMPORT_RECORD.decode(foreign)


def test_decoder_refuses_bytes_without_the_avro_marker() -> None:
    with pytest.raises(SchemaMismatchError):
        IMPORT_RECORD.decode(b'{"email": "a@example.com"}')
