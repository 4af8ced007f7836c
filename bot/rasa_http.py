"""The request-size limit of the Rasa server's web app (Sanic).

Sanic read request bodies up to 100 MB; one 30 MB REST message made every later turn of its
conversation fail. Here a body over ``MAX_REQUEST_BYTES`` (REST, socket.io long-polling, the
WeChat webhooks) gets 413 with a Chinese sentence before it is read.
"""
from __future__ import annotations

from typing import Any

import rasa.server
from sanic import Sanic
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.connectors.inbound import InvalidInput
from bot.connectors.rest import refusal
from core.settings import Settings

_rasa_configure_cors = rasa.server.configure_cors


def configure_cors_and_limits(cfg: Settings, app: Sanic, cors_origins: Any = None) -> None:
    """Replaces ``rasa.server.configure_cors`` (called for every Rasa app, with or without API):
    Rasa's CORS, then the size limit."""
    _rasa_configure_cors(app, cors_origins)
    app.config.REQUEST_MAX_SIZE = cfg.max_request_bytes
    too_large = InvalidInput("too_large", 413, f"请求过大：请求体不能超过 {cfg.max_request_bytes // 1024} KB，请缩短消息后再发送。")

    async def refuse_too_large(_request: Request, _exception: Exception) -> HTTPResponse:
        return refusal(too_large)

    app.error_handler.add(PayloadTooLarge, refuse_too_large)
