"""The project's web service (aiohttp, port ``WEB_PORT``): the widget demo page and its assets,
the staff console with its JSON API under ``/api``, and the assistant's health (``/healthz``).

Each part registers its own routes; this module only composes them.
"""
from __future__ import annotations

from aiohttp import web

from core.settings import Settings, settings as process_settings

SETTINGS_KEY = web.AppKey("settings", Settings)


def create_app(cfg: Settings | None = None) -> web.Application:
    from web import demo, health, staff  # here: they import SETTINGS_KEY from this module

    app = web.Application(client_max_size=12 * 1024 * 1024)  # uploads are capped at 10 MB by the staff API
    app[SETTINGS_KEY] = cfg or process_settings()
    for part in (health, demo, staff):  # health; the demo page and widget; the staff console and API
        part.register(app)
    return app
