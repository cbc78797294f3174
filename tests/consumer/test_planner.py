from datetime import UTC, datetime
from typing import Any

from consumer.merge import Outcome
from consumer.plan import HOME_KEY, MAX_HOPS, Claim, Inbound, new_profile_id
from consumer.planner import BatchPlanner, PartitionOf
from profiles.identity import record_key

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _everything_on_zero(_key: str) -> int:
    return 0


def _phones_on_one(key: str) -> int:
    return 1 if key.startswith("phone:") else 0


def _inbound(
    line: int,
    profile: dict[str, Any],
    *,
    partition: int = 0,
    job: str = "job",
    sms: bool = False,
    mode: str = "SAFE",
    hops: int = 0,
) -> Inbound:
    record = {
        "job_id": job,
        "line": line,
        "key": record_key(profile),
        "hops": hops,
        "mode": mode,
        "target": "MANAGED",
        "sms_matching": sms,
        "deletions": [],
        "profile": profile,
    }
    return Inbound(record, partition)


def _planner(
    profiles: dict[str, dict[str, Any]] | None = None,
    claims: dict[str, Claim] | None = None,
    partition_of: PartitionOf = _everything_on_zero,
) -> BatchPlanner:
    return BatchPlanner(profiles or {}, claims or {}, partition_of, NOW)


def test_two_lines_about_one_person_in_a_batch_make_one_profile() -> None:
    planner = _planner()
    planner.apply(_inbound(1, {"email": "a@example.com"}))
    planner.apply(_inbound(2, {"email": " A@EXAMPLE.com", "nickname": "a"}))
    first, second = planner.plan.decisions
    assert (first.outcome, second.outcome) == (Outcome.CREATED, Outcome.MERGED)
    assert second.profile_id == first.profile_id == new_profile_id("job", 1)
    written = planner.plan.profiles_to_write[new_profile_id("job", 1)]
    assert written["nickname"] == "a"
    assert written[HOME_KEY] == "email:a@example.com"
    claim = planner.plan.new_claims["email:a@example.com"]
    assert (claim.profile_id, claim.home_key, claim.line) == (
        first.profile_id,
        "email:a@example.com",
        1,
    )


def test_a_line_matching_two_profiles_fails_naming_both() -> None:
    claims = {
        "email:a@example.com": Claim("p1", "email:a@example.com"),
        "social:google:9": Claim("p2", "social:google:9"),
    }
    profiles = {"p1": {"email": "a@example.com"}, "p2": {"nickname": "x"}}
    planner = _planner(profiles, claims)
    identities = [{"provider": "google", "user_id": "9"}]
    planner.apply(_inbound(1, {"email": "a@example.com", "identities": identities}))
    (decision,) = planner.plan.decisions
    assert decision.outcome is Outcome.FAILED
    assert decision.reason == "the line matches several profiles: p1, p2"
    assert not planner.plan.profiles_to_write
    assert not planner.plan.new_claims


def test_phone_matches_only_with_sms_matching() -> None:
    profiles = {"p1": {"phone_number": "+33612345678", HOME_KEY: "phone:+33612345678"}}
    claims = {"phone:+33612345678": Claim("p1", "phone:+33612345678")}
    line = {"phone_number": "+33612345678", "nickname": "n"}
    without, with_sms = _planner(profiles, claims), _planner(profiles, claims)
    without.apply(_inbound(1, line))
    with_sms.apply(_inbound(1, line, sms=True))
    assert without.plan.decisions[0].outcome is Outcome.CREATED
    assert with_sms.plan.decisions[0].outcome is Outcome.MERGED
    assert with_sms.plan.decisions[0].profile_id == "p1"


def test_a_record_matching_a_profile_homed_elsewhere_is_forwarded() -> None:
    home = "phone:+33612345678"
    profiles = {"p1": {"phone_number": "+33612345678", HOME_KEY: home}}
    claims = {"social:google:7": Claim("p1", home)}
    planner = _planner(profiles, claims, _phones_on_one)
    identities = [{"provider": "google", "user_id": "7"}]
    planner.apply(_inbound(3, {"email": "a@example.com", "identities": identities}))
    assert not planner.plan.decisions
    assert not planner.plan.profiles_to_write
    (forward,) = planner.plan.forwards
    assert forward.partition == 1
    assert forward.record["key"] == home
    assert forward.record["hops"] == 1
    assert forward.record["line"] == 3


def test_a_record_forwarded_too_often_is_rejected() -> None:
    home = "phone:+33612345678"
    planner = _planner(
        {"p1": {HOME_KEY: home}},
        {"email:a@example.com": Claim("p1", home)},
        _phones_on_one,
    )
    planner.apply(_inbound(1, {"email": "a@example.com"}, hops=MAX_HOPS))
    (decision,) = planner.plan.decisions
    assert decision.outcome is Outcome.FAILED
    assert not planner.plan.forwards


def test_a_record_keyed_for_another_partition_is_forwarded_not_created() -> None:
    planner = _planner(partition_of=_phones_on_one)
    planner.apply(_inbound(1, {"phone_number": "+33612345678"}, partition=0))
    assert not planner.plan.decisions
    assert planner.plan.forwards[0].partition == 1


def test_a_record_replayed_after_its_claims_were_taken_creates_its_profile() -> None:
    own = new_profile_id("job", 1)
    claims = {"email:a@example.com": Claim(own, "email:a@example.com", "job", 1)}
    planner = _planner({}, claims)
    planner.apply(_inbound(1, {"email": "a@example.com"}))
    (decision,) = planner.plan.decisions
    assert decision.outcome is Outcome.CREATED
    assert decision.profile_id == own
    assert planner.plan.new_claims == {}
    assert planner.plan.duplicates == []


def test_an_orphan_claim_on_the_home_partition_is_released() -> None:
    claims = {"email:a@example.com": Claim("ghost", "email:a@example.com", "old", 4)}
    planner = _planner({}, claims)
    planner.apply(_inbound(1, {"email": "a@example.com"}))
    (decision,) = planner.plan.decisions
    assert decision.outcome is Outcome.CREATED
    assert decision.profile_id == new_profile_id("job", 1)
    assert planner.plan.orphan_claims == {"email:a@example.com": "ghost"}
    assert (
        planner.plan.new_claims["email:a@example.com"].profile_id == decision.profile_id
    )


def test_a_claim_on_a_profile_not_yet_written_elsewhere_forwards_the_record() -> None:
    claims = {"email:a@example.com": Claim("p9", "phone:+33600000000")}
    planner = _planner({}, claims, _phones_on_one)
    planner.apply(_inbound(1, {"email": "a@example.com"}))
    assert not planner.plan.orphan_claims
    assert planner.plan.forwards[0].record["key"] == "phone:+33600000000"


def test_a_repeated_identifier_in_one_job_is_reported_with_both_lines() -> None:
    planner = _planner()
    planner.apply(_inbound(2, {"email": "a@example.com", "external_id": "crm-1"}))
    planner.apply(_inbound(9, {"email": "b@example.com", "external_id": "crm-1"}))
    planner.apply(
        _inbound(3, {"email": "c@example.com", "external_id": "crm-1"}, job="other")
    )
    (duplicate,) = planner.plan.duplicates
    assert (duplicate.line, duplicate.first_line) == (9, 2)
    assert duplicate.identifier_kind == "external_id"
    # external_id finds duplicates but never matches: three profiles.
    assert [d.outcome for d in planner.plan.decisions] == [Outcome.CREATED] * 3


def test_a_line_whose_id_differs_from_the_matched_profile_fails() -> None:
    claims = {"email:a@example.com": Claim("p1", "email:a@example.com")}
    planner = _planner({"p1": {"email": "a@example.com"}}, claims)
    planner.apply(_inbound(1, {"id": "p2", "email": "a@example.com"}))
    (decision,) = planner.plan.decisions
    assert decision.outcome is Outcome.FAILED
    assert decision.reason is not None
    assert "p2" in decision.reason


def test_a_record_that_breaks_the_planner_fails_alone() -> None:
    planner = _planner()
    planner.apply(_inbound(1, {"email": "a@example.com"}, mode="SIDEWAYS"))
    planner.apply(_inbound(2, {"email": "a@example.com", "nickname": "n"}))
    planner.apply(_inbound(3, {"email": "a@example.com"}, mode="SIDEWAYS"))
    outcomes = [d.outcome for d in planner.plan.decisions]
    assert outcomes == [Outcome.CREATED, Outcome.MERGED, Outcome.FAILED]
    assert planner.plan.decisions[2].reason is not None
    assert "internal error" in planner.plan.decisions[2].reason


def test_a_conflict_with_a_profile_not_yet_written_goes_to_its_home() -> None:
    claims = {
        "email:a@example.com": Claim("p1", "email:a@example.com"),
        "social:google:9": Claim("p2", "phone:+33600000000"),
    }
    identities = [{"provider": "google", "user_id": "9"}]
    planner = _planner({"p1": {"email": "a@example.com"}}, claims, _phones_on_one)
    planner.apply(_inbound(1, {"email": "a@example.com", "identities": identities}))
    assert not planner.plan.decisions
    assert planner.plan.forwards[0].partition == 1
    assert planner.plan.forwards[0].record["key"] == "phone:+33600000000"
