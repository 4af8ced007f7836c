"""有帮助 / 没帮助 in the widget (real assistant, real Chromium): a compact pair of its own under a
knowledge answer; 没帮助 is thanked and the question lands in the staff queue, from socketio."""
from __future__ import annotations

from typing import Any

import pytest

from submissions.unanswered import UNHELPFUL
from tests.conversation.test_unanswered_recording import recorded
from tests.support.stack import RunningAssistant
from tests.widget import test_widget_browser as widget_tests
from tests.widget.browser import small_controls
from tests.widget.test_widget_browser import ask, bot_messages, greeted, open_widget

pytestmark = [pytest.mark.server, pytest.mark.browser]
expect: Any = None  # playwright.sync_api.expect, set by the fixture below


@pytest.fixture(autouse=True)
def _playwright_expect(chromium: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    global expect
    from playwright.sync_api import expect as playwright_expect

    expect = playwright_expect
    monkeypatch.setattr(widget_tests, "expect", playwright_expect)


def test_unhelpful_in_the_widget_reaches_the_queue(page, assistant: RunningAssistant) -> None:
    page.goto(assistant.web_url + "/")
    open_widget(page)
    greeted(page)
    ask(page, "对处理意见不服怎么办")
    expect(bot_messages(page).last).to_contain_text("来源：")
    pair = page.get_by_role("group", name="这个回答对您有帮助吗？")
    expect(pair).to_have_count(1)
    expect(pair.get_by_role("button")).to_have_text(["有帮助", "没帮助"])
    # the pair is not among the questions offered
    assert page.get_by_role("group", name="可选回复").get_by_role("button", name="没帮助").count() == 0
    assert small_controls(page) == []  # compact, yet 44 px tap targets like every control

    pair.get_by_role("button", name="没帮助").click()
    expect(bot_messages(page).last).to_contain_text("谢谢您的反馈")
    # like every earlier offer, the pair stays for reading only
    expect(page.locator(".xf-feedback").get_by_role("button", name="没帮助")).to_be_disabled()
    found = recorded(assistant, "对处理意见不服怎么办")
    assert len(found) == 1 and found[0].reason == UNHELPFUL and found[0].document_id, found
    assert found[0].channel == "socketio"
