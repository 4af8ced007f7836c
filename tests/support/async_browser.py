"""One headless Chromium per session for the async browser tests of the staff pages (console,
desk, 共性问题, 未解答问题), driven by Playwright's async API; each test opens contexts of its own,
which are closed after it.

Playwright objects belong to the event loop that created them, so these tests, and their async
fixtures that serve the pages, run in pytest-asyncio's session loop: a module that uses
``browser`` sets ``pytestmark = [..., SESSION_LOOP]`` and declares such fixtures with
``@pytest_asyncio.fixture(loop_scope="session")``. A test left in a loop of its own gets an
error saying so instead of a hang.

(The widget tests use Playwright's sync API, one Chromium of their own: tests/widget/conftest.py.)
"""
from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
import pytest_asyncio

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SESSION_LOOP = pytest.mark.asyncio(loop_scope="session")


class SessionChromium:
    """The session's Chromium, refusing use from any loop but the one it was started in."""

    def __init__(self, chromium: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._chromium = chromium
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not self._loop:
            raise RuntimeError("the session's Chromium is used from another event loop: mark the module "
                               "pytest.mark.asyncio(loop_scope='session') (tests/support/async_browser.py)")
        return getattr(self._chromium, name)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def session_chromium() -> AsyncIterator[SessionChromium]:
    """Launched once, when the first test asks for ``browser`` (tests/conftest.py registers it)."""
    if not CHROMIUM.exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but /usr/bin/chromium is missing: run scripts/ensure_system_packages.sh chromium")
        pytest.skip("Chromium is not installed (scripts/ensure_system_packages.sh chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield SessionChromium(chromium, asyncio.get_running_loop())
        finally:
            await chromium.close()


@pytest_asyncio.fixture(loop_scope="session")
async def browser(session_chromium: SessionChromium) -> AsyncIterator[SessionChromium]:
    """The session's Chromium for one test: the pages and contexts the test opened are closed
    afterwards, so no cookie, storage or page outlives it."""
    yield session_chromium
    for context in list(session_chromium.contexts):
        await context.close()
