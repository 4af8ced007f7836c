"""Questions the assistant is not sure about land in the staff queue's table, masked; answered
ones do not (through the real servers)."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from submissions import SubmissionStore
from submissions.unanswered import NOT_SURE, UnansweredQuestion, UnansweredQuestions
from tests.support.stack import Conversation, RunningAssistant

pytestmark = pytest.mark.server

PHONE, ID_NUMBER, EMAIL = "13912345678", "31010119900101123X", "zhangsan@example.com"


def recorded(assistant: RunningAssistant, marker: str, wait_seconds: float = 20) -> list[UnansweredQuestion]:
    """The open questions containing ``marker`` (waiting a little: they are written off the reply's path)."""
    with SubmissionStore.from_settings(assistant.settings) as store:
        questions = UnansweredQuestions(store)
        deadline = time.monotonic() + wait_seconds
        while True:
            now = datetime.now(timezone.utc)
            found, _ = questions.questions(now - timedelta(days=1), now + timedelta(minutes=1))
            matching = [question for question in found if marker in question.question]
            if matching or time.monotonic() > deadline:
                return matching
            time.sleep(0.3)


def test_an_unknown_question_is_recorded_masked_without_the_sender(assistant: RunningAssistant) -> None:
    conversation = Conversation(assistant)
    question = f"火星上的量子菠萝怎么种植？我叫王建国，电话{PHONE}，身份证{ID_NUMBER}，邮箱{EMAIL}"
    reply = conversation.say(question)
    assert "来源：" not in reply, reply  # the assistant was not sure

    found = recorded(assistant, "量子菠萝")
    assert len(found) == 1, found
    stored = found[0]
    assert stored.reason == NOT_SURE and stored.channel == "rest" and stored.document_id is None
    for personal in (PHONE, ID_NUMBER, EMAIL, "王建国", conversation.sender, conversation.conversation_id):
        assert personal not in stored.question
    assert "139****5678" in stored.question and "王**" in stored.question
    assert stored.asked_at.tzinfo is not None


def test_an_answered_question_is_not_recorded(assistant: RunningAssistant) -> None:
    reply = Conversation(assistant).say("信访事项多久能办完？")
    assert "来源：" in reply, reply
    Conversation(assistant).say("火星上的量子西瓜怎么种植？")  # recorded after the first, by the same worker
    assert recorded(assistant, "量子西瓜")
    # Other tests of the session mark this question 没帮助 (reason unhelpful); as "not sure" it is never kept.
    assert [q for q in recorded(assistant, "多久能办完", wait_seconds=0) if q.reason == NOT_SURE] == []
