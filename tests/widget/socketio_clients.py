"""Two ways to talk to Rasa's socketio channel from tests, both against the real server.

* :class:`PollingClient`: python-socketio's ``AsyncClient`` (installed with Rasa) on the
  long-polling transport; its WebSocket transport needs aiohttp>=3.10 (``ClientWSTimeout``) and
  the project pins aiohttp 3.9.
* :class:`WebSocketClient`: Engine.IO v4 / Socket.IO v5 frames over a raw aiohttp WebSocket, the
  transport the widget uses.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any, Callable

import aiohttp
import socketio

REPLY_TIMEOUT = 90  # seconds; a guard against hanging, not a measurement

Event = tuple[str, Any]


def has_text(fragment: str) -> Callable[[Event], bool]:
    return lambda event: event[0] == "bot_uttered" and fragment in str((event[1] or {}).get("text", ""))


def is_event(name: str) -> Callable[[Event], bool]:
    return lambda event: event[0] == name


class _Events:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[Event] = asyncio.Queue()

    async def until(self, predicate: Callable[[Event], bool], timeout: float = REPLY_TIMEOUT) -> list[Event]:
        """All events up to and including the first one matching ``predicate``."""
        seen: list[Event] = []

        async def collect() -> list[Event]:
            while True:
                event = await self.queue.get()
                seen.append(event)
                if predicate(event):
                    return seen

        try:
            return await asyncio.wait_for(collect(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"no matching event within {timeout}s; received: {seen!r}") from None


class PollingClient(_Events):
    def __init__(self) -> None:
        super().__init__()
        self.sio = socketio.AsyncClient(reconnection=False)
        for name in ("session_confirm", "bot_uttered", "error_evt"):
            self.sio.on(name, self._recorder(name))

    def _recorder(self, name: str) -> Callable[[Any], None]:
        return lambda data=None: self.queue.put_nowait((name, data))

    async def connect(self, rasa_url: str) -> "PollingClient":
        await self.sio.connect(rasa_url, transports=["polling"], socketio_path="socket.io")
        return self

    async def emit(self, event: str, data: Any) -> None:
        await self.sio.emit(event, data)

    async def request_session(self, session_id: str | None) -> str:
        await self.emit("session_request", {"session_id": session_id})
        return (await self.until(is_event("session_confirm")))[-1][1]

    async def close(self) -> None:
        """Disconnect as ``sio.disconnect()`` does, without its wait for the pending long-poll
        request, which the server answers only at its next ping (25 s, for every client)."""
        engine = self.sio.eio
        posting = engine.write_loop_task
        disconnecting = asyncio.ensure_future(self.sio.disconnect())
        if posting is not None:  # the DISCONNECT and CLOSE packets go out first
            await asyncio.wait_for(asyncio.shield(posting), REPLY_TIMEOUT)
        if engine.http is not None:
            await engine.http.close()  # ends the pending long-poll request
        await asyncio.wait_for(disconnecting, REPLY_TIMEOUT)


class WebSocketClient(_Events):
    def __init__(self) -> None:
        super().__init__()
        self.http = aiohttp.ClientSession()
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task[None] | None = None

    async def connect(self, rasa_url: str) -> "WebSocketClient":
        url = rasa_url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await self.http.ws_connect(url)
        opening = await self.ws.receive_str(timeout=REPLY_TIMEOUT)
        assert opening.startswith("0") and "pingInterval" in json.loads(opening[1:]), opening
        await self.ws.send_str("40")  # Socket.IO CONNECT, default namespace
        connected = await self.ws.receive_str(timeout=REPLY_TIMEOUT)
        assert connected.startswith("40"), connected
        self.reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.ws is not None
        async for frame in self.ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                break
            text = frame.data
            if text == "2":  # Engine.IO ping: answer or the server drops us
                await self.ws.send_str("3")
            elif text.startswith("42"):
                name, *args = json.loads(text[2:])
                self.queue.put_nowait((name, args[0] if args else None))

    async def emit(self, event: str, data: Any) -> None:
        assert self.ws is not None
        await self.ws.send_str("42" + json.dumps([event, data]))

    async def request_session(self, session_id: str | None) -> str:
        await self.emit("session_request", {"session_id": session_id})
        return (await self.until(is_event("session_confirm")))[-1][1]

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await self.reader
        await self.http.close()
