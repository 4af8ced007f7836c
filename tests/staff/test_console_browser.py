"""The staff console in a real headless Chromium, against a web service of its own (started in
the test on a copy of the knowledge base, so the repository's documents are never touched):
log in with a token, edit a document, search, roll back."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import AsyncIterator

import pytest
from aiohttp import web
from playwright.async_api import async_playwright, expect

from core.settings import Settings
from tests.staff.support import PUBLISH_DEADLINE_SECONDS, TOKEN
from tests.support.stack import free_port

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = PUBLISH_DEADLINE_SECONDS * 1000  # a deadline against hangs, not a speed check
FACT = "测试专用：梧桐街道的信访接待日是每周四上午。"
QUESTION = "梧桐街道的信访接待日是哪天？"
HOSTILE_TITLE = '<img src=x onerror="window.__xss=1">恶意标题'


@pytest.fixture
async def browser() -> AsyncIterator:
    if not CHROMIUM.exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but /usr/bin/chromium is missing: run scripts/ensure_system_packages.sh chromium")
        pytest.skip("Chromium is not installed (scripts/ensure_system_packages.sh chromium)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def console_url(kb: Settings) -> AsyncIterator[str]:
    """The real web application on a free port, on the test's private knowledge base."""
    from web.app import create_app

    hostile = (kb.knowledge_dir / "xfgzl-review.md").read_text(encoding="utf-8").replace(
        "title: 对信访处理意见不服：申请复查", f"title: '{HOSTILE_TITLE}'", 1)
    (kb.knowledge_dir / "hostile-title.md").write_text(hostile, encoding="utf-8")
    runner = web.AppRunner(create_app(kb))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/staff/"
    finally:
        await runner.cleanup()


async def wait_until_published(page) -> None:
    await page.wait_for_selector('#index-status[data-waiting="0"]', state="attached", timeout=WAIT_MS)


async def ask(page, question: str) -> str:
    await page.click('[data-panel="search-panel"]')
    await page.fill("#query", question)
    await page.click("#search-form button[type=submit]")
    # (selectors, not wait_for_function: the console's policy forbids evaluating strings)
    await page.wait_for_selector("#search-message:has-text('把握度')", timeout=WAIT_MS)
    return await page.text_content("#search-answer")


async def test_log_in_edit_search_and_roll_back(browser, console_url, kb):
    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(console_url)

    # a wrong token is refused, the right one opens the console
    await page.fill("#token", "not-a-token")
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector("#login-message:has-text('令牌')")
    assert await page.is_hidden("#app")
    await page.fill("#token", TOKEN)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector("#staff-name:has-text('tester')")
    assert await page.evaluate("sessionStorage.getItem('staffToken')") == TOKEN
    assert await page.evaluate("document.cookie") == ""

    # document text is shown as text, never run as HTML
    hostile = page.locator('#document-list button[data-id="hostile-title"]')
    assert HOSTILE_TITLE in await hostile.text_content()
    assert await page.locator("#document-list img").count() == 0
    await hostile.click()
    await page.wait_for_selector(f"#editor-heading:has-text('恶意标题')")
    assert await page.text_content("#editor-heading") == HOSTILE_TITLE
    assert await page.evaluate("window.__xss") is None

    # edit a document and publish it
    await page.click('#document-list button[data-id="xfgzl-deadline"]')
    await page.wait_for_selector("#doc-id[readonly]")
    await expect(page.locator("#doc-id")).to_have_value("xfgzl-deadline")
    original = await page.input_value("#doc-content")
    assert original == (kb.knowledge_dir / "xfgzl-deadline.md").read_text(encoding="utf-8")
    edited = original.rstrip("\n") + f"\n\n## 梧桐街道信访接待日\n\n{FACT}\n"
    await page.fill("#doc-content", edited)
    await page.fill("#change-note", "增加梧桐街道接待日")
    await page.click("#save")
    await page.wait_for_selector("#editor-message:has-text('已保存为第 2 版')")
    assert (kb.knowledge_dir / "xfgzl-deadline.md").read_text(encoding="utf-8") == edited
    await wait_until_published(page)
    assert "已发布" in await page.text_content("#index-state")

    # search: the assistant now answers from the edit
    answer = await ask(page, QUESTION)
    assert "每周四上午" in answer and "来源" in answer
    assert await page.locator("#search-hits li").count() >= 1
    assert await page.get_attribute("#search-hits li >> nth=0", "data-doc-id") == "xfgzl-deadline"

    # roll back to the original (revision 1) from the history
    await page.click('[data-panel="documents-panel"]')
    history = page.locator("#history-list li")
    assert await history.count() == 2
    assert "增加梧桐街道接待日" in await history.nth(0).text_content()
    page.once("dialog", lambda dialog: dialog.accept())
    await page.click('#history-list li[data-number="1"] button.rollback')
    await page.wait_for_selector("#editor-message:has-text('已恢复为第 1 版')")
    await wait_until_published(page)
    assert await page.input_value("#doc-content") == original
    assert (kb.knowledge_dir / "xfgzl-deadline.md").read_text(encoding="utf-8") == original
    assert await page.locator("#history-list li").count() == 3

    answer = await ask(page, QUESTION)
    assert "每周四上午" not in answer

    # the audit tab lists who did what
    await page.click('[data-panel="audit-panel"]')
    await page.wait_for_selector("#audit-rows tr:has-text('回滚')")
    rows = await page.text_content("#audit-rows")
    assert re.search(r"tester\s*修改", rows) and "xfgzl-deadline" in rows

    # invalid edits are explained and nothing is lost
    await page.click('[data-panel="documents-panel"]')
    await page.fill("#doc-content", "---\ntitle: 只有标题\n---\n")
    await page.click("#save")
    await page.wait_for_selector("#problem-list li")
    assert "发布机关" in await page.text_content("#problem-list")
    assert (kb.knowledge_dir / "xfgzl-deadline.md").read_text(encoding="utf-8") == original
    assert errors == []
