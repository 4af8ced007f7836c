"""Reading a follow-up from a message (buttons' entities or typed words) and how long a verified
lookup lets the conversation act on its case."""
from __future__ import annotations

from typing import Any, Optional

import pytest
from rasa_sdk import Tracker

from bot.actions.case_followup import VERIFIED_MINUTES, requested_followup, verified_case
from submissions.followups import FollowupKind


def tracker(text: str = "", entities: Optional[list[dict[str, Any]]] = None, verified: Optional[str] = None,
            set_at: float = 1000.0) -> Tracker:
    events = [{"event": "slot", "name": "verified_case", "value": verified, "timestamp": set_at}] if verified else []
    return Tracker("someone", {"verified_case": verified}, {"text": text, "entities": entities or [],
                                                             "intent": {"name": "case_followup", "confidence": 1.0}},
                   events, False, None, {}, "action_listen")


@pytest.mark.parametrize("text, kind, rating", [
    ("我要催办", FollowupKind.URGE, None), ("我想补充一些情况", FollowupKind.SUPPLEMENT, None),
    ("我对答复不满意", FollowupKind.RATING, "unsatisfied"), ("基本满意", FollowupKind.RATING, "basic"),
    ("满意", FollowupKind.RATING, "satisfied"), ("我要评价", FollowupKind.RATING, None), ("你好", None, None),
])
def test_typed_follow_ups_are_read_by_their_words(text: str, kind: Optional[FollowupKind], rating: Optional[str]) -> None:
    assert requested_followup(tracker(text)) == (kind, rating)


def test_the_buttons_entities_win_and_an_unknown_value_is_kept_for_the_refusal() -> None:
    rate = [{"entity": "followup", "value": "rating"}, {"entity": "rating", "value": "太棒了"}]
    assert requested_followup(tracker("/case_followup", rate)) == (FollowupKind.RATING, "太棒了")
    assert requested_followup(tracker("/case_followup", [{"entity": "followup", "value": "x"}])) == (None, None)


def test_a_verified_case_is_usable_for_a_while_only() -> None:
    verified = tracker(verified="XF20260101ABCDEF", set_at=1000.0)
    assert verified_case(verified, now=1000.0 + VERIFIED_MINUTES * 60 - 1) == "XF20260101ABCDEF"
    assert verified_case(verified, now=1000.0 + VERIFIED_MINUTES * 60 + 1) is None
    assert verified_case(tracker(), now=1000.0) is None
