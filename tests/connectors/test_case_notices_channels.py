"""Case notices on WeChat and WeCom through the real servers: a petition filed in the chat is
accepted and answered on the desk's API; the notice reaches the citizen at once as a
customer-service (WeChat) or application (WeCom) message at the fake Tencent API, with no
personal data, once. When Tencent refuses it (45015: more than 48 hours since the citizen last
wrote), the notice comes before the answer to the citizen's next message instead."""
from __future__ import annotations

import time
from typing import Callable

from sqlalchemy import create_engine, text as sql

from tests.conversation.test_case_notices import PRIVATE, REPLY
from tests.conversation.test_desk_reply import PETITION, TRACKING
from tests.staff.desk_support import accept_and_reply
from tests.support.stack import RunningAssistant

from .fake_tencent_api import FakeTencentApi
from .tencent_peer import WeChatPeer, WeComPeer, new_user_id
from .test_wechat_channel import content

import pytest

pytestmark = pytest.mark.server


def file_petition(say: Callable[[str], str]) -> str:
    replies = [say(text) for text in PETITION]
    return TRACKING.search(replies[-1]).group(0)


def wait_until_the_refusal_is_recorded(assistant: RunningAssistant, number: str, timeout: float = 60) -> str:
    """The notice's recorded error, once the poller has written it (it holds the notice until then)."""
    engine = create_engine(assistant.settings.database_url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                error = connection.execute(sql(
                    "SELECT n.last_error FROM case_notices n JOIN submissions s ON s.id = n.submission_id "
                    "WHERE s.tracking_number = :number AND n.replied AND n.claimed_until IS NULL"), {"number": number}
                ).scalar()
            if error:
                return str(error)
            time.sleep(0.2)
    finally:
        engine.dispose()
    raise AssertionError(f"the refusal of {number}'s notice was not recorded")


def check_notice(text: str, number: str) -> None:
    assert "已有答复" in text and "已受理" in text and f"查询办理进度 {number}" in text
    without_number = text.replace(number, "")
    assert not [word for word in PRIVATE if word in without_number]


def test_wechat_citizen_gets_the_notice_as_a_customer_service_message_once(
        assistant: RunningAssistant, wechat: WeChatPeer, wechat_api: FakeTencentApi) -> None:
    user = new_user_id()
    number = file_petition(lambda text: content(wechat, user, text))
    accept_and_reply(assistant.web_url, number, REPLY)
    texts = wechat_api.wait_for_text(user, "已有答复")
    notices = [text for text in texts if number in text]
    check_notice(notices[-1], number)
    # A notice of the acceptance alone may have gone out before the reply was written; never twice.
    assert len(notices) == len(set(notices)) and len(notices) <= 2
    assert number not in content(wechat, user, "谢谢")  # the next message is not told again


def test_when_the_48_hour_window_is_closed_the_notice_comes_with_the_next_answer(
        assistant: RunningAssistant, wechat: WeChatPeer, wechat_api: FakeTencentApi) -> None:
    user = new_user_id()
    number = file_petition(lambda text: content(wechat, user, text))
    wechat_api.refuse(user, 45015, "response out of time limit or subscription is canceled")
    accept_and_reply(assistant.web_url, number, REPLY)
    wechat_api.wait_for_refusal(user, "已有答复")
    assert wait_until_the_refusal_is_recorded(assistant, number).startswith("errcode=45015")
    answer = content(wechat, user, "信访事项的办理期限是多久？")
    notice, rest = answer.split("\n\n", 1)
    check_notice(notice, number)
    assert rest.strip() and number not in rest
    assert not any(number in text for text in wechat_api.texts_to(user))  # none was accepted by the API
    assert number not in content(wechat, user, "谢谢")


def test_wecom_citizen_gets_the_notice_as_an_application_message(
        assistant: RunningAssistant, wecom: WeComPeer, wecom_api: FakeTencentApi) -> None:
    user = new_user_id("wc")

    def say(text: str) -> str:
        reply = wecom.reply_of(wecom.post(wecom.text(user, text)))
        assert reply is not None, text
        return reply["Content"]

    number = file_petition(say)
    accept_and_reply(assistant.web_url, number, REPLY)
    check_notice(wecom_api.wait_for_text(user, "已有答复")[-1], number)
