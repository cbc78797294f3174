import pytest

from profiles.identity import (
    InvalidPhoneNumberError,
    identifiers_in_key_order,
    matching_identifiers,
    normalize_email,
    normalize_phone,
    record_key,
)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("ada@example.com", "ada@example.com"),
        ("  Ada@Example.COM ", "ada@example.com"),
        ("\tADA.LOVELACE@EXAMPLE.COM\n", "ada.lovelace@example.com"),
    ],
)
def test_normalize_email_trims_and_lowercases(raw: str, normalized: str) -> None:
    assert normalize_email(raw) == normalized


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("+33612345678", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+1 (617) 555-0100", "+16175550100"),
        ("0033.6.12.34.56.78", "+33612345678"),
        ("+44 20 7946 0018", "+442079460018"),
    ],
)
def test_normalize_phone_gives_e164(raw: str, normalized: str) -> None:
    assert normalize_phone(raw) == normalized


@pytest.mark.parametrize(
    "raw", ["0612345678", "+0612345678", "+33 6 12", "phone", "+1234567890123456"]
)
def test_normalize_phone_refuses_numbers_without_country_code(raw: str) -> None:
    with pytest.raises(InvalidPhoneNumberError):
        normalize_phone(raw)


@pytest.mark.parametrize(
    ("profile", "key"),
    [
        ({"id": "p1", "email": "a@example.com"}, "id:p1"),
        (
            {"email": " A@Example.com", "phone_number": "+33612345678"},
            "email:a@example.com",
        ),
        (
            {"phone_number": "+33 6 12 34 56 78", "external_id": "x"},
            "phone:+33612345678",
        ),
        ({"external_id": "crm-1", "custom_identifier": "c"}, "external_id:crm-1"),
        ({"custom_identifier": "c-9"}, "custom_identifier:c-9"),
        (
            {"identities": [{"provider": "Google", "user_id": "42"}]},
            "social:google:42",
        ),
        ({"given_name": "Ada"}, None),
    ],
)
def test_record_key_follows_the_key_order(
    profile: dict[str, object], key: str | None
) -> None:
    assert record_key(profile) == key


def test_identifiers_list_every_identity_in_key_order() -> None:
    profile = {
        "identities": [
            {"provider": "google", "user_id": "1"},
            {"provider": "apple", "user_id": "2"},
        ],
        "email": "b@example.com",
        "id": "p",
    }
    assert identifiers_in_key_order(profile) == [
        "id:p",
        "email:b@example.com",
        "social:google:1",
        "social:apple:2",
    ]


def test_phone_matches_only_with_sms_matching() -> None:
    profile = {"email": "a@example.com", "phone_number": "+33612345678"}
    assert matching_identifiers(profile) == ["email:a@example.com"]
    assert matching_identifiers(profile, sms_matching=True) == [
        "email:a@example.com",
        "phone:+33612345678",
    ]
