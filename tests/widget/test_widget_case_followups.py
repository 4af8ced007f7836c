"""From the desk to the citizen's rating and back, in real headless Chromium against the real
assistant: a staff member lists, opens, assigns, accepts and replies on the desk page; the citizen
looks the case up in the widget, sees the reply and rates it 不满意 with a reason; the desk then
flags the case as having a new follow-up, shows the rating on the case and counts it for the
department."""
from __future__ import annotations

from typing import Any

import pytest

from tests.staff.desk_support import CITIZEN_MOBILE, file_petition, staff_call
from tests.staff.support import TOKEN
from tests.support.stack import RunningAssistant
from tests.widget import test_widget_browser as widget_tests
from tests.widget.test_widget_browser import ask, bot_messages, greeted, open_widget, quick_reply

pytestmark = [pytest.mark.server, pytest.mark.browser]
expect: Any = None  # playwright.sync_api.expect, set by the fixture below
REPLY = "经现场核查，排水管已于本周修复，人行道已清理。"
REASON = "修好第二天又漏了，人行道上还是污水"


@pytest.fixture(autouse=True)
def _playwright_expect(chromium: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """``expect`` here and in the widget tests' helpers used here (set there by that module's fixture)."""
    global expect
    from playwright.sync_api import expect as playwright_expect

    expect = playwright_expect
    monkeypatch.setattr(widget_tests, "expect", playwright_expect)


def unsatisfied_count(assistant: RunningAssistant, department: str) -> int:
    table = staff_call(assistant.web_url, "GET", "/api/desk/ratings")["departments"]
    return next((entry["unsatisfied"] for entry in table if entry["department"] == department), 0)


def test_desk_reply_then_the_citizen_rates_it_in_the_widget_and_the_desk_shows_it(context: Any,
                                                                                  assistant: RunningAssistant) -> None:
    number = file_petition(assistant.settings)
    department = assistant.settings.desk_departments[2]
    before = unsatisfied_count(assistant, department)

    desk = context.new_page()
    errors: list[str] = []
    desk.on("pageerror", lambda error: errors.append(str(error)))
    desk.goto(assistant.web_url + "/staff/desk")
    desk.fill("#token", TOKEN)
    desk.click("#login-form button[type=submit]")
    row = desk.locator(f"#cases tr[data-number='{number}']")
    expect(row).to_be_visible()
    expect(row).not_to_contain_text("新跟进")
    row.click()
    expect(desk.locator("#case-heading")).to_contain_text(number)
    expect(desk.locator("#case-followups")).to_contain_text("暂无评价")
    desk.select_option("#department", department)
    desk.click("#assign-form button[type=submit]")
    expect(desk.locator("#case-history li")).to_have_count(2)
    desk.click("#status-buttons button[data-status='accepted']")
    expect(desk.locator("#case-history li")).to_have_count(3)
    desk.fill("#reply-text", REPLY)
    desk.click("#reply-form button[type=submit]")
    expect(desk.locator("#current-reply")).to_contain_text(REPLY)

    citizen = context.new_page()
    citizen.goto(assistant.web_url + "/")
    open_widget(citizen)
    greeted(citizen)
    quick_reply(citizen, "查询办理进度").click()
    expect(bot_messages(citizen).last).to_contain_text("请输入您的查询编号")
    ask(citizen, number)
    expect(bot_messages(citizen).last).to_contain_text("手机号码的后4位")
    ask(citizen, CITIZEN_MOBILE[-4:])
    expect(bot_messages(citizen).last).to_contain_text(REPLY)
    quick_reply(citizen, "评价答复").click()
    expect(bot_messages(citizen).last).to_contain_text("满意吗")
    quick_reply(citizen, "不满意").click()
    expect(bot_messages(citizen).last).to_contain_text("不满意的原因")
    ask(citizen, REASON)
    expect(bot_messages(citizen).last).to_contain_text("谢谢您的评价（不满意）")

    desk.click("#filters button[type=submit]")  # the list again: the case has a new follow-up
    expect(row.locator(".followup-badge")).to_have_text("新跟进 1")
    ratings_row = desk.locator(f"#ratings tr[data-department='{department}']")
    expect(ratings_row.locator("td").nth(4)).to_contain_text(f"{before + 1}（")
    row.click()
    followups = desk.locator("#case-followups")
    expect(followups).to_contain_text("评价答复：不满意")
    expect(followups).to_contain_text(REASON)
    expect(followups).to_contain_text(f"承办部门：{department}")
    expect(desk.locator("#case-history")).to_contain_text("信访人：评价答复（评价：不满意）")
    expect(row.locator(".followup-badge")).to_have_count(0)  # opened: no longer new
    assert errors == []
