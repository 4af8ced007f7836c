"""有帮助 / 没帮助 under knowledge answers, through the real servers: the buttons come with an
answer that cites a source (never with "not sure"); 没帮助 puts the question in the staff queue
with the answering document, 有帮助 records nothing; both are thanked."""
from __future__ import annotations

import pytest

from submissions.unanswered import UNHELPFUL
from tests.support.stack import Conversation, RunningAssistant

from .test_unanswered_recording import recorded

pytestmark = pytest.mark.server

FEEDBACK_TITLES = ["有帮助", "没帮助"]


def feedback_payload(conversation: Conversation, title: str) -> str:
    return next(str(button["payload"]) for button in conversation.buttons if button.get("title") == title)


def test_unhelpful_puts_the_question_and_its_document_in_the_queue(assistant: RunningAssistant) -> None:
    conversation = Conversation(assistant)
    reply = conversation.say("信访事项多久能办完？我的电话13912345678")
    assert "来源：" in reply, reply
    assert conversation.button_titles[-2:] == FEEDBACK_TITLES, conversation.buttons
    payload = feedback_payload(conversation, "没帮助")
    assert payload.startswith("/feedback")

    thanks = conversation.say(payload)
    assert "谢谢您的反馈" in thanks, thanks
    found = recorded(assistant, "多久能办完")
    assert len(found) == 1, found
    assert found[0].reason == UNHELPFUL and found[0].document_id, found[0]
    assert "13912345678" not in found[0].question and "139****5678" in found[0].question
    assert found[0].channel == "rest"


def test_helpful_is_thanked_and_not_recorded(assistant: RunningAssistant) -> None:
    conversation = Conversation(assistant)
    assert "来源：" in conversation.say("信访有哪些渠道")
    thanks = conversation.say(feedback_payload(conversation, "有帮助"))
    assert "谢谢您的反馈" in thanks, thanks
    Conversation(assistant).say("火星上的量子荔枝怎么种植？")  # written after, by the same worker
    assert recorded(assistant, "量子荔枝")
    assert not recorded(assistant, "信访有哪些渠道", wait_seconds=0)


def test_not_sure_has_no_feedback_buttons(assistant: RunningAssistant) -> None:
    conversation = Conversation(assistant)
    conversation.say("火星上的量子芒果怎么种植？")
    assert not set(FEEDBACK_TITLES) & set(conversation.button_titles), conversation.buttons
