"""Channel behaviour that depends on settings the session's assistant does not use.

The real channel classes are served by an in-process Sanic server (the same framework Rasa runs
them in). These cases need no dialogue, except the customer-service transfer: there the
assistant's side is played by a function that sends exactly what ``bot/actions/handoff.py``
sends (its text, then its handoff payload), since the session's assistant runs with the
transfer switched off.
"""
from __future__ import annotations

import asyncio
import threading
import time
import uuid
from contextlib import contextmanager
from typing import Any, Awaitable, Callable, Iterator

import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot.actions.handoff import HANDOFF_PAYLOAD
from bot.connectors.callback_channel import CallbackChannel
from bot.connectors.wechat import WeChatInput
from bot.connectors.wecom import WeComInput
from core.settings import load_settings
from tests.support import shared_env
from tests.support.stack import free_port

from .fake_tencent_api import WECHAT, FakeTencentApi
from .tencent_peer import WeChatPeer, http, message_xml, new_msg_id, new_user_id
from .test_safe_xml import BILLION_LAUGHS, XXE

Handler = Callable[[UserMessage], Awaitable[Any]]
PLAIN_ENV = {**shared_env.ENV, "WECHAT_AES_KEY": ""}  # an Official Account in plain mode


async def assistant_never_called(message: UserMessage) -> None:
    raise AssertionError(f"no turn expected, got {message.text!r}")


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lets several Sanic apps start in one process (TouchUp then rewrites the original methods)."""
    monkeypatch.setattr(Sanic, "test_mode", True)


@contextmanager
def serving(channel: CallbackChannel, on_new_message: Handler = assistant_never_called) -> Iterator[str]:
    """The channel mounted as Rasa mounts it, on a free port, in a thread; yields the base URL."""
    app = Sanic(f"channel_test_{uuid.uuid4().hex[:8]}")
    app.blueprint(channel.blueprint(on_new_message), url_prefix=f"/webhooks/{channel.name()}")
    port = free_port()
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, Any] = {}

    def serve() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(app.create_server(host="127.0.0.1", port=port,
                                                           return_asyncio_server=True))
        loop.run_until_complete(server.startup())
        holder["server"] = server
        started.set()
        loop.run_forever()
        loop.run_until_complete(server.close())
        loop.run_until_complete(channel.close())
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(30), "in-process Sanic server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)


@pytest.mark.parametrize("channel_class", [WeChatInput, WeComInput])
def test_an_unconfigured_channel_answers_503_with_the_missing_setting(channel_class: type[CallbackChannel]) -> None:
    channel = channel_class(load_settings({}))
    with serving(channel) as base:
        url = f"{base}/webhooks/{channel.name()}/webhook"
        for result in (http("GET", url), http("POST", url, body=b"<xml/>")):
            assert result.status == 503
            assert "_TOKEN" in result.body and "尚未配置" in result.body
        assert "not configured" in http("GET", f"{base}/webhooks/{channel.name()}/").body


@pytest.mark.parametrize("channel_class, env", [
    (WeChatInput, {"WECHAT_TOKEN": "t", "WECHAT_APPID": "wx1", "WECHAT_AES_KEY": "too-short"}),
    (WeChatInput, {"WECHAT_TOKEN": "t", "WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}),
    (WeComInput, {"WECOM_TOKEN": "t", "WECOM_CORP_ID": "ww1", "WECOM_AES_KEY": "not a valid key!!"}),
])
def test_an_unusable_encryption_setting_is_named(channel_class: type[CallbackChannel], env: dict[str, str]) -> None:
    problem = channel_class(load_settings(env)).configuration_problem()
    assert problem and ("AES_KEY" in problem or "APPID" in problem)


def test_plain_mode_works_without_an_aes_key_and_encrypted_callbacks_are_then_refused() -> None:
    channel = WeChatInput(load_settings(PLAIN_ENV))
    with serving(channel) as base:
        peer = WeChatPeer(base, shared_env.ENV)
        user = new_user_id()
        image = message_xml(peer.account, user, "image", {"PicUrl": "https://x/y.jpg", "MediaId": "m"}, new_msg_id())
        unsupported = peer.reply_of(peer.post(image, "plain", user))
        assert unsupported is not None and unsupported["Content"].startswith("抱歉")
        assert peer.post(peer.text(user, "你好"), "aes", user).status == 503


@pytest.fixture
def transfer_api() -> Iterator[FakeTencentApi]:
    env = shared_env.ENV
    api = FakeTencentApi(WECHAT, free_port(), env["WECHAT_APPID"], env["WECHAT_SECRET"]).start()
    yield api
    api.stop()


async def assistant_hands_over(message: UserMessage) -> None:
    """What action_handoff sends: the human channels text, then the handoff payload."""
    await message.output_channel.send_text_message(message.sender_id, "需要人工服务的，您可以拨打 12345 市民服务热线。")
    await message.output_channel.send_custom_json(message.sender_id, HANDOFF_PAYLOAD)


@pytest.mark.parametrize("mode", ["plain", "aes"])
def test_with_transfer_on_the_text_goes_first_then_the_conversation_is_transferred(
        transfer_api: FakeTencentApi, mode: str) -> None:
    env = {**shared_env.ENV, "WECHAT_TRANSFER_TO_KF": "1", "WECHAT_API_BASE": transfer_api.base_url}
    if mode == "plain":
        env["WECHAT_AES_KEY"] = ""
    channel = WeChatInput(load_settings(env))
    with serving(channel, assistant_hands_over) as base:
        peer = WeChatPeer(base, shared_env.ENV)
        user = new_user_id()
        reply = peer.reply_of(peer.post(peer.text(user, "转人工"), mode, user), mode)
    assert reply is not None and reply["MsgType"] == "transfer_customer_service"
    assert reply["ToUserName"] == user
    # The text was sent (and accepted) before the transfer reply was given.
    assert transfer_api.texts_to(user) == ["需要人工服务的，您可以拨打 12345 市民服务热线。"]


def test_with_transfer_off_the_handoff_is_just_the_text(transfer_api: FakeTencentApi) -> None:
    env = {**PLAIN_ENV, "WECHAT_API_BASE": transfer_api.base_url}
    with serving(WeChatInput(load_settings(env)), assistant_hands_over) as base:
        peer = WeChatPeer(base, shared_env.ENV)
        reply = peer.reply_of(peer.post(peer.text(new_user_id(), "转人工"), "plain"))
    assert reply is not None and reply["MsgType"] == "text" and "12345" in reply["Content"]
    assert transfer_api.sent == []


class Recorder:
    """The assistant's side: records each turn's text and answers it."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    async def __call__(self, message: UserMessage) -> None:
        self.texts.append(message.text or "")
        await message.output_channel.send_text_message(message.sender_id, "收到")


def test_in_plain_mode_a_captured_signature_cannot_carry_another_body() -> None:
    recorder = Recorder()
    with serving(WeChatInput(load_settings(PLAIN_ENV)), recorder) as base:
        peer = WeChatPeer(base, shared_env.ENV)
        genuine = peer.request(peer.text(new_user_id(), "你好"), "plain")
        assert peer.reply_of(peer.send(genuine))["Content"] == "收到"
        assert peer.reply_of(peer.send(genuine))["Content"] == "收到"  # the same request again: a retry
        forged = peer.request(peer.text(new_user_id(), "伪造的消息"), "plain", timestamp=int(genuine.params["timestamp"]),
                              nonce=genuine.params["nonce"])
        assert forged.params["signature"] == genuine.params["signature"]  # plain mode signs no body
        refused = peer.send(forged)
        assert refused.status == 403 and "已用于另一条消息" in refused.body
    assert recorder.texts == ["你好"]


@pytest.mark.parametrize("payload", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
def test_entity_tricks_in_plain_mode_are_refused_and_never_expanded(payload: str) -> None:
    with serving(WeChatInput(load_settings(PLAIN_ENV))) as base:
        peer = WeChatPeer(base, shared_env.ENV)
        result = peer.post(peer.text(new_user_id(), "x"), "plain", body=payload)
    assert result.status == 400 and "root:" not in result.body and "lollol" not in result.body


def test_the_replay_window_is_a_setting() -> None:
    env = {**PLAIN_ENV, "WECHAT_REPLAY_WINDOW_SECONDS": "30"}
    channel = WeChatInput(load_settings(env))
    now = time.time()
    channel.replays._clock = lambda: now  # the server's clock stands still: a slow request changes no age
    with serving(channel, Recorder()) as base:
        peer = WeChatPeer(base, shared_env.ENV)
        assert peer.post(peer.text(new_user_id(), "你好"), "plain", timestamp=int(now) - 20).status == 200
        assert peer.post(peer.text(new_user_id(), "你好"), "plain", timestamp=int(now) - 40).status == 403
