"""Fuzzing the public channels of the running assistant with hostile bodies (hypothesis).

REST: 750 bodies; socket.io: 300 frames. Wrong JSON types, strings around and far over the size
limit, lone surrogates, control and direction characters, nested metadata, NaN, bad encodings,
random bytes, malformed Socket.IO packets. Every one must be answered without a server error: a
well-formed message gets a non-empty answer, anything else a 400/413 (REST) or an ``error_evt``
(socket.io); nothing may go unanswered, and afterwards every server still runs, in the same
process (nothing crashed and was restarted).
"""
from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hardening.hostile import Client, post_rest, servers_up
from tests.support.stack import RunningAssistant
from tests.widget.socketio_clients import WebSocketClient

pytestmark = pytest.mark.server
REST_EXAMPLES = 750
SOCKETIO_EXAMPLES = 300
FUZZ = settings(deadline=None, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])

# Text a broken or malicious client sends: lone surrogates, control and invisible characters,
# right-to-left override, byte-order mark, emoji, full-width letters, markup, quotes.
ODD = st.sampled_from(["\udfff", "\ud83d", "\ud800", "\x00", "\x07", "\x1b[2J", "\x7f", "\u202e", "\ufeff", "\u200b",
                       "\r", "\n", "\t", "😀", "中", "ａ", "<script>alert(1)</script>", "'\"", "\\", "%s%n", "/"])
HOSTILE_TEXT = st.lists(st.one_of(ODD, st.text(max_size=20)), max_size=30).map("".join)
# A message the assistant must answer: a question or request, then anything.
MESSAGE = st.tuples(st.sampled_from(["你好", "信访事项的办理期限是多久？", "我要投诉", "查询进度", "谢谢", "hi", "人工"]),
                    HOSTILE_TEXT).map("".join)
SENDER = st.text(st.characters(categories=("L", "N", "P", "S")), min_size=1, max_size=40)
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | HOSTILE_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(HOSTILE_TEXT, inner, max_size=4),
    max_leaves=12,
)
HUGE = st.sampled_from([4_000, 40_000, 65_000, 66_000, 200_000, 3_000_000]).map(lambda n: "信" * (n // 6))
CONTENT_TYPE = st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded",
                                "multipart/form-data; boundary=x", "application/json; charset=gbk", ""])


def as_json(value: Any) -> bytes:
    return json.dumps(value).encode("ascii")  # ensure_ascii: surrogates travel as \udfff escapes


@st.composite
def hostile_object(draw: st.DrawFn) -> dict[str, Any]:
    fields = {"sender": st.one_of(SENDER, HOSTILE_TEXT, JSON_VALUE), "message": st.one_of(MESSAGE, HOSTILE_TEXT, JSON_VALUE, HUGE),
              "metadata": JSON_VALUE, "input_channel": st.sampled_from(["wechat", "wecom", "socketio", "../x"])}
    chosen = draw(st.lists(st.sampled_from(sorted(fields)), unique=True))
    return {name: draw(fields[name]) for name in chosen}


VALID_REST = st.fixed_dictionaries(
    {"sender": SENDER, "message": MESSAGE},
    optional={"metadata": st.dictionaries(st.text(max_size=10), st.text(max_size=30) | st.integers(), max_size=4)},
).map(as_json)
RAW_BODY = st.one_of(
    st.binary(max_size=300),
    JSON_VALUE.map(as_json),
    st.integers(1, 20_000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.integers(1, 20_000).map(lambda depth: b'{"sender": "a", "message": "hi", "metadata": ' + b'{"a":' * depth + b"1" + b"}" * (depth + 1)),
    st.sampled_from([b"NaN", b'{"sender": "a", "message": "hi", "metadata": {"x": Infinity}}', b'{"sender": "a"',
                     b"\xef\xbb\xbf{}", b'{"sender": "a", "message": "\xff\xfe"}', b'{"sender": "a", "message": "\\ud800"}']),
    st.tuples(hostile_object(), st.sampled_from(["utf-16", "utf-32", "gbk", "latin-1"])).map(
        lambda pair: json.dumps(pair[0], ensure_ascii=False).encode(pair[1], "replace")),
)
REST_REQUEST = st.one_of(
    st.tuples(st.just(True), VALID_REST, st.just("application/json")),
    st.tuples(st.just(False), hostile_object().map(as_json), CONTENT_TYPE),
    st.tuples(st.just(False), RAW_BODY, CONTENT_TYPE),
)


def test_rest_answers_every_hostile_body_without_a_server_error(assistant: RunningAssistant) -> None:
    before = assistant.supervisor.pids()
    client = Client(assistant.rasa_url)
    statuses: dict[int, int] = {}

    @settings(FUZZ, max_examples=REST_EXAMPLES)
    @given(REST_REQUEST)
    def answer(request: tuple[bool, bytes, str]) -> None:
        well_formed, body, content_type = request
        reply = post_rest(client, body, {"Content-Type": content_type} if content_type else {})
        statuses[reply.status] = statuses.get(reply.status, 0) + 1
        assert reply.status in (200, 400, 413), (reply.status, reply.body[:500])
        if reply.status == 200:
            assert reply.json(), "an empty reply"
        else:
            assert reply.json()["message"]
        assert reply.status == 200 or not well_formed, reply.body[:500]

    try:
        answer()
    finally:
        client.close()
    print(f"REST statuses: {statuses}")
    assert sum(statuses.values()) >= REST_EXAMPLES
    assert servers_up(assistant) == {"rasa": True, "actions": True, "web": True}
    assert assistant.supervisor.pids() == before


SOCKETIO_PAYLOAD = st.one_of(
    JSON_VALUE,
    hostile_object(),
    st.fixed_dictionaries({"message": st.one_of(MESSAGE, HOSTILE_TEXT, JSON_VALUE, HUGE)},
                          optional={"metadata": JSON_VALUE | HOSTILE_TEXT, "session_id": HOSTILE_TEXT | JSON_VALUE}),
)
RAW_FRAME = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["42", "42[", "42[]", '42["user_uttered"]', "42[1,2]", '42["session_request", "x"]', "4", "41",
                     '42["user_uttered",{"message":"\\udfff"}]', '42["connect"]', "2probe", "6", "1"]),
    st.tuples(st.sampled_from(["user_uttered", "session_request", "unknown", "disconnect", ""]), JSON_VALUE).map(
        lambda pair: "42" + json.dumps(list(pair))),
)
SOCKETIO_FRAME = st.one_of(
    st.tuples(st.just("valid"), MESSAGE),
    st.tuples(st.just("hostile"), SOCKETIO_PAYLOAD),
    st.tuples(st.just("raw"), RAW_FRAME),
)


async def socketio_turn(rasa_url: str, kind: str, data: Any) -> str:
    """Send one frame on a fresh connection; return what came back."""
    client = await WebSocketClient().connect(rasa_url)
    try:
        session_id = await client.request_session(None)
        assert client.ws is not None
        if kind == "raw":  # whatever the frame does to this connection, the server still serves others
            await client.ws.send_str(data)
            await asyncio.sleep(0.01)
            other = await WebSocketClient().connect(rasa_url)
            try:
                await other.request_session(None)
            finally:
                await other.close()
            return "served"
        payload = {"message": data, "session_id": session_id} if kind == "valid" else data
        if kind == "hostile" and isinstance(payload, dict) and "session_id" not in payload:
            payload = {**payload, "session_id": session_id}
        frame = "42" + json.dumps(["user_uttered", payload])
        if len(frame.encode("utf-8")) > 64 * 1024:  # over MAX_REQUEST_BYTES: Engine.IO drops the connection,
            try:  # sometimes before the client has finished sending the frame
                await client.ws.send_str(frame)
            except (ConnectionError, aiohttp.ClientError):
                return "closed"
            assert client.reader is not None
            await asyncio.wait_for(client.reader, 30)
            return "closed"
        await client.ws.send_str(frame)
        events = await client.until(lambda event: event[0] in ("bot_uttered", "error_evt"))
        name = events[-1][0]
        assert kind != "valid" or name == "bot_uttered", events
        return name
    finally:
        await client.close()


def test_socketio_answers_every_hostile_frame(assistant: RunningAssistant) -> None:
    before = assistant.supervisor.pids()
    outcomes: dict[str, int] = {}

    @settings(FUZZ, max_examples=SOCKETIO_EXAMPLES)
    @given(SOCKETIO_FRAME)
    def answer(frame: tuple[str, Any]) -> None:
        try:
            outcome = asyncio.run(socketio_turn(assistant.rasa_url, *frame))
        except aiohttp.ClientError as error:
            outcome = f"connection {type(error).__name__}"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        assert not outcome.startswith("connection"), outcome

    answer()
    print(f"socket.io outcomes: {outcomes}")
    assert sum(outcomes.values()) >= SOCKETIO_EXAMPLES
    assert servers_up(assistant) == {"rasa": True, "actions": True, "web": True}
    assert assistant.supervisor.pids() == before
