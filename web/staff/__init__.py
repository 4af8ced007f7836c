"""The staff side of the web service: the knowledge console (``/staff/``) and its JSON API (``/api``).

Staff update what the assistant knows without restarting anything: documents are saved as
Markdown in ``KNOWLEDGE_DIR`` (every revision kept in ``<DATA_DIR>/knowledge_history``), the
index is rebuilt incrementally in the background, and the action server picks up the new
version by itself. See docs/staff-guide.md.

Modules: ``auth`` (tokens), ``validation`` (ids, documents), ``documents`` + ``history``
(repository, revisions), ``uploads`` (text extraction in a worker process, by
:mod:`web.extraction`), ``publishing`` (background builds),
``search`` (answer preview), ``audit`` (who did what), ``api`` and ``console`` (routes);
``desk`` is the case desk's API (submissions: assign, status, reply, extend; page ``/staff/desk``).
"""
from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from index.model_client import ModelServiceError
from web.app import KNOWLEDGE_KEY, SETTINGS_KEY

from . import api, console, desk
from .auth import FailedLogins
from .http import FAILED_LOGINS, ApiError
from .services import STAFF_KEY, create_services
from . import problems  # recurring problems (共性问题): /staff/problems and /api/problems/…
from . import unanswered  # unanswered questions (未解答问题): /staff/unanswered and /api/unanswered/…

log = logging.getLogger(__name__)


def register(app: web.Application) -> None:
    """Add the console, the API and the background publisher to ``app``."""
    app[STAFF_KEY] = create_services(app[SETTINGS_KEY], app[KNOWLEDGE_KEY])
    app.middlewares.append(_model_service_errors)
    app[FAILED_LOGINS] = FailedLogins()
    api.add_routes(app)
    desk.register(app)
    console.add_routes(app)
    problems.register(app)
    unanswered.register(app)
    app.on_startup.append(_start)
    app.on_cleanup.append(_stop)


@web.middleware
async def _model_service_errors(request: web.Request, handler):
    """The action server (which holds the model) unreachable or failing: a 503 in Chinese."""
    try:
        return await handler(request)
    except ModelServiceError as problem:
        log.warning("model holder unavailable for %s: %s", request.path, problem)
        raise ApiError(503, "model_unavailable", str(problem)) from problem


async def _start(app: web.Application) -> None:
    app[STAFF_KEY].publisher.start()


async def _stop(app: web.Application) -> None:
    services = app[STAFF_KEY]
    await asyncio.to_thread(services.publisher.stop)
    services.audit.close()
