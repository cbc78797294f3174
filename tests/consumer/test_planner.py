from datetime import UTC, datetime
from typing import Any

import pytest

from consumer.merge import Outcome
from consumer.planner import BatchPlanner, ProfileNotYetWrittenError, new_profile_id

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _record(line: int, profile: dict[str, Any], *, sms: bool = False) -> dict[str, Any]:
    return {
        "job_id": "job",
        "line": line,
        "mode": "SAFE",
        "target": "MANAGED",
        "sms_matching": sms,
        "deletions": [],
        "profile": profile,
    }


def test_two_lines_about_one_person_in_a_batch_make_one_profile() -> None:
    planner = BatchPlanner({}, {}, NOW)
    first = planner.apply(_record(1, {"email": "a@example.com"}))
    second = planner.apply(_record(2, {"email": " A@EXAMPLE.com", "nickname": "a"}))
    assert first.outcome is Outcome.CREATED
    assert second.outcome is Outcome.MERGED
    assert second.profile_id == first.profile_id == new_profile_id("job", 1)
    assert list(planner.plan.profiles_to_write) == [first.profile_id]
    assert planner.plan.new_claims == {"email:a@example.com": first.profile_id}


def test_a_line_matching_two_profiles_fails_naming_both() -> None:
    claims = {"email:a@example.com": "p1", "social:google:9": "p2"}
    profiles = {"p1": {"email": "a@example.com"}, "p2": {"nickname": "x"}}
    planner = BatchPlanner(profiles, claims, NOW)
    decision = planner.apply(
        _record(
            1,
            {
                "email": "a@example.com",
                "identities": [{"provider": "google", "user_id": "9"}],
            },
        )
    )
    assert decision.outcome is Outcome.FAILED
    assert decision.reason is not None
    assert "p1, p2" in decision.reason
    assert not planner.plan.profiles_to_write


@pytest.mark.parametrize(
    ("sms", "outcome"), [(False, Outcome.CREATED), (True, Outcome.MERGED)]
)
def test_phone_matches_only_with_sms_matching(sms: bool, outcome: Outcome) -> None:
    planner = BatchPlanner(
        {"p1": {"phone_number": "+33612345678"}}, {"phone:+33612345678": "p1"}, NOW
    )
    decision = planner.apply(
        _record(1, {"phone_number": "+33612345678", "nickname": "n"}, sms=sms)
    )
    assert decision.outcome is outcome


def test_a_profile_claimed_but_not_written_by_another_record_is_waited_for() -> None:
    planner = BatchPlanner({}, {"email:a@example.com": "someone-else"}, NOW)
    with pytest.raises(ProfileNotYetWrittenError):
        planner.apply(_record(1, {"email": "a@example.com"}))


def test_a_record_replayed_after_its_claims_were_taken_creates_its_profile() -> None:
    own = new_profile_id("job", 1)
    planner = BatchPlanner({}, {"email:a@example.com": own}, NOW)
    decision = planner.apply(_record(1, {"email": "a@example.com"}))
    assert decision.outcome is Outcome.CREATED
    assert decision.profile_id == own
    assert planner.plan.new_claims == {}
