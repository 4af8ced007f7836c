"""The action server (``python -m bot.action_server [--standby]``): rasa-sdk's app, reachable
only by the Rasa server.

``rasa run actions`` listens on every interface and runs any action on any tracker it is sent,
so anyone on the network could fill a form as any citizen or read what the actions read. Here
it listens on ``ACTION_BIND_HOST`` (loopback by default), answers no browser (no CORS), and
every route but ``/health`` requires the shared secret of :mod:`core.action_auth`.

It is also the one process holding the embedding model: the web service asks it for searches,
index builds and vectors (:mod:`bot.model_routes`). The model and the index are loaded before it
listens (a warm spare has them loaded too), not on the first question.
"""
from __future__ import annotations

import logging

from rasa_sdk import endpoint, utils
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from core import standby
from core.action_auth import HEADER, action_server_secret, is_authorised
from core.settings import Settings, settings

from bot.actions.services import services
from bot.model_routes import add_model_routes

ACTIONS_PACKAGE = "bot.actions"
OPEN_PATHS = frozenset({"/health"})
UNAUTHORISED = "未授权：动作服务器只接受助手 Rasa 服务器的请求。"

log = logging.getLogger(__name__)


def create_app(cfg: Settings) -> Sanic:
    """rasa-sdk's app with every action of :data:`ACTIONS_PACKAGE`, behind the shared secret."""
    secret = action_server_secret(cfg)
    app = endpoint.create_app(ACTIONS_PACKAGE, cors_origins=None)
    add_model_routes(app, lambda: services().knowledge)

    @app.middleware("request")
    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or is_authorised(request.headers.get(HEADER), secret):
            return None
        log.warning("refused a %s %s without the action server secret", request.method, request.path)
        return response.json({"error": UNAUTHORISED}, status=401)

    return app


def main() -> None:
    is_standby = standby.take_flag()
    cfg = settings()
    utils.configure_colored_logging(cfg.log_level)
    utils.update_sanic_log_level()
    app = create_app(cfg)
    services().knowledge.warm_up()  # load the model and the index, answer once, follow new versions
    if is_standby:
        app.register_listener(lambda _app, _loop: standby.wait_for_promotion(), "before_server_start")
    log.info("action server on %s:%s", cfg.action_bind_host, cfg.action_port)
    app.run(host=cfg.action_bind_host, port=cfg.action_port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
