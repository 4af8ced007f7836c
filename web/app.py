"""The project's web service (aiohttp, port ``WEB_PORT``): the widget demo page and its assets,
the staff console with its JSON API under ``/api``, and the assistant's health (``/healthz``).

Each part registers its own routes; this module only composes them.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from core.settings import Settings, settings as process_settings

SETTINGS_KEY = web.AppKey("settings", Settings)
# The model holder the staff side asks for searches, builds and vectors (web.staff.search.KnowledgeBackend).
KNOWLEDGE_KEY = web.AppKey("knowledge", Any)


def create_app(cfg: Settings | None = None, knowledge: Any = None) -> web.Application:
    """``knowledge``: by default the action server over local HTTP (:class:`index.model_client.RemoteKnowledge`);
    the web service never loads the embedding model itself."""
    from web import demo, health, staff  # here: they import SETTINGS_KEY from this module

    app = web.Application(client_max_size=12 * 1024 * 1024)  # uploads are capped at 10 MB by the staff API
    app[SETTINGS_KEY] = cfg = cfg or process_settings()
    if knowledge is None:
        from index.model_client import RemoteKnowledge

        knowledge = RemoteKnowledge(cfg)
    app[KNOWLEDGE_KEY] = knowledge
    for part in (health, demo, staff):  # health; the demo page and widget; the staff console and API
        part.register(app)
    return app
