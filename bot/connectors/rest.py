"""Rasa's REST channel (``POST /webhooks/rest/webhook``), safe for any client on the network.

Same URL, same request (``{"sender": …, "message": …, "metadata": {…}}``) and same reply (the
list of bot messages) as Rasa's ``rest`` channel, which this replaces in credentials.yml. What
changes:

* A body that is not a UTF-8 JSON object with a valid sender and a text message gets HTTP 400
  and ``{"code": …, "message": "<中文说明>"}`` (Rasa answered 500 with a traceback, or an empty
  200); the checks are :mod:`bot.connectors.inbound`'s. Bodies over ``MAX_REQUEST_BYTES`` get
  413 from the server (:mod:`bot.rasa_http`).
* The sender id is namespaced: conversation ``rest:<sender>``. Every channel's ids are disjoint
  (``wechat:<OpenID>``, ``wecom:<UserID>``, socket.io's server-issued 32 hex digits), so a REST
  client can never continue a WeChat citizen's conversation by naming it. Replies still carry
  the sender the client sent as ``recipient_id``.
* The input channel is always ``rest`` (Rasa let the client choose it).
* An optional ``"message_id"`` (1–64 letters, digits, ``._:-``) names the message: a client that
  lost the reply sends it again with the same id and gets the replies of the first time, without
  the turn running twice (:mod:`bot.retried_messages`; ``make cluster`` behind nginx).
* A turn that fails (or produces nothing) is answered with a short apology instead of ``[]``.
  Message texts never go to the log.
* Notices of the conversation's cases (staff changed the status or replied) come first, each once
  (:mod:`bot.connectors.notices`).
* ``?stream=true`` gets the same messages in Rasa's streaming format (one JSON message per line),
  sent when the turn is complete.
"""
from __future__ import annotations

import asyncio
import functools
import json
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.connectors import inbound
from bot.retried_messages import ClientIdentifiedMessage
from bot.connectors.notices import send_pending
from core.settings import settings

logger = logging.getLogger(__name__)

SENDER_PREFIX = "rest:"
UNAVAILABLE = inbound.MESSAGES["unavailable"]


def conversation_id(sender: Text) -> Text:
    """The conversation (tracker) id of a REST client's sender id."""
    return SENDER_PREFIX + sender


@dataclass(frozen=True)
class RestTurn:
    sender: Text  # as the client sent it
    text: Text
    metadata: Dict[Text, Any]
    message_id: Optional[Text] = None  # chosen by the client, the same when it sends the message again

    @property
    def conversation_id(self) -> Text:
        return conversation_id(self.sender)


def _refuse_constant(name: Text) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_body(body: bytes) -> Dict[Text, Any]:
    """The request body as a JSON object, or :class:`inbound.InvalidInput`."""
    if not body.strip():
        raise inbound.InvalidInput("empty_body")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise inbound.InvalidInput("not_utf8") from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise inbound.InvalidInput("invalid_json") from None
    if not isinstance(data, dict):
        raise inbound.InvalidInput("not_object")
    return data


def read_turn(body: bytes, max_message_chars: int) -> RestTurn:
    data = parse_body(body)
    return RestTurn(
        sender=inbound.sender_id(data.get("sender")),
        text=inbound.message_text(data.get("message"), max_message_chars),
        metadata=inbound.metadata(data.get("metadata")),
        message_id=inbound.message_id(data.get("message_id")),
    )


def refusal(problem: inbound.InvalidInput) -> HTTPResponse:
    """The answer to a refused request: ``{"code", "message"}``, Chinese readable as sent."""
    return response.json(problem.as_dict(), status=problem.status, dumps=functools.partial(json.dumps, ensure_ascii=False))


def _as_client_sees_it(messages: List[Dict[Text, Any]], turn: RestTurn, notices: int = 0) -> List[Dict[Text, Any]]:
    """The turn's messages (after the ``notices`` first ones), or the apology when it has none,
    addressed to the sender the client sent (not the namespaced conversation id)."""
    apology = [{"recipient_id": turn.conversation_id, "text": UNAVAILABLE}] if len(messages) <= notices else []
    replies = messages + apology
    return [{**m, "recipient_id": turn.sender} if m.get("recipient_id") == turn.conversation_id else m
            for m in replies]


class GuardedRestInput(RestInput):
    """The ``rest`` channel for untrusted clients (see the module's description)."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        blueprint = Blueprint("guarded_rest_webhook", __name__)
        max_message_chars = settings().max_message_chars

        @blueprint.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                turn = read_turn(request.body, max_message_chars)
            except inbound.InvalidInput as problem:
                return refusal(problem)
            collector = CollectingOutputChannel()
            notices = await send_pending(turn.conversation_id, collector)
            try:
                message_class = ClientIdentifiedMessage if turn.message_id else UserMessage
                await on_new_message(message_class(
                    turn.text, collector, turn.conversation_id, input_channel=self.name(),
                    message_id=turn.message_id, metadata=turn.metadata,
                ))
            except asyncio.CancelledError:
                logger.error("REST turn of %s timed out", turn.conversation_id)
            except Exception:
                logger.exception("REST turn of %s failed", turn.conversation_id)
            messages = _as_client_sees_it(collector.messages, turn, notices)
            if bool_arg(request, "stream", default=False):  # Rasa's format: one JSON message per line
                return response.text("".join(json.dumps(m) + "\n" for m in messages), content_type="text/event-stream")
            return response.json(messages)

        return blueprint
