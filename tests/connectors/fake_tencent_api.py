"""A real local HTTP server standing in for Tencent's API hosts (aiohttp, in its own thread).

It issues access tokens for the configured credentials only, accepts text messages only with a
token it issued (and within Tencent's 2048-byte text limit, like the real hosts: errcode 45002),
and records every message so tests can wait for what a citizen received. A test can make it
refuse every message to one user (Tencent's 48-hour window).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
from dataclasses import dataclass
from typing import Any

from aiohttp import web

TEXT_LIMIT_BYTES = 2048


@dataclass(frozen=True)
class Flavour:
    token_path: str
    token_params: tuple[str, str]  # names of the id and secret query parameters
    send_path: str


WECHAT = Flavour("/cgi-bin/token", ("appid", "secret"), "/cgi-bin/message/custom/send")
WECOM = Flavour("/cgi-bin/gettoken", ("corpid", "corpsecret"), "/cgi-bin/message/send")


class FakeTencentApi:
    def __init__(self, flavour: Flavour, port: int, app_id: str, secret: str, agent_id: int | None = None):
        self.flavour = flavour
        self.port = port
        self.app_id = app_id
        self.secret = secret
        self.agent_id = agent_id
        self.token_requests = 0
        self.sent: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self._issued: set[str] = set()
        self._serial = itertools.count(1)
        self._revoke_next_call = False
        self._refusals: dict[str, dict[str, Any]] = {}
        self._changed = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"fake-api-{port}", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- server ------------------------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        id_name, secret_name = self.flavour.token_params
        with self._changed:
            self.token_requests += 1
            if request.query.get(id_name) != self.app_id or request.query.get(secret_name) != self.secret:
                return web.json_response({"errcode": 40013, "errmsg": "invalid appid or secret"})
            token = f"token-{next(self._serial)}-{self.port}"
            self._issued.add(token)
        return web.json_response({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})

    async def _send(self, request: web.Request) -> web.Response:
        raw = await request.read()
        with self._changed:
            token = request.query.get("access_token", "")
            if self._revoke_next_call:
                self._revoke_next_call = False
                self._issued.discard(token)
            if token not in self._issued:
                return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
            try:
                payload = json.loads(raw.decode("utf-8"))
            except ValueError:
                return web.json_response({"errcode": 47001, "errmsg": "data format error"})
            problem = self._problem(payload)
            if problem:
                self.rejected.append(payload)
                self._changed.notify_all()
                return web.json_response(problem)
            self.sent.append(payload)
            self._changed.notify_all()
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    def _problem(self, payload: Any) -> dict[str, Any] | None:
        if not isinstance(payload, dict) or payload.get("msgtype") != "text" or not payload.get("touser"):
            return {"errcode": 47001, "errmsg": "data format error"}
        if payload["touser"] in self._refusals:
            return self._refusals[payload["touser"]]
        if self.agent_id is not None and payload.get("agentid") != self.agent_id:
            return {"errcode": 40056, "errmsg": "invalid agentid"}
        content = (payload.get("text") or {}).get("content")
        if not isinstance(content, str) or not content:
            return {"errcode": 44003, "errmsg": "empty content"}
        if len(content.encode("utf-8")) > TEXT_LIMIT_BYTES:
            return {"errcode": 45002, "errmsg": "content size out of limit"}
        return None

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_get(self.flavour.token_path, self._token)
        app.router.add_post(self.flavour.send_path, self._send)
        runner = web.AppRunner(app)
        self._loop.run_until_complete(runner.setup())
        self._loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.run_until_complete(runner.cleanup())
            self._loop.close()

    def start(self) -> "FakeTencentApi":
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError(f"fake API on port {self.port} did not start")
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)

    # --- for tests ---------------------------------------------------------------------------

    def revoke_token_on_next_call(self) -> None:
        """The next send is refused with 40001 (token invalidated), as after a refresh elsewhere."""
        with self._changed:
            self._revoke_next_call = True

    def refuse(self, user: str, errcode: int, errmsg: str) -> None:
        """Every message to ``user`` is refused with ``errcode`` (45015: the 48-hour window is closed)."""
        with self._changed:
            self._refusals[user] = {"errcode": errcode, "errmsg": errmsg}

    def wait_for_refusal(self, user: str, fragment: str, timeout: float = 90) -> None:
        """Until a refused text to ``user`` contains ``fragment`` (the timeout is a safety net)."""
        def refused() -> bool:
            return any(p.get("touser") == user and fragment in (p.get("text") or {}).get("content", "")
                       for p in self.rejected)
        with self._changed:
            assert self._changed.wait_for(refused, timeout), f"nothing containing {fragment!r} was refused to {user}"

    def texts_to(self, user: str) -> list[str]:
        with self._changed:
            return self._texts(user)

    def wait_for_text(self, user: str, fragment: str, timeout: float = 90) -> list[str]:
        """All texts sent to ``user`` once one contains ``fragment`` (the timeout is a safety net)."""
        with self._changed:
            arrived = self._changed.wait_for(lambda: any(fragment in text for text in self._texts(user)), timeout)
            texts = self._texts(user)
        assert arrived, f"no text containing {fragment!r} reached {user}; got {texts} (refused: {self.rejected})"
        return texts

    def _texts(self, user: str) -> list[str]:
        return [p["text"]["content"] for p in self.sent if p.get("touser") == user]
