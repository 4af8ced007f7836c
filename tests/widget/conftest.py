"""Browser fixtures for the widget tests: one headless Chromium for all of them (launched when
the first widget test asks for it), a fresh browser context (empty localStorage, cookies and
cache) per test, and pages of other sites that embed the widget."""
from __future__ import annotations

import http.server
import threading
from typing import Any, Iterator

import pytest

from tests.widget.browser import CHROMIUM_ARGS, chromium_path, unavailable

# Waiting for the assistant's answers: a guard against hanging, not a measurement.
EXPECT_TIMEOUT_MS = 90_000


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        unavailable("the playwright Python package is not installed")
    executable = chromium_path()
    if executable is None:
        unavailable("Chromium not found (/usr/bin/chromium or CHROMIUM_PATH)")
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


@pytest.fixture
def page_errors(page: Any) -> list[str]:
    """Uncaught script errors on ``page`` (request it before navigating)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


class _EmbeddingSite:
    """Another web site (its own origin on 127.0.0.1) whose pages embed the widget."""

    def __init__(self) -> None:
        pages = self.pages = {}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                body = pages.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or "").encode("utf-8"))

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, body_html: str) -> str:
        """A page with ``body_html`` in its body; returns its URL."""
        path = f"/page{len(self.pages)}.html"
        self.pages[path] = (
            '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>外部网站</title></head>'
            f"<body><h1>外部网站</h1>{body_html}</body></html>"
        )
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def embedding_site() -> Iterator[_EmbeddingSite]:
    site = _EmbeddingSite()
    yield site
    site.close()
