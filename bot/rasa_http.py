"""CORS and the request-size limit of the Rasa server's web app (Sanic).

Rasa allows every origin *with credentials*: it echoes any ``Origin`` with
``Access-Control-Allow-Credentials: true``. Here only ``CORS_ORIGINS`` are allowed (``*``: any
origin, answered with a literal ``*``), never with credentials: the assistant sets no cookies, so
no page needs them, and no other site's page can act in a visitor's name.

Sanic read request bodies up to 100 MB; one 30 MB REST message made every later turn of its
conversation fail. Here a body over ``MAX_REQUEST_BYTES`` (REST, socket.io long-polling, the
WeChat webhooks) gets 413 with a Chinese sentence before it is read.
"""
from __future__ import annotations

from typing import Any

from sanic import Sanic
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic_cors import CORS

from bot.connectors.inbound import InvalidInput
from bot.connectors.rest import refusal
from core.settings import Settings


def configure_cors_and_limits(cfg: Settings, app: Sanic, cors_origins: Any = None) -> None:
    """Replaces ``rasa.server.configure_cors`` (called for every Rasa app, with or without API);
    ``cors_origins`` is Rasa's ``--cors``: origins, or ``*`` for any."""
    origins = [cors_origins] if isinstance(cors_origins, str) else list(cors_origins or [])
    CORS(
        app,
        resources={r"/*": {"origins": "*" if "*" in origins else origins}},
        automatic_options=True,
        supports_credentials=False,
        send_wildcard=True,
    )
    app.config.REQUEST_MAX_SIZE = cfg.max_request_bytes
    too_large = InvalidInput("too_large", 413, f"请求过大：请求体不能超过 {cfg.max_request_bytes // 1024} KB，请缩短消息后再发送。")

    async def refuse_too_large(_request: Request, _exception: Exception) -> HTTPResponse:
        return refusal(too_large)

    app.error_handler.add(PayloadTooLarge, refuse_too_large)
