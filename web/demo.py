"""The demo page at ``/`` (a mock district government site with the chat widget embedded by its
one ``<script>`` tag) and the widget's files at ``/widget/``.

The widget talks to Rasa directly (socket.io on ``PUBLIC_RASA_URL``, by default this page's host
with ``RASA_PORT``); the page's Content-Security-Policy allows exactly that origin.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from aiohttp import web
from yarl import URL

from core.settings import PROJECT_ROOT, Settings
from web.app import SETTINGS_KEY

WIDGET_DIR = PROJECT_ROOT / "widget"
DEMO_DIR = Path(__file__).with_name("demo_site")
DEMO_PAGE = DEMO_DIR / "index.html"
# Only these files are served, with these types (nothing else under widget/, e.g. the README).
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
_PAGE_KEY = web.AppKey("demo_page_template", str)
# The Host header's name part (a DNS name, IPv4 or [IPv6]), optionally followed by a port.
_HOST_HEADER = re.compile(r"^(?P<name>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")

COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cache-Control": "no-cache",
}
# Any site may embed the widget: its module scripts are fetched in CORS mode.
WIDGET_HEADERS = {**COMMON_HEADERS, "Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin"}


def public_rasa_url(cfg: Settings, request: web.Request) -> URL:
    """Where browsers reach Rasa: PUBLIC_RASA_URL, else this request's host name with RASA_PORT."""
    if cfg.public_rasa_url:
        configured = URL(cfg.public_rasa_url)
        if configured.scheme in ("http", "https") and configured.host:
            return configured
    # request.url is not used: with this aiohttp/yarl pair it fails on a Host header with a port.
    match = _HOST_HEADER.match(request.host or "")
    host = match.group("name").strip("[]") if match else "127.0.0.1"
    return URL.build(scheme=request.scheme if request.scheme in ("http", "https") else "http", host=host, port=cfg.rasa_port)


def content_security_policy(rasa: URL) -> str:
    origin = str(rasa.origin())
    websocket = origin.replace("http", "ws", 1)  # http->ws, https->wss
    return "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        f"connect-src 'self' {origin} {websocket}",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


async def demo_page(request: web.Request) -> web.Response:
    cfg = request.app[SETTINGS_KEY]
    rasa = public_rasa_url(cfg, request)
    page = request.app[_PAGE_KEY].replace("{{RASA_URL}}", html.escape(str(rasa).rstrip("/"), quote=True))
    headers = {
        **COMMON_HEADERS,
        "Content-Security-Policy": content_security_policy(rasa),
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    return web.Response(text=page, content_type="text/html", charset="utf-8", headers=headers)


def _file_under(folder: Path, relative: str) -> Path | None:
    """``relative`` inside ``folder`` if it is a servable file there (no dot-files, no escape)."""
    parts = relative.split("/")
    if any(not part or part.startswith(".") or "\\" in part for part in parts):
        return None
    path = (folder / relative).resolve()
    if not path.is_relative_to(folder.resolve()) or path.suffix not in CONTENT_TYPES or not path.is_file():
        return None
    return path


def _file_response(path: Path | None, headers: dict[str, str]) -> web.StreamResponse:
    if path is None:
        raise web.HTTPNotFound(headers={"X-Content-Type-Options": "nosniff"})
    return web.FileResponse(path, headers={**headers, "Content-Type": CONTENT_TYPES[path.suffix]})


async def widget_file(request: web.Request) -> web.StreamResponse:
    return _file_response(_file_under(WIDGET_DIR, request.match_info["path"]), WIDGET_HEADERS)


async def demo_file(request: web.Request) -> web.StreamResponse:
    return _file_response(_file_under(DEMO_DIR, request.match_info["path"]), COMMON_HEADERS)


def register(app: web.Application) -> None:
    app[_PAGE_KEY] = DEMO_PAGE.read_text(encoding="utf-8")
    app.router.add_get("/", demo_page)
    app.router.add_get("/demo/{path:.+}", demo_file)
    app.router.add_get("/widget/{path:.+}", widget_file)
