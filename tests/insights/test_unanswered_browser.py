"""The 未解答问题 page in a real headless Chromium (in New York time, to show times are Beijing
time), against the real web service: reached from the other staff pages, groups with counts,
first/last seen and examples, a group marked 已处理 leaves the open queue."""
from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from tests.staff.support import TOKEN
from tests.support.async_browser import SESSION_LOOP

from .test_problems_browser import WAIT_MS, base_url, browser  # noqa: F401  (fixtures)
from .test_unanswered_api import DOGS, FUND, FUND_DOCUMENT, seed

pytestmark = [pytest.mark.browser, SESSION_LOOP]  # the session's Chromium (tests/support/async_browser.py)
BEIJING = timezone(timedelta(hours=8))


async def test_the_queue_page_groups_and_resolves(browser, base_url, settings):  # noqa: F811
    asked = seed(settings)
    context = await browser.new_context(timezone_id="America/New_York")
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # every staff page links to the queue
    for path in ("/staff/", "/staff/desk", "/staff/problems"):
        await page.goto(base_url + path)
        assert await page.locator("a[href='/staff/unanswered']").count() == 1, path
    await page.click("a[href='/staff/unanswered']")
    await page.fill("#token", TOKEN)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector("#staff-name:has-text('tester')", timeout=WAIT_MS)
    await page.wait_for_selector("#groups > li", timeout=WAIT_MS)

    items = page.locator("#groups > li")
    first = items.nth(0)
    assert f"（{len(DOGS)} 次）" in await first.locator("h3").inner_text()
    first_text = await first.inner_text()
    oldest = min(asked[text] for text in DOGS).astimezone(BEIJING)
    assert f"首次 {oldest:%Y-%m-%d %H:%M}（北京时间）" in first_text, first_text
    assert "不确定 4 次" in first_text and "13812345678" not in first_text and "138****5678" in first_text
    assert await first.locator(".cases li").count() == 3
    fund = items.filter(has_text=FUND[0])
    assert FUND_DOCUMENT in await fund.inner_text() and "没帮助" in await fund.inner_text()

    count_before = await items.count()
    await first.get_by_role("button", name="标记为已处理").click()
    await page.wait_for_selector("#message:has-text('标记为已处理')", timeout=WAIT_MS)
    assert f"{len(DOGS)} 个问题标记为已处理" in await page.locator("#message").inner_text()
    assert await items.count() == count_before - 1
    assert DOGS[0] not in await page.locator("#groups").inner_text()

    await page.select_option("#state", "resolved")
    await page.click("#filters button[type=submit]")
    await page.wait_for_selector(f"#groups > li:has-text('{DOGS[0]}')", timeout=WAIT_MS)
    assert await page.locator("#groups button").count() == 0  # handled groups cannot be handled again
    assert errors == []
    await context.close()
