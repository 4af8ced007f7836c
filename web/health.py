"""Health of the assistant, for monitoring and load balancers.

* ``GET /livez``: this web service answers (the supervisor's start-up check).
* ``GET /healthz``: every server: ``{"status": "ok" | "degraded", "services": {"web": "ok",
  "rasa": "ok" | "down", "actions": "ok" | "down"}}``, HTTP 200 when all are up, else 503. The
  Rasa server and the action server are asked directly (their own health routes, 2 s each), so
  the answer holds however they were started.
"""
from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from web.app import SETTINGS_KEY

PROBE_TIMEOUT = aiohttp.ClientTimeout(total=2)


async def livez(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _answers(session: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with session.get(url) as response:
            return response.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return False


async def healthz(request: web.Request) -> web.Response:
    cfg = request.app[SETTINGS_KEY]
    probes = {"rasa": f"{cfg.rasa_url}/", "actions": f"{cfg.action_server_url}/health"}
    async with aiohttp.ClientSession(timeout=PROBE_TIMEOUT) as session:
        results = await asyncio.gather(*(_answers(session, url) for url in probes.values()))
    services = {"web": "ok", **{name: "ok" if up else "down" for name, up in zip(probes, results)}}
    healthy = all(state == "ok" for state in services.values())
    return web.json_response({"status": "ok" if healthy else "degraded", "services": services},
                             status=200 if healthy else 503)


def register(app: web.Application) -> None:
    app.router.add_get("/livez", livez)
    app.router.add_get("/healthz", healthz)
