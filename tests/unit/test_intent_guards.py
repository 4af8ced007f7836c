"""The NLU components that override the classifier on unmistakable words (bot/nlu/*_guard.py)."""
from __future__ import annotations

from typing import Text

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.emergency_guard import EmergencyGuard
from bot.nlu.latin_guard import LatinTextGuard
from bot.nlu.status_guard import StatusRequestGuard


def classified(text: Text, intent_name: Text, confidence: float = 0.4) -> Message:
    """A message as the classifier and FallbackClassifier leave it."""
    message = Message(data={TEXT: text})
    prediction = {"name": intent_name, "confidence": confidence}
    message.set(INTENT, prediction, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [prediction, {"name": "ask_procedure", "confidence": 0.3}], add_to_output=True)
    return message


def intent_after(guard_class: type, message: Message) -> Text:
    guard = guard_class({})
    return guard.process([message])[0].get(INTENT)["name"]


@pytest.mark.parametrize(
    "text",
    [
        "我之前提交的建议现在有结果了吗",
        "我上个月反映的问题有回复了没",
        "JY20261122K7Q2MX这个到哪了",
        "我投訴的事情受理了嗎",  # Traditional
    ],
)
def test_an_unsure_status_request_becomes_check_status(text: Text) -> None:
    message = classified(text, "nlu_fallback")
    assert intent_after(StatusRequestGuard, message) == "check_status"
    ranking = message.get(INTENT_RANKING_KEY)
    assert ranking[0] == {"name": "check_status", "confidence": 1.0}
    assert all(entry["confidence"] == 0.0 for entry in ranking[1:])


@pytest.mark.parametrize(
    "text, intent_name",
    [
        ("怎么查询信访事项的办理进度？", "nlu_fallback"),  # asks how to check: a knowledge question
        ("今天天气怎么样", "nlu_fallback"),
        ("我之前提交的建议现在有结果了吗", "ask_procedure"),  # a confident prediction is the arbitration's
        ("我之前提交的建议现在有结果了吗", "greet"),
    ],
)
def test_other_messages_keep_their_prediction(text: Text, intent_name: Text) -> None:
    assert intent_after(StatusRequestGuard, classified(text, intent_name)) == intent_name


def test_the_emergency_guard_overrides_any_prediction() -> None:
    assert intent_after(EmergencyGuard, classified("楼道里着火了", "check_status", 0.9)) == "emergency"
    assert intent_after(EmergencyGuard, classified("我提交的建议有回复了吗", "check_status", 0.9)) == "check_status"


@pytest.mark.parametrize("text", ["asdkjh qwpeoiu zmxnb", "lkjqwe poiuzx mnbv", "How long does handling take"])
def test_untaught_latin_letters_heard_as_small_talk_fall_back(text: Text) -> None:
    assert intent_after(LatinTextGuard, classified(text, "thank", 0.9)) == "nlu_fallback"


@pytest.mark.parametrize("text, predicted, courtesy", [
    ("ok thx, bye~", "out_of_scope", "goodbye"), ("Thanks a lot!!", "nlu_fallback", "thank"),
    ("hey hello", "out_of_scope", "greet"), ("ok see u", "nlu_fallback", "goodbye"),
])
def test_english_courtesy_words_get_their_small_talk_intent(text: Text, predicted: Text, courtesy: Text) -> None:
    assert intent_after(LatinTextGuard, classified(text, predicted, 0.9)) == courtesy


@pytest.mark.parametrize(
    "text, intent_name",
    [("Thank you!", "thank"), ("hello", "greet"), ("ok", "affirm"), ("谢谢 thanks", "thank"),
     ("asdkjh qwpeoiu", "ask_procedure"), ("JY20261122K7Q2MX", "check_status")],
)
def test_courtesies_chinese_and_other_intents_are_left_alone(text: Text, intent_name: Text) -> None:
    assert intent_after(LatinTextGuard, classified(text, intent_name, 0.9)) == intent_name
