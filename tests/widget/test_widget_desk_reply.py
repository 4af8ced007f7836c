"""The staff desk's reply in the widget on the demo page (real assistant, real Chromium): a
suggestion filed over REST is answered on the desk's API, and the citizen's status lookup in the
widget shows the department and the reply."""
from __future__ import annotations

import re
from typing import Any

import pytest

from tests.staff.desk_support import staff_call
from tests.support.stack import Conversation, RunningAssistant
from tests.widget import test_widget_browser as widget_tests
from tests.widget.test_widget_browser import ask, bot_messages, greeted, open_widget, quick_reply

pytestmark = [pytest.mark.server, pytest.mark.browser]
TRACKING = re.compile(r"(?:XF|JY)\d{8}[A-Z0-9]{6}")
expect: Any = None  # playwright.sync_api.expect, set by the fixture below
REPLY = "感谢您的建议，公园管理处已计划在步道旁增设十张长椅。"


@pytest.fixture(autouse=True)
def _playwright_expect(chromium: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """``expect`` here and in the widget tests' helpers used here (set there by that module's fixture)."""
    global expect
    from playwright.sync_api import expect as playwright_expect

    expect = playwright_expect
    monkeypatch.setattr(widget_tests, "expect", playwright_expect)


def test_the_citizen_sees_the_desk_reply_in_the_widget(page, assistant: RunningAssistant) -> None:
    chat = Conversation(assistant)
    replies = [chat.say(text) for text in ["我有个建议想提交", "同意", "赵敏", "13600001111", "徐汇区", "跳过",
                                           "社区增设长椅", "建议在社区公园步道旁增设长椅，方便老人散步时休息。", "确认"]]
    number = TRACKING.search(replies[-1]).group(0)
    case = staff_call(assistant.web_url, "GET", f"/api/desk/cases/{number}")["case"]
    department = staff_call(assistant.web_url, "GET", "/api/desk/departments")["departments"][-1]
    case = staff_call(assistant.web_url, "POST", f"/api/desk/cases/{number}/assign",
                      {"department": department, "version": case["version"]})["case"]
    case = staff_call(assistant.web_url, "POST", f"/api/desk/cases/{number}/transition",
                      {"status": "已受理", "version": case["version"]})["case"]
    staff_call(assistant.web_url, "POST", f"/api/desk/cases/{number}/reply", {"text": REPLY, "version": case["version"]})

    page.goto(assistant.web_url + "/")
    open_widget(page)
    greeted(page)
    quick_reply(page, "查询办理进度").click()
    expect(bot_messages(page).last).to_contain_text("请输入您的查询编号")
    ask(page, number)
    expect(bot_messages(page).last).to_contain_text("手机号码的后4位")
    ask(page, "1111")
    answer = bot_messages(page).last
    expect(answer).to_contain_text("当前状态：已受理")
    expect(answer).to_contain_text(f"承办部门：{department}")
    expect(answer).to_contain_text(REPLY)
    assert "预计" not in answer.inner_text()  # a suggestion has no statutory date to promise
