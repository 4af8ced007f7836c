"""The case desk in a real headless Chromium against a web service of its own: from the console's
header to the desk, list (overdue highlighted in words), open (masked), reveal after a
confirmation, assign, accept, reply; bad input keeps what was typed; the citizen's lookup then
carries the department and the reply."""
from __future__ import annotations

from typing import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web

from core.settings import Settings
from submissions import SubmissionStore
from tests.staff.desk_support import CITIZEN_MOBILE, CITIZEN_NAME, desk_settings, file_petition, file_suggestion
from tests.staff.support import TOKEN
from tests.support.async_browser import SESSION_LOOP, browser  # noqa: F401  (the Chromium fixture)
from tests.support.stack import free_port

pytestmark = [pytest.mark.browser, SESSION_LOOP]  # the session's Chromium (tests/support/async_browser.py)
WAIT_MS = 60_000  # a guard against hangs only
REPLY = "经现场核查，排水管已于本周修复，人行道已清理。如仍有问题，请再次反映。"


@pytest.fixture
def cfg(tmp_path) -> Settings:
    return desk_settings(tmp_path)


@pytest_asyncio.fixture(loop_scope="session")
async def base_url(cfg: Settings) -> AsyncIterator[str]:
    from web.app import create_app

    runner = web.AppRunner(create_app(cfg))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_list_open_reveal_assign_accept_and_reply(browser, base_url, cfg):  # noqa: F811
    late = file_petition(cfg, content="楼道里的消防通道被杂物堵塞了一个多月，物业一直不处理，存在安全隐患。", days_ago=20)
    fresh = file_petition(cfg)
    suggestion = file_suggestion(cfg)
    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{base_url}/staff/")
    await page.fill("#token", TOKEN)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector("#staff-name:has-text('tester')", timeout=WAIT_MS)
    await page.click("a[href='/staff/desk']")  # the console's header leads to the desk, still logged in
    await page.wait_for_selector(f"#cases tr[data-number='{fresh}']", timeout=WAIT_MS)

    # the list: the overdue case says so in words, not only in colour
    late_row = page.locator(f"#cases tr[data-number='{late}']")
    assert "已超期" in await late_row.text_content()
    assert "已超期" not in await page.locator(f"#cases tr[data-number='{fresh}']").text_content()
    assert "无法定时限" in await page.locator(f"#cases tr[data-number='{suggestion}']").text_content()
    await page.check("#f-overdue")
    await page.click("#filters button[type=submit]")
    await page.wait_for_selector("#page-info:has-text('共 1 件')", timeout=WAIT_MS)
    assert await page.locator("#cases tbody tr").count() == 1
    await page.uncheck("#f-overdue")
    await page.click("#filters button[type=submit]")
    await page.wait_for_selector("#page-info:has-text('共 3 件')", timeout=WAIT_MS)

    # open: masked, with the 15-day clock and the times in Beijing time
    await page.click(f"#cases tr[data-number='{fresh}']")
    await page.wait_for_selector(f"#case-heading:has-text('{fresh}')", timeout=WAIT_MS)
    fields = await page.text_content("#case-fields")
    assert CITIZEN_NAME not in fields and CITIZEN_MOBILE not in fields and "137****6666" in fields
    assert "北京时间" in fields
    assert "受理告知：15日" in await page.text_content("#clocks")
    assert await page.locator("#status-buttons button").all_text_contents() == ["变更为“已受理”", "变更为“不予受理”"]

    # reveal asks first; declining shows nothing, accepting shows the fields and is audited
    page.once("dialog", lambda dialog: dialog.dismiss())
    await page.click("#reveal")
    assert CITIZEN_NAME not in await page.text_content("#case-fields")
    page.once("dialog", lambda dialog: dialog.accept())
    await page.click("#reveal")
    await page.wait_for_selector(f"#case-fields:has-text('{CITIZEN_NAME}')", timeout=WAIT_MS)
    assert CITIZEN_MOBILE in await page.text_content("#case-fields")

    # a reply before acceptance is refused with a message, and the text typed is kept
    await page.fill("#reply-text", REPLY)
    await page.click("#reply-form button[type=submit]")
    await page.wait_for_selector("#case-message:has-text('请先作出是否受理的决定')", timeout=WAIT_MS)
    assert await page.input_value("#reply-text") == REPLY

    # assign, accept, reply
    department = cfg.desk_departments[1]
    await page.select_option("#department", department)
    await page.click("#assign-form button[type=submit]")
    await page.wait_for_selector(f"#case-history:has-text('指派部门')", timeout=WAIT_MS)
    await page.click("#status-buttons button[data-status=accepted]")
    await page.wait_for_selector("#clocks:has-text('办理：60日')", timeout=WAIT_MS)
    assert await page.locator("#status-buttons button").all_text_contents() == ["变更为“办理中”"]
    await page.click("#reply-form button[type=submit]")
    await page.wait_for_selector(f"#current-reply:has-text('{REPLY}')", timeout=WAIT_MS)
    assert await page.input_value("#reply-text") == ""
    assert f"{department}" in await page.locator(f"#cases tr[data-number='{fresh}']").text_content()
    history = await page.text_content("#case-history")
    assert "tester：指派部门" in history and "已提交 → 已受理" in history and "答复信访人" in history
    assert errors == []

    with SubmissionStore.from_settings(cfg) as store:
        actions = [event.action for event in reversed(store.audit_events())]
        result = store.lookup(fresh, CITIZEN_MOBILE[-4:], "citizen")
    assert actions == ["desk.reveal", "desk.assign", "desk.transition", "desk.reply"]
    assert result.department == department and result.reply == REPLY
