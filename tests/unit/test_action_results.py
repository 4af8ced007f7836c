"""The cached check of action server responses gives Rasa's own verdicts and messages."""
from __future__ import annotations

from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.action_results import use_cached_action_response_validator, validate_action_result

VALID = {"events": [{"event": "slot", "name": "mobile", "value": "13600001111"}],
         "responses": [{"text": "请问您在上海的哪个区？"}]}
INVALID = {"events": [{"event": "slot", "value": 1}], "responses": "not a list"}
ACTION = RemoteAction("action_answer_question", None)
RASA_CHECK = RemoteAction._validate_action_result  # Rasa's own, as imported (nothing patched yet)


def rasa_verdict(response: dict[str, Any]) -> str:
    try:
        RASA_CHECK(ACTION, response)
    except ValidationError as error:
        return error.message
    return "valid"


def cached_verdict(response: dict[str, Any]) -> str:
    try:
        validate_action_result(ACTION, response)
    except ValidationError as error:
        return error.message
    return "valid"


@pytest.mark.parametrize("response", [VALID, INVALID, {"events": [{"no": "event key"}]}, {}])
def test_same_verdict_and_message_as_rasa(response: dict[str, Any]) -> None:
    assert cached_verdict(response) == rasa_verdict(response)


def test_installed_on_remote_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RASA_CHECK)
    use_cached_action_response_validator()
    assert RemoteAction._validate_action_result is validate_action_result
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        ACTION._validate_action_result(INVALID)
