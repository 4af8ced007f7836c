"""Case notices in the widget (real assistant, real Chromium): a suggestion filed in the widget is
accepted and answered on the desk's API; when the citizen comes back to the page and opens the
widget, the notice is there without typing anything, once, with no personal data — also after
新对话 (or the idle timeout) started a new conversation in between."""
from __future__ import annotations

from typing import Any

import pytest

from tests.staff.desk_support import accept_and_reply
from tests.support.stack import RunningAssistant
from tests.widget import test_widget_browser as widget_tests
from tests.widget.test_widget_browser import ask, bot_messages, file_suggestion, greeted, open_widget

pytestmark = [pytest.mark.server, pytest.mark.browser]
expect: Any = None  # playwright.sync_api.expect, set by the fixture below
REPLY = "感谢您的建议，公园管理处已计划在步道旁增设十张长椅。"
NOTICE = "办理进度提醒"
# What the citizen typed into the form (file_suggestion) or staff wrote, none of which a notice may show.
PRIVATE = ["赵敏", "13600001111", "1111", "徐汇", "长椅", "公园", "步道"]


@pytest.fixture(autouse=True)
def _playwright_expect(chromium: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """``expect`` here and in the widget tests' helpers used here (set there by that module's fixture)."""
    global expect
    from playwright.sync_api import expect as playwright_expect

    expect = playwright_expect
    monkeypatch.setattr(widget_tests, "expect", playwright_expect)


def come_back(page: Any, context: Any, assistant: RunningAssistant) -> Any:
    """The citizen closes the tab and later opens the page again (the panel starts closed)."""
    page.close()
    later = context.new_page()
    later.goto(assistant.web_url + "/")
    open_widget(later)
    return later


def check_notice(page: Any, number: str) -> None:
    notice = bot_messages(page).filter(has_text=NOTICE)
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text(number)
    expect(notice).to_contain_text("已有答复，当前状态：已受理")
    expect(notice).to_contain_text(f"查询办理进度 {number}")
    shown = notice.inner_text().replace(number, "")
    assert not [word for word in PRIVATE if word in shown], shown


def test_a_returning_citizen_sees_the_notice_once_when_opening_the_widget(page, context, assistant) -> None:
    number = file_suggestion(page, assistant)
    accept_and_reply(assistant.web_url, number, REPLY)
    later = come_back(page, context, assistant)
    check_notice(later, number)
    expect(bot_messages(later).last).to_contain_text(NOTICE)  # below the restored conversation

    shown = bot_messages(later).count()
    ask(later, "谢谢")
    expect(bot_messages(later)).to_have_count(shown + 1)
    expect(bot_messages(later).filter(has_text=NOTICE)).to_have_count(1)  # not told again
    later.reload()
    expect(bot_messages(later)).to_have_count(shown + 1)
    expect(bot_messages(later).filter(has_text=NOTICE)).to_have_count(1)


def test_the_notice_reaches_the_widget_after_a_new_conversation_was_started(page, context, assistant) -> None:
    number = file_suggestion(page, assistant)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="新对话").click()
    greeted(page)
    expect(bot_messages(page)).to_have_count(1)
    accept_and_reply(assistant.web_url, number, REPLY)
    later = come_back(page, context, assistant)
    check_notice(later, number)
