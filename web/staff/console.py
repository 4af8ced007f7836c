"""The staff console: one static page with vanilla JavaScript (no build step) at ``/staff/``.

The page itself holds no data, so it is served without a token; it asks for one, keeps it in
``sessionStorage`` and sends it as a Bearer header with every API call. The content security
policy allows only this origin's own scripts and styles, and every value the page shows is set
with ``textContent``, so document text can never run as HTML.
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

CONSOLE_DIR = Path(__file__).parent / "console"
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


async def console_page(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(CONSOLE_DIR / "index.html", headers={**SECURITY_HEADERS, "Content-Type": "text/html; charset=utf-8"})


async def desk_page(_request: web.Request) -> web.FileResponse:
    """The case desk (办件台), a second page of the console with the same token and policy."""
    return web.FileResponse(CONSOLE_DIR / "desk.html", headers={**SECURITY_HEADERS, "Content-Type": "text/html; charset=utf-8"})


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
