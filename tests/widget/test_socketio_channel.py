"""The socketio channel with session persistence (bot/connectors/socketio.py), without a browser:
replies reach the client, a reconnecting client continues its conversation, and messages that
cannot be processed are answered with an error instead of being dropped."""
from __future__ import annotations

import re

import pytest

from tests.support.stack import RunningAssistant
from tests.widget.socketio_clients import PollingClient, WebSocketClient, has_text, is_event

pytestmark = pytest.mark.server
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


async def test_replies_arrive_and_a_reconnected_client_continues_the_same_conversation(assistant: RunningAssistant):
    first = await PollingClient().connect(assistant.rasa_url)
    try:
        session_id = await first.request_session(None)
        assert SESSION_ID.match(session_id)
        await first.emit("user_uttered", {"message": "/file_petition", "session_id": session_id})
        events = await first.until(has_text("如您同意"))
        consent = events[-1][1]
        assert [q["title"] for q in consent["quick_replies"]] == ["同意", "不同意"]
    finally:
        await first.close()

    second = await PollingClient().connect(assistant.rasa_url)
    try:
        assert await second.request_session(session_id) == session_id
        await second.emit("user_uttered", {"message": "同意", "session_id": session_id})
        # The form continues: after consent it asks for the name (a new conversation would not).
        await second.until(has_text("请问您的姓名"))
    finally:
        await second.close()


async def test_websocket_client_that_speaks_before_its_session_request_still_gets_replies(assistant: RunningAssistant):
    client = await WebSocketClient().connect(assistant.rasa_url)
    try:
        session_id = await client.request_session(None)
    finally:
        await client.close()

    reconnected = await WebSocketClient().connect(assistant.rasa_url)
    try:
        # No session_request on this connection: the message itself names the session.
        await reconnected.emit("user_uttered", {"message": "你好", "session_id": session_id})
        greeting = (await reconnected.until(has_text("您好")))[-1][1]
        assert "查询办理进度" in [q["title"] for q in greeting["quick_replies"]]
    finally:
        await reconnected.close()


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"message": "你好"}, "missing_session_id"),
        ({"message": "你好", "session_id": ""}, "missing_session_id"),
        ({"message": "你好", "session_id": "../other-user"}, "invalid_session_id"),
        ("你好", "invalid_message"),
        ({"message": "你好", "session_id": "0" * 32, "metadata": "not json"}, "invalid_metadata"),
    ],
)
async def test_a_message_that_cannot_be_processed_gets_an_error_event(assistant: RunningAssistant, payload, code):
    client = await PollingClient().connect(assistant.rasa_url)
    try:
        await client.emit("user_uttered", payload)
        error = (await client.until(is_event("error_evt")))[-1][1]
        assert error["code"] == code
        assert error["message"]  # a sentence for whoever integrates a client
    finally:
        await client.close()


async def test_a_session_id_the_server_did_not_issue_is_replaced(assistant: RunningAssistant):
    client = await PollingClient().connect(assistant.rasa_url)
    try:
        confirmed = await client.request_session("test-someone-elses-sender")
        assert confirmed != "test-someone-elses-sender"
        assert SESSION_ID.match(confirmed)
    finally:
        await client.close()


async def test_handoff_custom_payload_reaches_the_client_as_data(assistant: RunningAssistant):
    client = await WebSocketClient().connect(assistant.rasa_url)
    try:
        session_id = await client.request_session(None)
        await client.emit("user_uttered", {"message": "转人工", "session_id": session_id})
        events = await client.until(lambda e: e[0] == "bot_uttered" and (e[1] or {}).get("type") == "handoff")
        texts = "".join(str(data.get("text", "")) for name, data in events if name == "bot_uttered")
        assert "12345" in texts
    finally:
        await client.close()


@pytest.mark.parametrize("filed_in", ["0" * 32, [{"a": 1}, ["b"], 7, None, "not-a-session"], ["f" * 32] * 1000, {"x": 1}])
async def test_a_malformed_filed_in_list_is_ignored_and_the_session_still_works(assistant: RunningAssistant, filed_in):
    """``filed_in`` (earlier sessions whose case notices the widget wants) comes from the client:
    anything but a list of session ids is ignored, and a long list is cut."""
    client = await PollingClient().connect(assistant.rasa_url)
    try:
        await client.emit("session_request", {"session_id": None, "filed_in": filed_in})
        session_id = (await client.until(is_event("session_confirm")))[-1][1]
        assert SESSION_ID.match(session_id)
        await client.emit("user_uttered", {"message": "你好", "session_id": session_id})
        await client.until(has_text("您好"))
    finally:
        await client.close()
