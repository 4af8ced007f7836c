"""Case notices over REST through the real servers: a petition filed in a conversation, accepted
and answered on the desk's API of the running web service; the citizen's next message in that
conversation gets the notice first (then the answer), exactly once, with no personal data, and
no other conversation is told."""
from __future__ import annotations

import re

import pytest

from tests.conversation.test_desk_reply import PETITION, TRACKING
from tests.staff.desk_support import accept_and_reply, staff_call
from tests.support.stack import Conversation, RunningAssistant

pytestmark = pytest.mark.server
REPLY = "经核查，饭店已整改并调整营业时间。联系人手机13911112222。"
# What the citizen gave or staff wrote, none of which a notice may carry.
PRIVATE = ["李雷", "13912345678", "139 1234 5678", "5678", "世纪大道", "饭店", "油烟", "整改", "13911112222", "2222"]


def test_the_next_message_gets_the_notice_first_exactly_once_without_personal_data(assistant: RunningAssistant) -> None:
    chat = Conversation(assistant)
    replies = [chat.say(text) for text in PETITION]
    number = TRACKING.search(replies[-1]).group(0)
    accept_and_reply(assistant.web_url, number, REPLY)

    stranger = Conversation(assistant)
    stranger.say("信访事项的办理期限是多久？")
    assert all(number not in m.get("text", "") for m in stranger.messages)

    chat.say("信访事项的办理期限是多久？")
    notice, *answer = [m.get("text", "") for m in chat.messages]
    assert number in notice and "已有答复" in notice and "已受理" in notice and f"查询办理进度 {number}" in notice
    assert answer and not any(number in text for text in answer)  # the answer to the question follows
    without_number = notice.replace(number, "")
    assert not [word for word in PRIVATE if word in without_number]
    assert all(m.get("recipient_id") == chat.sender for m in chat.messages)

    chat.say("谢谢")
    assert all(number not in m.get("text", "") for m in chat.messages)  # told once


def test_a_notice_arrives_in_the_middle_of_a_form_and_the_form_goes_on(assistant: RunningAssistant) -> None:
    chat = Conversation(assistant)
    replies = [chat.say(text) for text in PETITION]
    number = TRACKING.search(replies[-1]).group(0)
    chat.say("我要投诉")
    assert "同意" in " ".join(chat.button_titles)
    case = staff_call(assistant.web_url, "GET", f"/api/desk/cases/{number}")["case"]
    staff_call(assistant.web_url, "POST", f"/api/desk/cases/{number}/transition",
               {"status": "不予受理", "note": "已通过诉讼途径处理", "version": case["version"]})
    chat.say("同意")
    notice, *form = [m.get("text", "") for m in chat.messages]
    assert number in notice and "不予受理" in notice and "已有答复" not in notice
    assert re.search("姓名", " ".join(form))  # the form asks its next question as before
