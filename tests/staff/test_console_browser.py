"""The staff console in a real headless Chromium, against a web service of its own (started in
the test on a copy of the knowledge base, so the repository's documents are never touched):
log in with a token, edit a document, search, roll back."""
from __future__ import annotations

import datetime as dt
import json
import re
from typing import AsyncIterator
from urllib.parse import urljoin

import pytest
import pytest_asyncio
from aiohttp import web
from playwright.async_api import expect

from core.settings import Settings
from tests.staff.support import PUBLISH_DEADLINE_SECONDS, TOKEN, web_app
from tests.support.async_browser import SESSION_LOOP, browser  # noqa: F401  (the Chromium fixture)
from tests.support.stack import free_port

pytestmark = [pytest.mark.browser, SESSION_LOOP]  # the session's Chromium (tests/support/async_browser.py)

WAIT_MS = PUBLISH_DEADLINE_SECONDS * 1000  # a deadline against hangs, not a speed check
FACT = "测试专用：梧桐街道的信访接待日是每周四上午。"
QUESTION = "梧桐街道的信访接待日是哪天？"
HOSTILE_TITLE = '<img src=x onerror="window.__xss=1">恶意标题'


@pytest_asyncio.fixture(loop_scope="session")
async def console_url(kb: Settings) -> AsyncIterator[str]:
    """The real web application on a free port, on the test's private knowledge base."""
    hostile = (kb.knowledge_dir / "xfgzl-review.md").read_text(encoding="utf-8").replace(
        "title: 对信访处理意见不服：申请复查", f"title: '{HOSTILE_TITLE}'", 1)
    (kb.knowledge_dir / "hostile-title.md").write_text(hostile, encoding="utf-8")
    runner = web.AppRunner(web_app(kb))
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


# --- issue 15, items 11–15 ----------------------------------------------------------------------

BEIJING = dt.timezone(dt.timedelta(hours=8))
HASH = re.compile(r"\b[0-9a-f]{20}\b")  # a revision tag (history.revision_of)


async def logged_in_page(browser, console_url: str, **context_options):
    """A fresh page (in its own browser context) logged in as ``tester``; page errors are collected
    in ``page.errors``."""
    context = await browser.new_context(**context_options)
    page = await context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    await page.goto(console_url)
    await page.fill("#token", TOKEN)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector("#staff-name:has-text('tester')")
    return page


async def open_document(page, doc_id: str) -> str:
    await page.click(f'#document-list button[data-id="{doc_id}"]')
    await expect(page.locator("#doc-id")).to_have_value(doc_id)
    await page.wait_for_selector("#doc-id[readonly]")
    return await page.input_value("#doc-content")


async def save(page, content: str, note: str = "") -> None:
    await page.fill("#doc-content", content)
    await page.fill("#change-note", note)
    await page.click("#save")
    await page.wait_for_selector("#editor-message:has-text('已保存为第')", timeout=WAIT_MS)


def beijing_minute(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") + "（北京时间）"


async def test_editor_message_follows_the_publish(browser, console_url):
    """Item 11: once the status bar says 已发布, the editor no longer says 正在发布."""
    page = await logged_in_page(browser, console_url)
    original = await open_document(page, "xfgzl-deadline")
    await save(page, original.rstrip("\n") + f"\n\n## 梧桐街道信访接待日\n\n{FACT}\n")
    await wait_until_published(page)
    assert "已发布" in await page.text_content("#index-state")
    message = await page.text_content("#editor-message")
    assert "正在发布" not in message
    assert "第 2 版" in message and "已发布" in message
    assert page.errors == []


async def test_history_is_unnumbered_marks_one_current_version_and_shows_differences(browser, console_url):
    """Item 12: no list numbers, one 当前版本 after a rollback, plain empty-history messages, and a
    line diff of an old version against the current one (document text shown as text)."""
    page = await logged_in_page(browser, console_url)
    original = await open_document(page, "xfgzl-deadline")
    # a document never changed in the console: a plain message, not a numbered list item
    await expect(page.locator("#history-empty")).to_have_text("这份文档还没有在控制台中修改过。")
    assert await page.locator("#history-list li").count() == 0

    old_line = "情况复杂的，经本机关、单位负责人批准，可以适当延长，但最多延长30日，并要告诉信访人延期的理由。所以办理期限最长是60日加30日。"
    new_line = old_line.replace("最多延长30日", "最多延长三十日")
    hostile_line = "<b>粗体不是标记</b>"
    assert old_line in original
    edited = original.replace(old_line, new_line).rstrip("\n") + f"\n\n## 梧桐街道信访接待日\n\n{FACT}\n{hostile_line}\n"
    await save(page, edited, "改写延期一句")
    page.once("dialog", lambda dialog: dialog.accept())
    await page.click('#history-list li[data-number="1"] button.rollback')
    await page.wait_for_selector("#editor-message:has-text('已恢复为第 1 版')")
    history = page.locator("#history-list li")
    await expect(history).to_have_count(3)

    # the list carries no numbers of its own that could contradict 第 N 版
    style = await page.eval_on_selector("#history-list", "list => [list.tagName, getComputedStyle(list).listStyleType]")
    assert not (style[0] == "OL" and style[1] != "none"), style
    assert [await item.get_attribute("data-number") for item in await history.all()] == ["3", "2", "1"]
    # versions 3 and 1 have the same content; only the newest is the current version
    assert await page.locator("#history-list li:has-text('当前版本')").count() == 1
    assert "当前版本" in await page.text_content('#history-list li[data-number="3"]')
    assert "当前版本" not in await page.text_content('#history-list li[data-number="1"]')
    assert "与第 3 版相同" in await page.text_content('#history-list li[data-number="1"]')

    # version 2 against the current one (the original text again)
    await page.click('#history-list li[data-number="2"] button.view')
    await page.wait_for_selector("#history-diff .diff-line")
    removed = [line.strip() for line in await page.locator("#history-diff .diff-line.removed").all_text_contents()]
    added = [line.strip() for line in await page.locator("#history-diff .diff-line.added").all_text_contents()]
    assert f"-{new_line}" in removed
    assert any(line.startswith("-") and FACT in line for line in removed)
    assert any(line.startswith("-") and hostile_line in line for line in removed)
    assert [line for line in added if line.startswith("+")] == added and any(old_line in line for line in added)
    assert await page.locator("#history-diff b").count() == 0
    assert "第 2 版" in await page.text_content("#history-diff-legend")

    # a new document has no history yet: said plainly
    await page.click("#new-document")
    await expect(page.locator("#history-empty")).to_have_text("新文档还没有历史版本。")
    assert await page.locator("#history-list li").count() == 0
    assert page.errors == []


async def test_full_width_commas_separate_tags_and_the_result_is_shown(browser, console_url, kb):
    """Item 13: ``tags: [搬迁，接待地点、窗口]`` is three tags, and the console shows them."""
    page = await logged_in_page(browser, console_url)
    original = await open_document(page, "xfgzl-channels")
    tags_line = next(line for line in original.splitlines() if line.startswith("tags:"))
    await save(page, original.replace(tags_line, "tags: [搬迁，接待地点、窗口]"))
    await expect(page.locator("#doc-tags .tag")).to_have_text(["搬迁", "接待地点", "窗口"])
    assert "3 个" in await page.text_content("#doc-tags")
    assert "tags: [搬迁，接待地点、窗口]" in (kb.knowledge_dir / "xfgzl-channels.md").read_text(encoding="utf-8")
    assert page.errors == []


async def test_a_retired_document_is_shown_retired_and_can_be_enabled(browser, console_url, kb):
    """Item 13: a retired document is marked 已停用, cannot be saved as it is, and 启用 takes it
    back into the assistant's answers (audited, without a restart)."""
    page = await logged_in_page(browser, console_url)
    question = "可以在网上信访吗？"
    await open_document(page, "xfgzl-channels")
    page.once("dialog", lambda dialog: dialog.accept())
    await page.click("#retire")
    await page.wait_for_selector("#editor-message:has-text('已停用')")
    await wait_until_published(page)
    assert "status: retired" in (kb.knowledge_dir / "xfgzl-channels.md").read_text(encoding="utf-8")

    await page.click('[data-panel="search-panel"]')
    await ask(page, question)
    assert "xfgzl-channels" not in [await item.get_attribute("data-doc-id") for item in await page.locator("#search-hits li").all()]

    await page.click('[data-panel="documents-panel"]')
    await open_document(page, "xfgzl-channels")
    await expect(page.locator("#retired-notice")).to_be_visible()
    assert "已停用" in await page.text_content("#retired-notice")
    assert await page.is_disabled("#save")
    assert await page.get_attribute("#doc-content", "readonly") is not None
    assert await page.is_hidden("#retire")

    await page.fill("#change-note", "恢复使用")
    page.once("dialog", lambda dialog: dialog.accept())
    await page.click("#enable")
    await page.wait_for_selector("#editor-message:has-text('已启用')")
    await wait_until_published(page)
    text = (kb.knowledge_dir / "xfgzl-channels.md").read_text(encoding="utf-8")
    assert "status: retired" not in text and "status: active" in text
    assert await page.is_hidden("#retired-notice") and await page.is_enabled("#save")
    assert await page.get_attribute("#doc-content", "readonly") is None
    assert "使用中" in await page.text_content('#document-list button[data-id="xfgzl-channels"]')

    await ask(page, question)
    assert await page.get_attribute("#search-hits li >> nth=0", "data-doc-id") == "xfgzl-channels"
    await page.click('[data-panel="audit-panel"]')
    await page.wait_for_selector("#audit-rows tr:has-text('启用')")
    assert "恢复使用" in await page.text_content("#audit-rows tr:has-text('启用')")
    assert page.errors == []


async def test_times_are_shown_in_beijing_time_whatever_the_browser_zone(browser, console_url, kb):
    """Item 14: a browser in New York still shows Beijing time, and says so."""
    page = await logged_in_page(browser, console_url, timezone_id="America/New_York")
    original = await open_document(page, "xfgzl-deadline")
    await save(page, original.rstrip("\n") + f"\n\n## 梧桐街道信访接待日\n\n{FACT}\n")
    entry = json.loads((kb.data_dir / "knowledge_history" / "xfgzl-deadline" / "000002.json").read_text(encoding="utf-8"))
    shown = beijing_minute(entry["at"])
    assert shown in await page.text_content("#doc-meta")
    assert shown in await page.text_content('#history-list li[data-number="2"]')

    await page.click('[data-panel="audit-panel"]')
    await page.wait_for_selector("#audit-rows tr:has-text('修改')")
    audit_url = urljoin(console_url, "/api/audit")
    events = await (await page.request.get(audit_url, headers={"Authorization": f"Bearer {TOKEN}"})).json()
    assert await page.text_content("#audit-rows tr >> nth=0 >> td >> nth=0") == beijing_minute(events["events"][0]["at"])
    assert page.errors == []


async def test_the_audit_log_shows_version_numbers_and_notes_not_hashes(browser, console_url):
    """Item 15: each change in 操作记录 names the document, its version number and the change note."""
    page = await logged_in_page(browser, console_url)
    original = await open_document(page, "xfgzl-deadline")
    await save(page, original.rstrip("\n") + f"\n\n## 梧桐街道信访接待日\n\n{FACT}\n", "增加梧桐街道接待日")
    await page.click('[data-panel="audit-panel"]')
    row = page.locator("#audit-rows tr:has-text('xfgzl-deadline')")
    await expect(row).to_have_count(1)
    cells = [cell.strip() for cell in await row.locator("td").all_text_contents()]
    assert "修改" in cells and "第 2 版" in cells and "增加梧桐街道接待日" in cells
    assert not HASH.search(await page.text_content("#audit-rows"))
    assert page.errors == []
