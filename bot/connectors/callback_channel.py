"""Tencent's XML callback protocol (WeChat Official Account, WeCom app) as a Rasa input channel.

What both channels share lives here: size cap, verified and decrypted bodies read safely, stale
and replayed callbacks refused, one conversation turn per callback however often it is retried, the answer given passively when the
assistant replies within the window (``WECHAT_REPLY_TIMEOUT``) and otherwise sent afterwards
through the platform's messaging API, buttons as numbered options, long answers split, case
notices sent at once through the API by a background poller (and, when that cannot reach the
citizen, before the answer to their next message; :mod:`bot.connectors.notices`).
A channel subclass supplies only the platform specifics (signatures and crypto, message parsing,
reply XML, the send API).
"""
from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Optional, Protocol

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy.messages import BaseMessage

from bot import log_privacy
from core.personal_data.masking import log_safe, pseudonym
from core.settings import Settings, settings as app_settings
from core.textnorm import cap_length, clean_whitespace

from .kvstore import open_store
from .ledger import CallbackLedger
from .notices import NoticePusher, send_pending
from .options import OptionMemory
from .outgoing import Outgoing, compose
from .replay import ReplayGuard
from .safe_xml import MAX_BODY_BYTES, CallbackXml, XmlRejected, read_callback_xml
from .tencent_api import TencentApiError
from .textparts import split_text

log = logging.getLogger(__name__)

UNSUPPORTED_REPLY = (
    "抱歉，我目前只能阅读文字消息，暂时无法处理图片、语音、视频、位置、链接或文件等内容。"
    "请您直接用文字描述问题，我会尽力为您解答。"
)
EMPTY_TEXT_REPLY = "您好，请用文字输入您想咨询的问题。"
APOLOGY_REPLY = "抱歉，系统暂时无法回复，请稍后再试。如遇紧急情况，请立即拨打110或120。"
# The greet intent, so a new follower gets the domain's welcome (utter_greet).
WELCOME_MESSAGE = "/greet"
WELCOME_EVENTS = frozenset({"subscribe", "subscribe_scan"})

_USER_ID = re.compile(r"^[A-Za-z0-9_\-@.]{1,128}$")
_MSG_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
_DIGITS = re.compile(r"^\d{1,20}$")


class Rejected(Exception):
    """A request answered with an HTTP error: ``status`` and a short reason (no secrets)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Envelope(Protocol):
    def seal(self, reply_xml: str) -> str:
        """The reply as sent back: as is, or encrypted and signed."""


class PlainEnvelope:
    def seal(self, reply_xml: str) -> str:
        return reply_xml


class EncryptedEnvelope:
    """Encrypts replies with wechatpy's ``WeChatCrypto`` (official account or WeCom flavour)."""

    def __init__(self, crypto: Any, nonce: str):
        self._crypto = crypto
        self._nonce = nonce

    def seal(self, reply_xml: str) -> str:
        return self._crypto.encrypt_message(reply_xml, self._nonce)


@dataclass(frozen=True)
class Callback:
    """One authenticated callback: its (decrypted) XML and how to wrap the reply."""

    xml: CallbackXml
    envelope: Envelope


@dataclass(frozen=True)
class Inbound:
    """What a callback asks of the assistant."""

    message: BaseMessage
    user_id: str
    callback_key: str
    rasa_text: str | None  # a conversation turn with this text ...
    local_reply: str  # ... or this answer without one (empty: no answer at all)


@dataclass
class _UserDeliveries:
    """The API deliveries to one citizen: one at a time (the lock is FIFO), while any is pending."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


def required_arg(request: Request, name: str) -> str:
    value = request.args.get(name)
    if not value:
        raise Rejected(403, f"缺少参数 {name}，签名校验失败")
    return value


class CallbackChannel(InputChannel):
    """Base of the WeChat and WeCom input channels; see the module docstring."""

    no_reply_body = "success"

    def __init__(self, settings: Settings):
        log_privacy.install()
        self.settings = settings
        self.store = open_store(settings.redis_url)
        # Prefix of this application's keys in the shared store (retries, options, access token).
        self.namespace = f"xinfang:{self.name()}:{self.account_id()}"
        self.ledger = CallbackLedger(self.store, self.namespace)
        self.replays = ReplayGuard(self.store, self.namespace, settings.wechat_replay_window)
        self.options = OptionMemory(self.store, self.namespace)
        self.reply_window = max(0.0, settings.wechat_reply_timeout)
        self.max_text_bytes = settings.wechat_text_max_bytes
        self._background: set[asyncio.Task[Any]] = set()
        # Answers to one citizen go out through the API one at a time, in the order of the turns.
        self._deliveries: dict[str, _UserDeliveries] = {}
        self.notice_pusher = NoticePusher(self.name(), self.send_text, settings.notice_poll_seconds)
        problem = self.configuration_problem()
        if problem:
            log.warning("%s channel not active: %s", self.name(), problem)

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> "CallbackChannel":
        """Configured from the settings (environment), not from credentials.yml."""
        return cls(app_settings())

    # --- platform specifics -------------------------------------------------------------

    def account_id(self) -> str:
        """The application's id (AppID, CorpID + AgentID): namespaces shared state."""
        raise NotImplementedError

    def configuration_problem(self) -> str | None:
        """Why the channel cannot work (a missing setting), or None."""
        raise NotImplementedError

    def verify_url(self, request: Request) -> str:
        """The answer to the URL verification GET; raises :class:`Rejected`."""
        raise NotImplementedError

    def open_callback(self, request: Request) -> Callback:
        """Check the signature and decrypt the body; raises :class:`Rejected`."""
        raise NotImplementedError

    def parse_message(self, xml_text: str) -> BaseMessage:
        raise NotImplementedError

    def text_reply(self, message: BaseMessage, content: str) -> str:
        """The passive text reply to ``message`` as plain XML."""
        raise NotImplementedError

    async def send_text(self, user_id: str, content: str) -> None:
        """Send one text message through the platform's API; raises TencentApiError."""
        raise NotImplementedError

    def handoff_reply(self, message: BaseMessage) -> str | None:
        """A passive reply handing the conversation to staff, where the platform has one."""
        return None

    async def close(self) -> None:
        await self.store.close()

    # --- shared protocol ------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        channel = Blueprint(f"{self.name()}_webhook")

        @channel.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "not configured" if self.configuration_problem() else "ok"})

        @channel.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            problem = self.configuration_problem()
            if problem:
                return response.text(problem, status=503)
            try:
                return response.text(self.verify_url(request))
            except Rejected as rejected:
                log.info("%s URL verification refused: %s", self.name(), rejected.reason)
                return response.text(rejected.reason, status=rejected.status)

        @channel.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                return await self._receive(request, on_new_message)
            except Rejected as rejected:
                log.info("%s callback refused (%s): %s", self.name(), rejected.status, rejected.reason)
                return response.text(rejected.reason, status=rejected.status)
            except Exception:  # noqa: BLE001 - a callback must never take the server down
                log.exception("%s callback failed", self.name())
                return response.text("服务器内部错误", status=500)

        @channel.listener("after_server_start")
        async def start_notices(*_: Any) -> None:
            if not self.configuration_problem():
                self.notice_pusher.start()

        @channel.listener("after_server_stop")
        async def close(*_: Any) -> None:
            await self.notice_pusher.stop()
            await self.close()

        return channel

    def _check_size(self, request: Request) -> None:
        declared = request.headers.get("content-length", "")
        if (declared.isdigit() and int(declared) > MAX_BODY_BYTES) or len(request.body or b"") > MAX_BODY_BYTES:
            raise Rejected(413, f"请求体过大（上限 {MAX_BODY_BYTES // 1024} KB）")

    async def _receive(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.reply_window
        problem = self.configuration_problem()
        if problem:
            return response.text(problem, status=503)
        self._check_size(request)
        callback = self.open_callback(request)
        refusal = await self.replays.refusal(required_arg(request, "timestamp"), required_arg(request, "nonce"),
                                             request.body or b"")
        if refusal:
            raise Rejected(403, refusal)
        inbound = self._read_inbound(callback.xml)
        if not await self.ledger.claim(inbound.callback_key):
            log.info("%s retry of a callback from %s: no second turn", self.name(), pseudonym(inbound.user_id))
            return self._http_reply(callback.envelope, await self.ledger.outcome(inbound.callback_key, deadline))
        reply_xml = await self._answer(inbound, on_new_message, deadline)
        await self.ledger.settle(inbound.callback_key, reply_xml)
        return self._http_reply(callback.envelope, reply_xml)

    def _http_reply(self, envelope: Envelope, reply_xml: str) -> HTTPResponse:
        if not reply_xml:
            return response.text(self.no_reply_body)
        return response.text(envelope.seal(reply_xml), content_type="application/xml; charset=utf-8")

    def _read_inbound(self, xml: CallbackXml) -> Inbound:
        fields = xml.fields
        user_id = fields.get("FromUserName", "")
        if not _USER_ID.match(user_id):
            raise Rejected(400, "消息格式错误：FromUserName 无效")
        try:
            message = self.parse_message(xml.text)
        except Exception as exc:  # noqa: BLE001 - wechatpy raises KeyError/ValueError/... on odd input
            raise Rejected(400, "消息格式错误") from exc
        msg_type = fields.get("MsgType", "").lower()
        msg_id = fields.get("MsgId", "")
        if msg_type != "event" and msg_id:
            if not _MSG_ID.match(msg_id):
                raise Rejected(400, "消息格式错误：MsgId 无效")
            callback_key = f"msg:{msg_id}"
        else:
            created = fields.get("CreateTime", "")
            if not _DIGITS.match(created):
                raise Rejected(400, "消息格式错误：CreateTime 无效")
            event = re.sub(r"[^a-z_]", "", fields.get("Event", "").lower())[:32]
            callback_key = f"evt:{user_id}:{created}:{event}"
        if msg_type == "event":
            welcome = fields.get("Event", "").lower() in WELCOME_EVENTS
            return Inbound(message, user_id, callback_key, WELCOME_MESSAGE if welcome else None, "")
        if msg_type == "text":
            text = cap_length(clean_whitespace(getattr(message, "content", "") or ""), self.settings.max_message_chars)
            if text:
                return Inbound(message, user_id, callback_key, text, "")
            return Inbound(message, user_id, callback_key, None, EMPTY_TEXT_REPLY)
        return Inbound(message, user_id, callback_key, None, UNSUPPORTED_REPLY)

    async def _answer(self, inbound: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                      deadline: float) -> str:
        """The passive reply XML ("" for none); starts the later delivery when the turn is slow."""
        if inbound.rasa_text is None:
            return self.text_reply(inbound.message, inbound.local_reply) if inbound.local_reply else ""
        text = await self.options.resolve(inbound.user_id, inbound.rasa_text)
        turn = asyncio.ensure_future(self._run_turn(on_new_message, inbound, text))
        remaining = deadline - asyncio.get_running_loop().time()
        # No time left (or a zero window): deferred without yielding, so a fast turn cannot sneak in.
        done = (await asyncio.wait({turn}, timeout=remaining))[0] if remaining > 0 else set()
        if not done:
            log.info("%s answer for %s later than %.1f s: sending it through the API",
                     self.name(), pseudonym(inbound.user_id), self.reply_window)
            self._in_background(self._deliver_later(turn, inbound))
            return ""
        return await self._reply_now(inbound, turn.result())

    async def _run_turn(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], inbound: Inbound,
                        text: str) -> Outgoing:
        collector = CollectingOutputChannel()
        conversation = f"{self.name()}:{inbound.user_id}"
        notices = await send_pending(conversation, collector)
        try:
            await on_new_message(UserMessage(
                text, collector, sender_id=conversation, input_channel=self.name(),
                message_id=f"{self.name()}:{inbound.callback_key}",
            ))
        except Exception:  # noqa: BLE001 - the citizen gets an apology instead of silence
            log.exception("%s conversation turn failed", self.name())
            return compose([*collector.messages[:notices], {"text": APOLOGY_REPLY}])
        return compose(collector.messages)

    async def _reply_now(self, inbound: Inbound, outgoing: Outgoing) -> str:
        await self.options.remember(inbound.user_id, outgoing.options)
        parts = split_text(outgoing.text, self.max_text_bytes)
        handoff = self.handoff_reply(inbound.message) if outgoing.handoff else None
        if handoff:
            await self._send_parts(inbound.user_id, parts)
            return handoff
        if len(parts) == 1:
            return self.text_reply(inbound.message, parts[0])
        if parts:
            # One passive reply holds one message: several parts all go through the API, in order.
            self._in_background(self._send_parts(inbound.user_id, parts))
        return ""

    async def _deliver_later(self, turn: "asyncio.Future[Outgoing]", inbound: Inbound) -> None:
        outgoing = await turn
        await self.options.remember(inbound.user_id, outgoing.options)
        if outgoing.handoff and self.handoff_reply(inbound.message):
            log.info("%s handoff for %s not transferred: the reply window had passed",
                     self.name(), pseudonym(inbound.user_id))
        await self._send_parts(inbound.user_id, split_text(outgoing.text, self.max_text_bytes))

    async def _send_parts(self, user_id: str, parts: list[str]) -> None:
        if not parts:
            return
        queue = self._deliveries.setdefault(user_id, _UserDeliveries())
        queue.users += 1
        try:
            async with queue.lock:
                for number, part in enumerate(parts, 1):
                    try:
                        await self.send_text(user_id, part)
                    except TencentApiError as exc:
                        log.error("%s could not send part %d/%d to %s: errcode=%s %s",
                                  self.name(), number, len(parts), pseudonym(user_id), exc.errcode, log_safe(exc.errmsg))
                        return
        finally:
            queue.users -= 1
            if not queue.users:
                del self._deliveries[user_id]

    def _in_background(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)

        def finished(done: "asyncio.Task[None]") -> None:
            self._background.discard(done)
            if not done.cancelled() and done.exception() is not None:
                log.error("%s background delivery failed", self.name(), exc_info=done.exception())

        task.add_done_callback(finished)


def read_xml_or_reject(body: bytes | str) -> CallbackXml:
    """:func:`read_callback_xml`, with a refusal as HTTP 400."""
    try:
        return read_callback_xml(body)
    except XmlRejected as exc:
        raise Rejected(400, f"消息格式错误：{exc}") from exc


def open_encrypted_callback(request: Request, crypto: Any, identity_error: type[Exception]) -> Callback:
    """Verify and decrypt a safe-mode callback (``Encrypt`` in the body, ``msg_signature`` in the
    query) with wechatpy's crypto for WeChat or WeCom; ``identity_error`` is that crypto's
    wrong-AppID / wrong-CorpID exception. A bad signature is 403, a malformed body 400."""
    from wechatpy.exceptions import InvalidSignatureException

    msg_signature = required_arg(request, "msg_signature")
    timestamp, nonce = required_arg(request, "timestamp"), required_arg(request, "nonce")
    outer = read_xml_or_reject(request.body)
    encrypted_part = outer.fields.get("Encrypt")
    if not encrypted_part:
        raise Rejected(400, "消息格式错误：缺少 Encrypt")
    try:
        plain = crypto.decrypt_message({"Encrypt": encrypted_part}, msg_signature, timestamp, nonce)
    except (InvalidSignatureException, identity_error):
        raise Rejected(403, "签名校验失败") from None
    except Exception:  # noqa: BLE001 - bad base64, padding or length inside a signed body
        raise Rejected(400, "消息解密失败") from None
    return Callback(read_xml_or_reject(plain), EncryptedEnvelope(crypto, nonce))
