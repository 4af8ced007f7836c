"""Arbitration between intents and knowledge, through the real servers and Rasa's REST channel:
forms and the calculator start only on a clear request; everything else is answered."""
from __future__ import annotations

import pytest

from tests.support.stack import Conversation, RunningAssistant

pytestmark = pytest.mark.server

SUGGESTION_FORM = "我来帮您提交一条人民建议"
PETITION_FORM = "我来帮您在线提交一件初次信访事项"
CALCULATOR_PROMPTS = ("哪件事发生", "起算的日期")


def starts_something(reply: str) -> bool:
    return any(mark in reply for mark in (SUGGESTION_FORM, PETITION_FORM, *CALCULATOR_PROMPTS))


@pytest.mark.parametrize(
    "text",
    [
        "湿垃圾投放点几点开放？",  # classified as file_suggestion
        "长宁区信访接待日是哪天？",  # classified as ask_deadline
        "收到处理意见后多久可以申请复查？",
        "我对城市交通有个好点子，想提给政府，该通过什么渠道？",
        "我想投诉，该怎么提交？",
        "怎么查询信访事项的办理进度？",
    ],
)
def test_questions_never_open_a_form_or_the_calculator(assistant: RunningAssistant, text: str) -> None:
    chat = Conversation(assistant)
    assert not starts_something(chat.say(text)), text
    # and the conversation is not stuck in anything: a plain question is answered next
    assert "60" in chat.say("信访事项的办理期限是多久？")


def test_an_off_topic_question_the_classifier_took_for_a_suggestion_gets_no_passage(assistant: RunningAssistant) -> None:
    chat = Conversation(assistant)
    reply = chat.say("湿垃圾投放点几点开放？")
    assert "来源：" not in reply
    assert "我要提人民建议" in chat.button_titles  # what the classifier heard is one tap away


def test_a_deadline_question_without_a_date_is_answered_with_the_calculator_offered(assistant: RunningAssistant) -> None:
    chat = Conversation(assistant)
    reply = chat.say("复核的截止日期怎么算？")
    assert "30" in reply and "来源：" in reply
    assert "帮我计算截止日期" in chat.button_titles


@pytest.mark.parametrize(
    "text, mark",
    [
        ("我想提个建议", SUGGESTION_FORM),
        ("我要投诉物业不作为", PETITION_FORM),
        ("帮我算一下复核截止日期", "起算的日期"),
        ("/file_suggestion", SUGGESTION_FORM),
    ],
)
def test_clear_requests_start_at_once(assistant: RunningAssistant, text: str, mark: str) -> None:
    assert mark in Conversation(assistant).say(text)


def test_a_dated_deadline_question_is_computed(assistant: RunningAssistant) -> None:
    reply = Conversation(assistant).say("我2026年3月2日收到处理意见，复查最晚哪天申请？")
    assert "2026年4月1日" in reply


@pytest.mark.parametrize("stop", ["取消", "算了，不算了"])
def test_the_calculator_can_be_stopped_and_the_next_question_is_answered(assistant: RunningAssistant, stop: str) -> None:
    chat = Conversation(assistant)
    assert "起算的日期" in chat.say("帮我算一下复核截止日期")
    assert "已停止计算" in chat.say(stop)
    reply = chat.say("对处理意见不服怎么办？")
    assert "复查" in reply and "来源：" in reply
