"""Hostile socket.io clients against the running assistant (issue 12 item 1, issue 16 item 9):
raw Engine.IO/Socket.IO frames over a WebSocket, as the widget's transport carries them."""
from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from tests.hardening.hostile import servers_up, stored_user_texts
from tests.support.stack import RunningAssistant
from tests.widget.socketio_clients import WebSocketClient, has_text, is_event

pytestmark = pytest.mark.server
GREETING = "您好！我是信访与人民建议智能助手"


async def new_session(assistant: RunningAssistant) -> tuple[WebSocketClient, str]:
    client = await WebSocketClient().connect(assistant.rasa_url)
    return client, await client.request_session(None)


@pytest.mark.parametrize(("message", "stored"), [
    ("你好\udfff", "你好\ufffd"), ("你好\ud83d", "你好\ufffd"), ("你好\x00\x1b[2J", "你好[2J"),
], ids=["low-surrogate", "high-surrogate", "control"])
async def test_a_message_with_lone_surrogates_or_control_characters_gets_its_answer(
        assistant: RunningAssistant, message: str, stored: str) -> None:
    client, session_id = await new_session(assistant)
    try:
        await client.emit("user_uttered", {"message": message, "session_id": session_id})  # sent as \udfff escapes
        await client.until(has_text(GREETING))
    finally:
        await client.close()
    assert stored_user_texts(assistant, session_id) == [stored]


@pytest.mark.parametrize(("payload", "code"), [
    ({"message": " \x00 "}, "empty_message"),
    ({"message": 42}, "invalid_message"),
    ({"message": "你好", "metadata": {"a": float("nan")}}, "metadata_too_large"),
    ({"message": "你好", "metadata": {"a": [[[[["深"]]]]]}}, "metadata_too_large"),
    ({"message": "你好", "metadata": {"blob": "x" * 5000}}, "metadata_too_large"),
    ({"message": "你好", "metadata": [1]}, "invalid_metadata"),
], ids=["blank", "number", "nan", "deep", "large", "list"])
async def test_a_message_that_cannot_be_processed_gets_an_error_event(
        assistant: RunningAssistant, payload: dict[str, Any], code: str) -> None:
    client, session_id = await new_session(assistant)
    try:
        await client.emit("user_uttered", {**payload, "session_id": session_id})
        error = (await client.until(is_event("error_evt")))[-1][1]
        assert error["code"] == code and error["message"]
    finally:
        await client.close()


async def test_a_long_message_is_answered_and_stored_cut_to_the_limit(assistant: RunningAssistant) -> None:
    client, session_id = await new_session(assistant)
    question = "信访事项的办理期限是多久？"
    try:
        await client.emit("user_uttered", {"message": question + "情况说明。" * 1500 + question, "session_id": session_id})
        await client.until(is_event("bot_uttered"))
        await client.emit("user_uttered", {"message": question, "session_id": session_id})
        await client.until(has_text("60日"))
    finally:
        await client.close()
    first, _ = stored_user_texts(assistant, session_id)
    assert len(first) <= assistant.settings.max_message_chars and first.startswith(question) and first.endswith(question)


async def test_a_frame_over_the_limit_closes_only_that_connection(assistant: RunningAssistant) -> None:
    client, session_id = await new_session(assistant)
    try:
        await client.emit("user_uttered", {"message": "长" * 100_000, "session_id": session_id})  # 600 KB escaped
        assert client.reader is not None
        await asyncio.wait_for(client.reader, 30)  # the server closes the connection
    except (aiohttp.ClientError, ConnectionError):
        pass
    finally:
        await client.close()
    assert servers_up(assistant) == {"rasa": True, "actions": True, "web": True}
    again, session_id = await new_session(assistant)
    try:
        await again.emit("user_uttered", {"message": "你好", "session_id": session_id})
        await again.until(has_text(GREETING))
    finally:
        await again.close()
