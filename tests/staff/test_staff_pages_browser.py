"""The four staff pages share one module (``staff-common.js``) for signing in and out and for
calling the API, and one header with the login form (``staff-header.html``, put in by the web
service). In a real headless Chromium, against the real web service, every page arrives with its
header and login form, loads the module under the pages' content security policy and behaves the
same: an empty token, an unreachable server and a wrong token each get their message in Chinese,
the right token signs in (and signs in again by itself on the next visit), 退出 signs out."""
from __future__ import annotations

import re

import pytest

from tests.staff.support import TOKEN
from tests.support.async_browser import SESSION_LOOP, browser  # noqa: F401  (the Chromium fixture)
from tests.staff.test_desk_browser import base_url, cfg  # noqa: F401  (the web service on an empty store)

pytestmark = [pytest.mark.browser, SESSION_LOOP]  # the session's Chromium (tests/support/async_browser.py)
WAIT_MS = 60_000  # a guard against hangs only
STAFF_PAGES = {"/staff/": "知识库管理", "/staff/desk": "办件台", "/staff/problems": "共性问题", "/staff/unanswered": "未解答问题"}
SHARED_MODULE = "/staff/static/staff-common.js"
# Each page's own data (documents, cases, groups): not what this test is about, so refused
# quickly instead of analysed.
PAGE_DATA = re.compile(r"/api/(?!session$)")


async def sign_in_with(page, token: str) -> None:
    await page.fill("#token", token)
    await page.click("#login-form button[type=submit]")


@pytest.mark.parametrize("path", STAFF_PAGES)
async def test_every_staff_page_signs_in_and_out_through_the_shared_module(browser, base_url, path):  # noqa: F811
    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    shared: list[int] = []
    page.on("response", lambda response: shared.append(response.status)
            if response.url == base_url + SHARED_MODULE else None)
    await page.route(PAGE_DATA, lambda route: route.fulfill(status=503, json={"message": "测试：本页数据暂不提供。"}))
    page_response = await page.goto(base_url + path)
    assert "script-src 'self'" in page_response.headers["content-security-policy"]
    # the header and the login form come in the page itself (no script draws them): its name, links to the other three
    html = await page_response.text()
    assert html.count('<form id="login-form"') == 1 and html.count('<header class="topbar">') == 1
    assert (await page.text_content("h1")).startswith(STAFF_PAGES[path])
    links = await page.locator("header nav a").evaluate_all("links => links.map((link) => link.getAttribute('href'))")
    assert links == [other for other in STAFF_PAGES if other != path]

    # an empty token is refused on the page, without asking the server
    await sign_in_with(page, "   ")
    await page.wait_for_selector("#login-message:has-text('请输入令牌。')", timeout=WAIT_MS)

    # the server cannot be reached: the shared message, and the token typed is kept
    await page.route("**/api/session", lambda route: route.abort())
    await sign_in_with(page, TOKEN)
    await page.wait_for_selector("#login-message:has-text('无法连接服务器，请检查网络后重试。')", timeout=WAIT_MS)
    assert await page.input_value("#token") == TOKEN
    assert await page.is_hidden("#app")
    await page.unroute("**/api/session")

    # a wrong token: the server's 401 signs the page out with the shared message
    await sign_in_with(page, "not-a-token")
    await page.wait_for_selector("#login-message:has-text('登录已失效或令牌不正确，请重新输入令牌。')", timeout=WAIT_MS)
    assert await page.is_hidden("#app") and await page.is_hidden("#who")

    # the right token signs in; the next visit to the page signs in by itself
    await sign_in_with(page, TOKEN)
    await page.wait_for_selector("#staff-name:has-text('tester')", timeout=WAIT_MS)
    assert await page.is_visible("#app") and await page.is_hidden("#login")
    assert await page.evaluate("sessionStorage.getItem('staffToken')") == TOKEN
    await page.goto(base_url + path)
    await page.wait_for_selector("#staff-name:has-text('tester')", timeout=WAIT_MS)

    # 退出 forgets the token
    await page.click("#logout")
    await page.wait_for_selector("#login", state="visible", timeout=WAIT_MS)
    assert await page.is_hidden("#app")
    assert await page.evaluate("sessionStorage.getItem('staffToken')") is None

    assert shared and all(status == 200 for status in shared), shared
    assert errors == []
    await page.close()
