"""Citizen status lookup: right, wrong and malformed input, and throttling of repeated failures."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest

from submission_samples import MOBILE, FakeClock, petition
from submissions import LookupOutcome, LookupResult, Status, SubmissionStore
from core.settings import load_settings
from submissions.throttle import ThrottlePolicy, number_throttle_policy

CONSENT = datetime(2025, 3, 1, 1, 59, tzinfo=timezone.utc)
NOT_FOUND = LookupResult(LookupOutcome.NOT_FOUND)


def _file(store: SubmissionStore, **overrides: object) -> str:
    return store.create_submission(
        petition(**overrides), channel="rest", sender_id="citizen", consent_at=CONSENT
    ).tracking_number


def test_right_number_and_last4_finds_status_and_history(store: SubmissionStore, clock: FakeClock) -> None:
    number = _file(store)
    clock.advance(hours=3)
    store.update_status(number, "accepted", actor="李四", note="内部备注：联系过本人")

    result = store.lookup(number, MOBILE[-4:], requester="citizen")
    assert result.outcome is LookupOutcome.FOUND and result.found
    assert result.tracking_number == number and result.status is Status.ACCEPTED
    assert result.created_at == datetime(2025, 3, 1, 2, 0, tzinfo=timezone.utc)
    assert [(event.status, event.label, event.changed_at_text) for event in result.history] == [
        (Status.SUBMITTED, "已提交", "2025-03-01 10:00"),
        (Status.ACCEPTED, "已受理", "2025-03-01 13:00"),
    ]
    shown = repr(result)
    for private in (MOBILE, "赵六", "李四", "内部备注", "漕溪北路"):
        assert private not in shown  # no personal data, no staff names or internal notes


@pytest.mark.parametrize(
    ("typed_number", "typed_last4"),
    [
        (lambda n: f" {n.lower()[:10]}-{n.lower()[10:]} ", lambda m: m[-4:]),  # case, spaces, dash
        (lambda n: n, lambda m: f"{m[:3]} {m[3:7]} {m[7:]}"),  # the full mobile number
        (lambda n: n, lambda m: "".join(chr(ord(c) + 0xFEE0) for c in m[-4:])),  # full-width digits
    ],
)
def test_lookup_tolerates_how_citizens_type(store: SubmissionStore, typed_number, typed_last4) -> None:  # type: ignore[no-untyped-def]
    number = _file(store)
    assert store.lookup(typed_number(number), typed_last4(MOBILE), requester="citizen").found


def test_every_wrong_combination_gives_the_identical_not_found(store: SubmissionStore) -> None:
    number = _file(store)
    other_kind = "JY" + number[2:]
    unknown = number[:10] + ("ABCDEF" if number[10:] != "ABCDEF" else "ABCDEG")
    wrong_inputs = [
        (unknown, MOBILE[-4:]),  # well-formed number that does not exist
        (number, "0000"),  # right number, wrong last 4
        (number, MOBILE[-5:-1]),  # right number, other 4 digits of the mobile
        (other_kind, MOBILE[-4:]),  # right random part, wrong kind
        ("XF2025", MOBILE[-4:]),  # malformed number
        ("随便看看", "1111"),
        (number, "11a1"),  # malformed last 4
        (number, "111"),
        (number, ""),
        (None, None),
        ("", MOBILE[-4:]),
    ]
    requesters = [f"prober-{index}" for index in range(len(wrong_inputs))]  # stay below the throttle
    results = [store.lookup(typed, last4, requester) for (typed, last4), requester in zip(wrong_inputs, requesters)]
    assert all(result == NOT_FOUND for result in results)
    assert {repr(result) for result in results} == {repr(NOT_FOUND)}


def test_requester_is_required(store: SubmissionStore) -> None:
    with pytest.raises(ValueError):
        store.lookup("XF20250301ABCDEF", "1111", requester="")


def test_repeated_failures_are_throttled_with_a_growing_wait(store: SubmissionStore, clock: FakeClock) -> None:
    number = _file(store)
    for _ in range(5):
        assert store.lookup(number, "0000", "guesser") == NOT_FOUND
    throttled = store.lookup(number, MOBILE[-4:], "guesser")  # even the right answer is refused now
    assert throttled.outcome is LookupOutcome.THROTTLED and throttled.retry_after_seconds == 60
    assert throttled.status is None and throttled.history == ()

    clock.advance(seconds=30)
    assert store.lookup(number, MOBILE[-4:], "guesser").retry_after_seconds == 30
    assert store.lookup(number, MOBILE[-4:], "someone-else").found  # other requesters are unaffected

    clock.advance(seconds=31)
    assert store.lookup(number, MOBILE[-4:], "guesser").found  # the block has ended
    assert store.lookup(number, "0000", "guesser") == NOT_FOUND  # 6th failure → 2 minutes
    assert store.lookup(number, MOBILE[-4:], "guesser").retry_after_seconds == 120

    clock.advance(seconds=121)
    assert store.lookup(number, "0000", "guesser") == NOT_FOUND  # 7th failure → 4 minutes
    assert store.lookup(number, MOBILE[-4:], "guesser").retry_after_seconds == 240


def test_success_does_not_reset_the_failure_count(store: SubmissionStore) -> None:
    number = _file(store)
    for _ in range(4):
        store.lookup(number, "0000", "mixer")
    assert store.lookup(number, MOBILE[-4:], "mixer").found
    store.lookup(number, "0000", "mixer")
    assert store.lookup(number, MOBILE[-4:], "mixer").outcome is LookupOutcome.THROTTLED


def test_failures_outside_the_window_do_not_trigger_a_block(store: SubmissionStore, clock: FakeClock) -> None:
    number = _file(store)
    for _ in range(4):
        store.lookup(number, "0000", "slow")
    clock.advance(minutes=16)
    store.lookup(number, "0000", "slow")
    assert store.lookup(number, MOBILE[-4:], "slow").found


def test_a_second_burst_the_same_day_is_blocked_longer(store: SubmissionStore, clock: FakeClock) -> None:
    number = _file(store)
    for _ in range(5):
        store.lookup(number, "0000", "returning")
    clock.advance(hours=2)
    for _ in range(5):
        store.lookup(number, "0000", "returning")
    # 10 failures within 24 hours: 1 minute × 2**5, capped at an hour.
    assert store.lookup(number, MOBILE[-4:], "returning").retry_after_seconds == 32 * 60
    clock.advance(hours=25)
    assert store.lookup(number, MOBILE[-4:], "returning").found


def test_throttling_is_stored_in_the_database(make_store: Callable[..., SubmissionStore], clock: FakeClock) -> None:
    first = make_store()
    number = _file(first)
    for _ in range(5):
        first.lookup(number, "0000", "persistent")
    first.close()
    restarted = make_store()  # a new process or a restart sees the same failures
    result = restarted.lookup(number, MOBILE[-4:], "persistent")
    assert result.outcome is LookupOutcome.THROTTLED and result.retry_after_seconds == 60


def test_throttle_policy_is_configurable(make_store: Callable[..., SubmissionStore]) -> None:
    store = make_store(throttle=ThrottlePolicy(max_failures=2, base_block=timedelta(seconds=10)))
    number = _file(store)
    store.lookup(number, "0000", "strict")
    assert store.lookup(number, MOBILE[-4:], "strict").found
    store.lookup(number, "0000", "strict")
    assert store.lookup(number, MOBILE[-4:], "strict").retry_after_seconds == 10


def test_throttle_policy_block_lengths() -> None:
    policy = ThrottlePolicy()
    assert [policy.block_length(n).total_seconds() for n in (5, 6, 7, 11, 12, 100, 10**6)] == [
        60, 120, 240, 3600, 3600, 3600, 3600
    ]
    now = datetime(2025, 3, 1, tzinfo=timezone.utc)
    assert policy.blocked_until(4, now, 4) is None
    assert policy.blocked_until(5, now, 5) == now + timedelta(minutes=1)


def test_a_new_requester_for_every_guess_is_stopped_by_the_count_per_number(store: SubmissionStore) -> None:
    number, other = _file(store), _file(store)
    for guess in range(10):
        assert store.lookup(number, f"{guess:04d}", requester=f"attacker-{guess}") == NOT_FOUND
    locked = store.lookup(number, MOBILE[-4:], requester="attacker-10")  # even the right answer
    assert locked.outcome is LookupOutcome.THROTTLED and locked.retry_after_seconds == 3600
    assert store.lookup(other, MOBILE[-4:], requester="attacker-11").found  # other numbers are not locked
    audited = [event for event in store.audit_events() if event.action == "lookup_lockout"]
    assert len(audited) == 1 and audited[0].actor == "system" and number in audited[0].detail
    assert "查询编号" in audited[0].detail and MOBILE not in audited[0].detail


def test_trying_every_last4_from_fresh_conversations_takes_years(store: SubmissionStore, clock: FakeClock) -> None:
    number = _file(store, mobile="13612349999")
    tries, end = 0, clock() + timedelta(days=7)
    while clock() < end:
        result = store.lookup(number, f"{tries:04d}", requester=f"attacker-{tries}")
        if result.outcome is LookupOutcome.THROTTLED:
            clock.advance(seconds=result.retry_after_seconds)
        else:
            tries += 1
    # Without a count per number all 10,000 values could be tried at once; now about 20 a day.
    assert 7 * 10 <= tries <= 7 * 25, tries


def test_the_client_address_is_counted_when_the_channel_knows_it(store: SubmissionStore) -> None:
    numbers = [_file(store) for _ in range(5)]
    for index, number in enumerate(numbers):
        store.lookup(number, "0000", requester=f"conversation-{index}", client_address="203.0.113.7")
    assert store.lookup(numbers[0], MOBILE[-4:], "conversation-9", client_address="203.0.113.7").outcome \
        is LookupOutcome.THROTTLED
    assert store.lookup(numbers[0], MOBILE[-4:], "conversation-9", client_address="198.51.100.2").found


def test_the_lockout_per_number_is_configurable() -> None:
    policy = number_throttle_policy(load_settings({"LOOKUP_NUMBER_MAX_FAILURES": "3", "LOOKUP_LOCKOUT_MINUTES": "5"}))
    assert (policy.max_failures, policy.base_block) == (3, timedelta(minutes=5))
