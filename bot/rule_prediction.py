"""RulePolicy without its message-text pass when no rule of the model can match a text.

After a user message RulePolicy looks for a matching rule twice: first with the message's text in
place of its intent (for end-to-end rules), then with the intent; each pass featurizes the whole
conversation. The assistant's rules all name an intent, so the text pass never matches: it only
cost CPU on every turn. When no rule's last state could match a state whose user part is a text
(a text in the rule, or a rule that waits for a user message without naming its intent), the text
pass is skipped and gives what it gives when nothing matches, so predictions stay the same.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Optional, Text, Tuple

from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.shared.core.constants import ACTION_LISTEN_NAME, PREVIOUS_ACTION, USER
from rasa.shared.nlu.constants import ACTION_NAME, INTENT, TEXT

RuleSearch = Callable[..., Tuple[Optional[Text], Optional[Text], bool]]
# what RulePolicy._find_action_from_rules returns when it makes no text prediction
NO_TEXT_PREDICTION: Tuple[Optional[Text], Optional[Text], bool] = (None, None, False)
_TEXT_RULES_POSSIBLE = "_text_rules_possible"


def could_match_text(rule_key: Text) -> bool:
    """True if the rule (a key of RulePolicy's lookup) might apply to a user turn given as text:
    its last state has a user text, or follows ``action_listen`` without naming an intent."""
    try:
        last_state = json.loads(rule_key)[-1]
    except (ValueError, IndexError, TypeError):
        return True
    user = last_state.get(USER) or {}
    previous_action = last_state.get(PREVIOUS_ACTION) or {}
    return TEXT in user or (previous_action.get(ACTION_NAME) == ACTION_LISTEN_NAME and INTENT not in user)


def text_rules_possible(policy: RulePolicy) -> bool:
    """Whether any rule of the policy's model could match a text (worked out once per policy)."""
    known = getattr(policy, _TEXT_RULES_POSSIBLE, None)
    if known is None:
        keys = [*policy.lookup.get(RULES, {}), *policy.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {})]
        known = any(could_match_text(key) for key in keys)
        setattr(policy, _TEXT_RULES_POSSIBLE, known)
    return known


def without_impossible_text_pass(find_action: RuleSearch) -> RuleSearch:
    def find_action_from_rules(
        self: RulePolicy, tracker: Any, domain: Any, use_text_for_last_user_input: bool
    ) -> Tuple[Optional[Text], Optional[Text], bool]:
        if use_text_for_last_user_input and not text_rules_possible(self):
            return NO_TEXT_PREDICTION
        return find_action(self, tracker, domain, use_text_for_last_user_input)

    find_action_from_rules.__wrapped__ = find_action  # type: ignore[attr-defined]
    return find_action_from_rules


def skip_impossible_text_pass() -> None:
    """Install the skip on RulePolicy (once per process, before the model loads)."""
    if not hasattr(RulePolicy._find_action_from_rules, "__wrapped__"):
        RulePolicy._find_action_from_rules = without_impossible_text_pass(  # type: ignore[method-assign]
            RulePolicy._find_action_from_rules
        )
