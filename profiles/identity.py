"""Normalized identifiers of a profile and the record key chosen from them.

An identifier is written as ``kind:value`` (``email:ada@example.com``,
``phone:+33612345678``, ``social:google:1234``). The same string is the Kafka
record key, the `_id` of an identity claim and the label in logs, so a person
is named the same way everywhere.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

_PHONE_SEPARATORS = re.compile(r"[\s\-.()/]")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")

KEY_ORDER = (
    "id",
    "email",
    "phone_number",
    "external_id",
    "custom_identifier",
    "identities",
)
"""Fields that can key a record, most significant first."""


class InvalidPhoneNumberError(ValueError):
    """A phone number that cannot be written in E.164 form."""


def normalize_email(email: str) -> str:
    """Return the email as it is matched: trimmed and lower-cased."""
    return email.strip().lower()


def normalize_phone(phone: str) -> str:
    """Return the phone number in E.164 form (``+`` and up to 15 digits).

    Spaces, dashes, dots, slashes and parentheses are dropped and a leading
    international ``00`` becomes ``+``. Numbers without a country code are refused
    rather than guessed.
    """
    compact = _PHONE_SEPARATORS.sub("", phone)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not _E164.fullmatch(compact):
        raise InvalidPhoneNumberError(f"not an E.164 phone number: {phone!r}")
    return compact


def social_identifier(provider: str, user_id: str) -> str:
    """Return the identifier of a social-login identity."""
    return f"social:{provider.strip().lower()}:{user_id.strip()}"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _identities(identities: Any) -> list[str]:
    if not isinstance(identities, Iterable) or isinstance(identities, str | bytes):
        return []
    found = []
    for identity in identities:
        if not isinstance(identity, Mapping):
            continue
        provider = _text(identity.get("provider"))
        user_id = _text(identity.get("user_id"))
        if provider and user_id:
            found.append(social_identifier(provider, user_id))
    return found


def identifiers_in_key_order(profile: Mapping[str, Any]) -> list[str]:
    """Return every normalized identifier a profile carries, in key order.

    Values are expected to be valid already (see the profile model); a phone
    number that does not normalize is left out rather than raising here.
    """
    found: list[str] = []
    for field in KEY_ORDER:
        value = profile.get(field)
        if field == "identities":
            found.extend(_identities(value))
            continue
        text = _text(value)
        if text is None:
            continue
        if field == "email":
            found.append(f"email:{normalize_email(text)}")
        elif field == "phone_number":
            try:
                found.append(f"phone:{normalize_phone(text)}")
            except InvalidPhoneNumberError:
                continue
        else:
            found.append(f"{field}:{text}")
    return found


def record_key(profile: Mapping[str, Any]) -> str | None:
    """Return the normalized primary identity that keys the profile's record."""
    found = identifiers_in_key_order(profile)
    return found[0] if found else None


MATCHING_KINDS = frozenset({"email", "social"})
"""Identifier kinds a line is matched by, besides the profile id itself."""


def matching_identifiers(
    profile: Mapping[str, Any], *, sms_matching: bool = False
) -> list[str]:
    """Return the identifiers used to match a line to stored profiles.

    Phone numbers match only when the job enables SMS matching; `external_id`
    and `custom_identifier` key records but never match.
    """
    kinds = MATCHING_KINDS | {"phone"} if sms_matching else MATCHING_KINDS
    return [
        identifier
        for identifier in identifiers_in_key_order(profile)
        if identifier.split(":", 1)[0] in kinds
    ]
