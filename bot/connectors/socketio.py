"""Rasa's socket.io channel with working session persistence (the web widget's channel).

Rasa 3.6's ``SocketIOInput`` calls ``sio.enter_room`` without ``await``; with python-socketio 5.x
that is a coroutine, so the socket never joins the session's room and replies (emitted to the
room) never arrive (RasaHQ/rasa#13027). This subclass keeps Rasa's connect/JWT handling and health
route and replaces the two handlers that matter:

* ``session_request``: joins the session's room (awaited), leaving any earlier session's room, and
  confirms the id. An id the server did not issue (not 32 hex digits) is replaced by a new one, so
  a client cannot pick another channel's sender id.
* ``user_uttered``: a socket that sends a valid session id joins that room if it has not yet (a
  reconnecting client may speak before its ``session_request`` is handled: handlers run
  concurrently). The message and metadata are checked and cleaned as the REST channel's are
  (:mod:`bot.connectors.inbound`: lone surrogates, control characters, length, metadata size).
  A message that cannot be processed, or whose turn fails or produces nothing, is answered with
  an ``error_evt`` event ``{"code": ..., "message": ...}`` instead of being dropped silently.

Notices of the session's cases (staff changed the status or replied) are sent before the answer to
a message and when a widget resumes its session; a ``session_request`` may also name, as
``filed_in``, up to 10 earlier sessions of the same widget in which it filed something (it keeps
them beside 我的办件), whose notices are then sent to the new session (:mod:`bot.connectors.notices`).

Engine.IO refuses packets over ``MAX_REQUEST_BYTES`` (it closes that client's connection).

Registered in credentials.yml by module path; ``name()`` stays ``socketio``, so the engine.io path
stays ``/socket.io`` and the tracker records ``input_channel: socketio``.
"""
from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint
from socketio import AsyncServer

from bot.connectors import inbound
from bot.connectors.notices import send_pending
from core.settings import settings

logger = logging.getLogger(__name__)

# Session ids are issued by the server as uuid4().hex; only that shape is accepted back.
SESSION_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
MAX_FILED_SESSIONS = 10  # earlier sessions a session_request may name for their case notices
ERROR_EVENT = "error_evt"
ERRORS = {
    **inbound.MESSAGES,
    "missing_session_id": "消息缺少 session_id：请先发送 session_request，并在每条消息中带上 session_confirm 返回的 session_id。",
    "invalid_session_id": "session_id 无效：请发送 session_request 获取新的会话编号。",
    "invalid_message": "消息格式不正确：应为 {\"message\": \"文本\", \"session_id\": \"会话编号\"}。",
}


def new_session_id() -> Text:
    return uuid.uuid4().hex


def is_valid_session_id(value: Any) -> bool:
    return isinstance(value, str) and SESSION_ID_PATTERN.match(value) is not None


class PersistentSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, with custom payloads that cannot break a turn.

    Rasa passes a custom payload's keys to ``sio.emit(**payload)``: ``{"data": {...}}`` works, any
    other key raises ``TypeError`` after the action ran and the turn is lost. Here ``data`` is sent
    when present, otherwise the whole payload, always to the recipient's room only.
    """

    def __init__(self, sio: AsyncServer, bot_message_evt: Text, namespace: Optional[Text] = None) -> None:
        super().__init__(sio, bot_message_evt)
        self.namespace = namespace
        self.sent = 0  # messages emitted through this output (one turn's)

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        await self.sio.emit(self.bot_message_evt, response, room=socket_id, namespace=self.namespace)
        self.sent += 1

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        payload = json_message["data"] if "data" in json_message else json_message
        await self._send_message(recipient_id, payload)


class PersistentSocketIOInput(SocketIOInput):
    """``socketio`` channel whose sessions survive reconnects and page reloads."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def get_output_channel(self) -> Optional[PersistentSocketIOOutput]:
        if self.sio is None:
            return super().get_output_channel()  # warns, returns None
        return PersistentSocketIOOutput(self.sio, self.bot_message_evt, self.namespace)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # set by super().blueprint
        namespace = self.namespace
        cfg = settings()
        sio.eio.max_http_buffer_size = cfg.max_request_bytes

        async def send_error(sid: Text, code: Text) -> None:
            logger.warning("socket.io message from %s rejected: %s", sid, code)
            await sio.emit(ERROR_EVENT, {"code": code, "message": ERRORS[code]}, room=sid, namespace=namespace)

        async def join_session(sid: Text, session_id: Text) -> None:
            """Put the socket in exactly one session room (besides its own)."""
            for room in sio.rooms(sid, namespace=namespace):
                if room not in (sid, session_id):
                    await sio.leave_room(sid, room, namespace=namespace)
            if session_id not in sio.rooms(sid, namespace=namespace):
                await sio.enter_room(sid, session_id, namespace=namespace)

        async def send_notices(session_id: Text, resumed: bool, filed_in: Any) -> None:
            """The notices of a resumed session and of the earlier sessions the widget filed in."""
            output = PersistentSocketIOOutput(sio, self.bot_message_evt, namespace)
            earlier = filed_in[:MAX_FILED_SESSIONS] if isinstance(filed_in, list) else []
            sessions = [session_id] if resumed else []
            sessions += list(dict.fromkeys(s for s in earlier if is_valid_session_id(s) and s != session_id))
            for filed_session in sessions:
                await send_pending(filed_session, output, recipient=session_id)

        # Registering again for the same event replaces Rasa's handler.
        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: Text, data: Any = None, *_extra: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = requested if is_valid_session_id(requested) else new_session_id()
            if self.session_persistence:
                await join_session(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)
            logger.debug("socket %s uses session %s (requested: %s)", sid, session_id, requested)
            if self.session_persistence:
                await send_notices(session_id, resumed=session_id == requested,
                                   filed_in=data.get("filed_in") if isinstance(data, dict) else None)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: Text, data: Any = None, *_extra: Any) -> None:
            if not isinstance(data, dict):
                await send_error(sid, "invalid_message")
                return
            if self.session_persistence:
                session_id = data.get("session_id")
                if not session_id:
                    await send_error(sid, "missing_session_id")
                    return
                if not is_valid_session_id(session_id):
                    await send_error(sid, "invalid_session_id")
                    return
                await join_session(sid, session_id)
                sender_id = session_id
            else:
                sender_id = sid
            metadata = data.get(self.metadata_key)
            if isinstance(metadata, str):  # Rasa's channel accepts metadata as a JSON string too
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = []  # refused below
            try:
                text = inbound.message_text(data.get("message"), cfg.max_message_chars)
                metadata = inbound.metadata(metadata)
            except inbound.InvalidInput as problem:
                await send_error(sid, problem.code)
                return
            output_channel = PersistentSocketIOOutput(sio, self.bot_message_evt, namespace)
            notices = await send_pending(sender_id, output_channel)
            message = UserMessage(text, output_channel, sender_id, input_channel=self.name(), metadata=metadata)
            try:
                await on_new_message(message)
            except Exception:
                logger.exception("socket.io turn of %s failed", sender_id)
            if output_channel.sent <= notices:
                await send_error(sid, "unavailable")

        return blueprint

