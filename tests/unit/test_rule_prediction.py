"""RulePolicy's text pass is skipped only when no rule could match a user turn given as text."""
from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy

from bot.rule_prediction import NO_TEXT_PREDICTION, could_match_text, skip_impossible_text_pass, without_impossible_text_pass

LISTEN = {"action_name": "action_listen"}
INTENT_RULE = json.dumps([{"prev_action": LISTEN, "user": {"intent": "stop"}}])
AFTER_ACTION_RULE = json.dumps([{"active_loop": {"name": "should_not_be_set"}, "prev_action": {"action_name": "petition_form"}}])
TEXT_RULE = json.dumps([{"prev_action": LISTEN, "user": {"text": "转人工"}}])
ANY_MESSAGE_RULE = json.dumps([{"prev_action": LISTEN}])


def test_which_rules_could_match_a_text() -> None:
    assert not could_match_text(INTENT_RULE)
    assert not could_match_text(AFTER_ACTION_RULE)
    assert could_match_text(TEXT_RULE)
    assert could_match_text(ANY_MESSAGE_RULE)
    assert could_match_text("not json")


def searched(rules: list[str], use_text: bool) -> tuple[Any, list[bool]]:
    calls: list[bool] = []

    def rasa_search(self: Any, tracker: Any, domain: Any, use_text_for_last_user_input: bool) -> Any:
        calls.append(use_text_for_last_user_input)
        return ("action_from_rasa", "rule", False)

    policy = SimpleNamespace(lookup={RULES: {key: "action_x" for key in rules}, RULES_FOR_LOOP_UNHAPPY_PATH: {}})
    result = without_impossible_text_pass(rasa_search)(policy, None, None, use_text)
    return result, calls


def test_text_pass_skipped_when_every_rule_names_an_intent() -> None:
    assert searched([INTENT_RULE, AFTER_ACTION_RULE], use_text=True) == (NO_TEXT_PREDICTION, [])


def test_intent_pass_always_searches() -> None:
    assert searched([INTENT_RULE], use_text=False) == (("action_from_rasa", "rule", False), [False])


def test_text_pass_kept_when_a_rule_could_match_a_text() -> None:
    for rule in (TEXT_RULE, ANY_MESSAGE_RULE):
        assert searched([INTENT_RULE, rule], use_text=True) == (("action_from_rasa", "rule", False), [True])


def test_installed_once() -> None:
    original = RulePolicy._find_action_from_rules
    try:
        skip_impossible_text_pass()
        installed = RulePolicy._find_action_from_rules
        skip_impossible_text_pass()
        assert RulePolicy._find_action_from_rules is installed
        assert installed.__wrapped__ is getattr(original, "__wrapped__", original)
    finally:
        RulePolicy._find_action_from_rules = original  # type: ignore[method-assign]
