"""What the citizen sees of the staff desk, through the real servers: a petition filed over
REST, accepted, assigned and answered on the desk's API of the running web service, then looked
up over REST: status, department, the reply (personal data masked) and the expected date."""
from __future__ import annotations

import re

import pytest

from tests.staff.desk_support import accept_and_reply
from tests.support.stack import Conversation, RunningAssistant

pytestmark = pytest.mark.server
TRACKING = re.compile(r"(?:XF|JY)\d{8}[A-Z0-9]{6}")
PETITION = ["我要投诉", "同意", "李雷", "139 1234 5678", "浦东", "浦东新区世纪大道100号", "跳过", "跳过",
            "小区楼下饭店每天凌晨两点还在营业，油烟和噪音严重影响休息，多次反映无果。",
            "希望有关部门督促饭店整改，控制营业时间和油烟排放。", "确认"]


def test_the_status_lookup_shows_the_department_the_reply_and_the_expected_date(assistant: RunningAssistant) -> None:
    chat = Conversation(assistant)
    replies = [chat.say(text) for text in PETITION]
    number = TRACKING.search(replies[-1]).group(0)
    before = Conversation(assistant).say(f"查一下{number}，手机尾号5678")
    assert "已提交" in before and "预计告知是否受理" in before and "答复" not in before

    case = accept_and_reply(assistant.web_url, number, "经核查，饭店已整改并调整营业时间。联系人手机13911112222。")
    status = Conversation(assistant).say(f"查一下{number}，手机尾号5678")
    assert "当前状态：已受理" in status
    assert f"承办部门：{case['department']}" in status
    due = next(clock["due"] for clock in case["clocks"] if clock["name"] == "办理")
    year, month, day = (int(part) for part in due.split("-"))
    assert f"预计办结：{year}年{month}月{day}日前" in status
    assert "答复" in status and "饭店已整改并调整营业时间" in status
    assert "13911112222" not in status and "139****2222" in status  # no personal data in the chat
