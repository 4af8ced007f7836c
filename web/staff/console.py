"""The staff pages: static pages with vanilla JavaScript (no build step) at ``/staff/`` (the
knowledge console), ``/staff/desk``, ``/staff/problems`` and ``/staff/unanswered``.

A page itself holds no data, so it is served without a token; it asks for one, keeps it in
``sessionStorage`` and sends it as a Bearer header with every API call. The content security
policy allows only this origin's own scripts and styles, and every value a page shows is set
with ``textContent``, so document text can never run as HTML.

The header (page name, links to the other pages, who is signed in) and the login form are the
same on every page: written once in ``staff-header.html`` and put in place of the page's
``<!-- staff-header … -->`` line as it is served, so each page still arrives whole (its first
paint, landmarks and login form need no script).
"""
from __future__ import annotations

import asyncio
import re
from pathlib import Path
from string import Template

from aiohttp import web

CONSOLE_DIR = Path(__file__).parent / "console"
STAFF_PAGES = {"/staff/": "知识库管理", "/staff/desk": "办件台", "/staff/problems": "共性问题", "/staff/unanswered": "未解答问题"}
HEADER_MARK = re.compile(r"<!-- staff-header\b.*?-->")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def _assembled(path: str, file_name: str) -> str:
    page = (CONSOLE_DIR / file_name).read_text(encoding="utf-8")
    links = " ".join(f'<a href="{href}">{label}</a>' for href, label in STAFF_PAGES.items() if href != path)
    header = Template((CONSOLE_DIR / "staff-header.html").read_text(encoding="utf-8")).substitute(
        heading=STAFF_PAGES[path], links=links)
    return HEADER_MARK.sub(lambda _mark: header.rstrip("\n"), page, count=1)


async def staff_page(path: str, file_name: str) -> web.Response:
    """The page ``file_name`` (served at ``path``) with the shared header and login form."""
    html = await asyncio.to_thread(_assembled, path, file_name)
    return web.Response(text=html, content_type="text/html", charset="utf-8", headers=SECURITY_HEADERS)


async def console_page(_request: web.Request) -> web.Response:
    return await staff_page("/staff/", "index.html")


async def desk_page(_request: web.Request) -> web.Response:
    """The case desk (办件台), a second page of the console with the same token and policy."""
    return await staff_page("/staff/desk", "desk.html")


async def to_console(_request: web.Request) -> web.Response:
    raise web.HTTPFound("/staff/")


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Staff pages and API answers are never cached, sniffed or framed."""
    if request.path.startswith(("/api/", "/staff")):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/staff", to_console)
    app.router.add_get("/staff/", console_page)
    app.router.add_get("/staff/desk", desk_page)
    app.router.add_static("/staff/static", CONSOLE_DIR, show_index=False, follow_symlinks=False)
    app.on_response_prepare.append(add_security_headers)
