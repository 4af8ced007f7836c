"""``python cors_server.py PORT ORIGIN…``: a bare Sanic app set up by the Rasa server's own CORS
function (:func:`bot.rasa_http.configure_cors_and_limits`, given the origins as Rasa's ``--cors``
gives them). The suite's assistant allows any origin; configured origins are tried on this."""
from __future__ import annotations

import sys

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa_http import configure_cors_and_limits
from core.settings import settings
from tests.support.instance import REST_WEBHOOK_PATH

app = Sanic("cors_probe")


@app.get("/")
async def health(_request: Request) -> HTTPResponse:
    return response.json({"status": "ok"})


@app.post(REST_WEBHOOK_PATH)
async def webhook(_request: Request) -> HTTPResponse:
    return response.json([])


if __name__ == "__main__":
    configure_cors_and_limits(settings(), app, sys.argv[2:])
    app.run(host="127.0.0.1", port=int(sys.argv[1]), access_log=False)
