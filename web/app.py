"""The project's web service (aiohttp, port ``WEB_PORT``): the widget demo page and its assets,
and the staff console with its JSON API under ``/api``.

Each part registers its own routes; this module only composes them.
"""
from __future__ import annotations

from aiohttp import web

from core.settings import Settings, settings as process_settings

SETTINGS_KEY = web.AppKey("settings", Settings)


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_app(cfg: Settings | None = None) -> web.Application:
    from web import demo, staff  # here: both import SETTINGS_KEY from this module

    app = web.Application(client_max_size=12 * 1024 * 1024)  # uploads are capped at 10 MB by the staff API
    app[SETTINGS_KEY] = cfg or process_settings()
    app.router.add_get("/healthz", healthz)
    for part in (demo, staff):  # the demo page and widget; the staff console and API
        part.register(app)
    return app
