"""The profile model: every field an import line may carry, with its checks.

A line is validated once, in the producer, against `ProfileLine`. Values keep
the form they were given in, except the phone numbers, which are stored in
E.164 form, and the surrounding spaces of the email, which are dropped.
"""

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from profiles.identity import normalize_phone

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PASSWORD_HASH = re.compile(
    r"\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}"  # bcrypt
    r"|\$pbkdf2(-sha(1|256|512))?\$(i=)?\d+\$[^$\s]+\$[^$\s]+"  # PBKDF2
    r"|\$argon2(i|d|id)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[^$\s]+\$[^$\s]+"  # argon2
)

SOCIAL_PROVIDERS = frozenset(
    {
        "amazon",
        "apple",
        "facebook",
        "franceconnect",
        "github",
        "google",
        "instagram",
        "kakaotalk",
        "line",
        "linkedin",
        "mailru",
        "microsoft",
        "naver",
        "okta",
        "paypal",
        "tiktok",
        "twitter",
        "vkontakte",
        "wechat",
        "weibo",
        "yandex",
    }
)


def _check_email(value: str) -> str:
    trimmed = value.strip()
    if not _EMAIL.fullmatch(trimmed):
        raise ValueError("not a valid email address")
    return trimmed


def _check_date(value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError("not a date in YYYY-MM-DD form") from None
    return value


def _check_timestamp(value: str) -> str:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("not an ISO 8601 date-time") from None
    return value


def _check_password_hash(value: str) -> str:
    # The message never repeats the value: a hash is a secret.
    if not _PASSWORD_HASH.fullmatch(value):
        raise ValueError("not a bcrypt, PBKDF2 or argon2 password hash")
    return value


def _check_provider(value: str) -> str:
    if value.strip().lower() not in SOCIAL_PROVIDERS:
        raise ValueError(f"unknown social provider {value!r}")
    return value


Email = Annotated[str, AfterValidator(_check_email)]
Phone = Annotated[str, AfterValidator(normalize_phone)]
DateText = Annotated[str, AfterValidator(_check_date)]
Timestamp = Annotated[str, AfterValidator(_check_timestamp)]
PasswordHash = Annotated[str, AfterValidator(_check_password_hash)]
Provider = Annotated[str, AfterValidator(_check_provider)]
Scalar = bool | int | float | str
NonEmpty = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ConsentVersion(_Strict):
    """The text version a consent was given on."""

    language: str | None = None
    version_id: int | None = None


class Consent(_Strict):
    """One consent decision, keyed by its name in the profile."""

    granted: bool | None = None
    date: Timestamp | None = None
    consent_type: Literal["opt-in", "opt-out", "double-opt-in"] | None = None
    reporter: str | None = None
    consent_version: ConsentVersion | None = None


class Address(_Strict):
    """A postal address; `id` identifies it across merges."""

    id: int | None = None
    default: bool | None = None
    address_type: Literal["billing", "delivery"] | None = None
    street_address: str | None = None
    address_complement: str | None = None
    locality: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = None
    recipient: str | None = None
    # Kept as given: address phone numbers are for delivery, not for matching.
    phone_number: str | None = None
    company: str | None = None
    custom_fields: dict[str, Scalar] | None = None
    to_delete: bool | None = None


class Identity(_Strict):
    """A social-login identity."""

    provider: Provider
    user_id: NonEmpty


class ProfileLine(_Strict):
    """The fields one import line sets; every field is optional."""

    id: NonEmpty | None = None
    external_id: NonEmpty | None = None
    custom_identifier: NonEmpty | None = None
    email: Email | None = None
    phone_number: Phone | None = None
    name: str | None = None
    given_name: str | None = None
    middle_name: str | None = None
    family_name: str | None = None
    nickname: str | None = None
    gender: str | None = None
    birthdate: DateText | None = None
    locale: str | None = None
    picture: str | None = None
    profile_url: str | None = None
    email_verified: bool | None = None
    phone_number_verified: bool | None = None
    password_hash: PasswordHash | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None
    custom_fields: dict[str, Scalar] | None = None
    consents: dict[str, Consent] | None = None
    addresses: list[Address] | None = None
    identities: list[Identity] | None = None

    def fields(self) -> dict[str, Any]:
        """Return the fields the line sets, as plain data."""
        return self.model_dump(exclude_none=True)
