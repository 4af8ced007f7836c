"""The 共性问题 page in a real headless Chromium (in New York time, to show dates are Beijing
time), against the real web service on a seeded store: groups, chart, CSV download, duplicates."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web

from core.settings import Settings
from core.timeutil import to_shanghai
from tests.staff.support import TOKEN, web_app
from tests.support.async_browser import SESSION_LOOP, browser  # noqa: F401  (the Chromium fixture)
from tests.support.stack import free_port

from .dataset import FUMES, seed

pytestmark = [pytest.mark.browser, SESSION_LOOP]  # the session's Chromium (tests/support/async_browser.py)

WAIT_MS = 300_000  # a deadline against hangs (the first analysis loads the model), not a speed check


@pytest_asyncio.fixture(loop_scope="session")
async def base_url(settings: Settings) -> AsyncIterator[str]:
    runner = web.AppRunner(web_app(settings))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def beijing(iso: str) -> str:
    return to_shanghai(datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M") + "（北京时间）"


async def test_groups_chart_csv_and_duplicates_on_the_page(browser, base_url, settings):
    seeded = seed(settings)
    context = await browser.new_context(timezone_id="America/New_York", accept_downloads=True)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # (answers with an error status are logged by the browser as "Failed to load resource": the 400 below is meant)
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)

    # the console links to the page; the page asks for the token
    await page.goto(base_url + "/staff/")
    await page.click("a[href='/staff/problems']")
    await page.fill("#token", TOKEN)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector("#staff-name:has-text('tester')")

    # the largest and the fastest-growing groups, with examples in Beijing time
    first = page.locator("#largest > li[data-group]").first
    await first.wait_for(timeout=WAIT_MS)
    first_text = await first.text_content()
    assert "油烟" in first_text and "本月 8 件，上月 2 件" in first_text
    assert "增加 6 件" in await page.locator("#growing > li[data-group]").first.text_content()
    example_numbers = [await node.text_content() for node in await first.locator(".example .muted").all()]
    assert example_numbers and all(any(n in text for n in seeded.numbers_by_topic[FUMES]) for text in example_numbers)
    # the page shows the API's times in Beijing time, whatever the browser's zone
    request = await page.request.get(base_url + "/api/problems/groups", headers={"Authorization": f"Bearer {TOKEN}"})
    api_example = (await request.json())["largest"][0]["examples"][0]
    assert beijing(api_example["created_at"]) in first_text

    # the chart: one bar per month with the month's count, and a table saying the same
    await page.wait_for_selector("#chart svg rect.bar", state="attached", timeout=WAIT_MS)
    bars = page.locator("#chart svg rect.bar")
    assert await bars.count() == 12
    months = [await bars.nth(i).get_attribute("data-month") for i in range(12)]
    table = [[await cell.text_content() for cell in await row.locator("td").all()]
             for row in await page.locator("#chart-table tbody tr").all()]
    assert [row[0] for row in table] == months
    assert {row[0]: int(row[1]) for row in table} == {month: seeded.months.get(month, 0) for month in months}
    description = await page.text_content("#chart svg desc")
    assert all(f"{month}：{seeded.months.get(month, 0)} 件" in description for month in months)

    # the CSV button downloads the monthly summary
    async with page.expect_download(timeout=WAIT_MS) as download_info:
        await page.click("#download-csv")
    download = await download_info.value
    raw = Path(await download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and download.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {row[0]: int(row[3]) for row in rows[1:] if row[1] == "全部"} == {m: seeded.months.get(m, 0) for m in months}
    assert any(row[1] != "全部" and "油烟" in row[2] for row in rows[1:])
    await page.wait_for_selector("#message:has-text('已下载')")

    # likely duplicates: flagged in the list, and looked up by number
    flagged = page.locator(f"#flagged > li[data-number='{seeded.refiled}']")
    assert seeded.original in await flagged.text_content()
    assert seeded.closed_copy not in await page.text_content("#flagged")
    await page.fill("#tracking-number", seeded.refiled)
    await page.click("#duplicate-form button[type=submit]")
    await page.wait_for_selector("#duplicate-message:has-text('可能与以下 1 件')", timeout=WAIT_MS)
    assert seeded.original in await page.text_content("#duplicate-results")
    await page.fill("#tracking-number", "不是编号")
    await page.click("#duplicate-form button[type=submit]")
    await page.wait_for_selector("#duplicate-message.error:has-text('不是有效的查询编号')")
    assert await page.locator("#duplicate-results li").count() == 0

    assert errors == []
    await context.close()
