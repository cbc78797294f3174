from datetime import UTC, datetime
from typing import Any

import pytest

from consumer.merge import (
    MergeMode,
    MergeResult,
    Outcome,
    create_profile,
    merge_profile,
)

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
NOW_TEXT = "2026-01-02T03:04:05.000Z"


def _safe(
    stored: dict[str, Any], line: dict[str, Any], deletions: tuple[str, ...] = ()
) -> MergeResult:
    return merge_profile(stored, line, deletions, MergeMode.SAFE, NOW)


def _force(
    stored: dict[str, Any], line: dict[str, Any], deletions: tuple[str, ...] = ()
) -> MergeResult:
    return merge_profile(stored, line, deletions, MergeMode.FORCE, NOW)


def test_create_stamps_creation_time_when_the_line_gives_none() -> None:
    result = create_profile({"email": "a@example.com"}, (), NOW)
    assert result.outcome is Outcome.CREATED
    assert result.profile == {
        "email": "a@example.com",
        "created_at": NOW_TEXT,
        "updated_at": NOW_TEXT,
    }


def test_create_keeps_the_line_timestamps() -> None:
    line = {
        "email": "a@example.com",
        "created_at": "2020-01-01T00:00:00Z",
        "updated_at": "2021-01-01T00:00:00Z",
    }
    assert create_profile(line, (), NOW).profile == line


@pytest.mark.parametrize(
    ("stored", "line", "expected"),
    [
        ({"given_name": "Ada"}, {"given_name": "Augusta"}, {"given_name": "Ada"}),
        ({"given_name": ""}, {"given_name": "Ada"}, {"given_name": "Ada"}),
        ({}, {"nickname": "al"}, {"nickname": "al"}),
        (
            {"custom_fields": {"a": 1}},
            {"custom_fields": {"a": 2, "b": True}},
            {"custom_fields": {"a": 1, "b": True}},
        ),
        (
            {"consents": {"news": {"granted": True}}},
            {"consents": {"news": {"granted": False}, "sms": {"granted": True}}},
            {"consents": {"news": {"granted": True}, "sms": {"granted": True}}},
        ),
        (
            {"addresses": [{"id": 1, "locality": "Paris"}]},
            {
                "addresses": [
                    {"id": 1, "locality": "Lyon", "country": "FR"},
                    {"id": 2, "locality": "Nice"},
                ]
            },
            {
                "addresses": [
                    {"id": 1, "locality": "Paris", "country": "FR"},
                    {"id": 2, "locality": "Nice"},
                ]
            },
        ),
        (
            {"identities": [{"provider": "google", "user_id": "1"}]},
            {
                "identities": [
                    {"provider": "google", "user_id": "1"},
                    {"provider": "apple", "user_id": "2"},
                ]
            },
            {
                "identities": [
                    {"provider": "google", "user_id": "1"},
                    {"provider": "apple", "user_id": "2"},
                ]
            },
        ),
    ],
)
def test_safe_merge_completes_without_overwriting(
    stored: dict[str, Any], line: dict[str, Any], expected: dict[str, Any]
) -> None:
    result = _safe(stored, line)
    profile = {k: v for k, v in result.profile.items() if k != "updated_at"}
    assert profile == expected


def test_safe_merge_that_changes_nothing_leaves_updated_at_alone() -> None:
    stored = {"email": "a@example.com", "updated_at": "2020-01-01T00:00:00Z"}
    result = _safe(stored, {"email": "A@example.com"})
    assert result.outcome is Outcome.UNCHANGED
    assert result.profile == stored


def test_merge_that_changes_takes_the_line_updated_at_or_now() -> None:
    stored = {"email": "a@example.com", "updated_at": "2020-01-01T00:00:00Z"}
    given = _safe(stored, {"nickname": "a", "updated_at": "2022-02-02T00:00:00Z"})
    assert given.profile["updated_at"] == "2022-02-02T00:00:00Z"
    assert given.changed_fields == ("nickname",)
    assert _safe(stored, {"nickname": "a"}).profile["updated_at"] == NOW_TEXT


def test_safe_merge_skips_a_stale_line() -> None:
    stored = {"nickname": None, "updated_at": "2024-06-01T00:00:00+00:00"}
    result = _safe(stored, {"nickname": "x", "updated_at": "2024-05-31T23:00:00Z"})
    assert result.outcome is Outcome.SKIPPED
    assert result.profile is stored


def test_force_update_replaces_given_fields_and_keeps_absent_ones() -> None:
    stored = {"given_name": "Ada", "family_name": "Byron"}
    result = _force(stored, {"family_name": "Lovelace"})
    assert result.outcome is Outcome.MERGED
    assert result.profile["given_name"] == "Ada"
    assert result.profile["family_name"] == "Lovelace"


def test_force_update_moves_a_consent_date_only_with_a_new_decision() -> None:
    stored = {"consents": {"news": {"granted": True, "date": "2020-01-01T00:00:00Z"}}}
    same = _force(
        stored,
        {"consents": {"news": {"granted": True, "date": "2025-01-01T00:00:00Z"}}},
    )
    assert same.outcome is Outcome.UNCHANGED
    new = _force(
        stored,
        {"consents": {"news": {"granted": False, "date": "2025-01-01T00:00:00Z"}}},
    )
    assert new.profile["consents"]["news"] == {
        "granted": False,
        "date": "2025-01-01T00:00:00Z",
    }


@pytest.mark.parametrize("merge", [_safe, _force])
def test_null_deletes_in_both_modes(merge: Any) -> None:
    stored = {
        "email": "a@example.com",
        "nickname": "al",
        "consents": {"news": {"granted": True, "reporter": "web"}},
    }
    result = merge(stored, {}, ("nickname", "consents.news.reporter"))
    assert "nickname" not in result.profile
    assert result.profile["consents"]["news"] == {"granted": True}


@pytest.mark.parametrize("merge", [_safe, _force])
def test_address_marked_to_delete_is_removed(merge: Any) -> None:
    stored = {"addresses": [{"id": 1, "locality": "Paris"}, {"id": 2}]}
    result = merge(stored, {"addresses": [{"id": 1, "to_delete": True}]})
    assert result.profile["addresses"] == [{"id": 2}]


def test_merging_twice_gives_the_same_profile() -> None:
    stored = {"email": "a@example.com"}
    line = {"nickname": "al", "custom_fields": {"x": 1}}
    once = _safe(stored, line).profile
    assert _safe(once, line).outcome is Outcome.UNCHANGED
