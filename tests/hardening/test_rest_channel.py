"""Hostile REST clients against the running assistant (issue 12 items 1 and 9, issue 16 items 1
and 9): every request is sent as raw bytes, as ``curl -d`` would send it."""
from __future__ import annotations

import json
import re
import time
from typing import Any, Iterator

import pytest

from bot.connectors.rest import conversation_id
from tests.connectors.tencent_peer import WeChatPeer, new_user_id
from tests.hardening.hostile import JSON, Client, post_rest, servers_up, stored_user_texts
from tests.support.instance import REST_WEBHOOK_PATH
from tests.support.stack import RunningAssistant, new_sender

pytestmark = pytest.mark.server
CHINESE = re.compile(r"[\u4e00-\u9fff]")
GREETING_START = "您好！我是信访与人民建议智能助手"
MISSING = object()  # a field left out of the body


@pytest.fixture(scope="module")
def client(assistant: RunningAssistant) -> Iterator[Client]:
    connection = Client(assistant.rasa_url)
    yield connection
    connection.close()


def assert_refused(reply: Any, status: int = 400) -> None:
    assert reply.status == status, (reply.status, reply.body[:300])
    body = reply.json()
    assert body["code"] and CHINESE.search(body["message"]), body  # a sentence a developer can act on
    assert b"Traceback" not in reply.body


def test_a_lone_surrogate_as_sender_is_refused_and_no_server_stops(assistant: RunningAssistant, client: Client) -> None:
    # curl :5005/webhooks/rest/webhook -d '{"sender":"\udfff","message":"hi"}' used to stop all three servers.
    before = assistant.supervisor.pids()
    assert_refused(post_rest(client, r'{"sender":"\udfff","message":"hi"}'))
    assert servers_up(assistant) == {"rasa": True, "actions": True, "web": True}
    assert assistant.supervisor.pids() == before  # nothing crashed and was restarted
    assert post_rest(client, {"sender": new_sender(), "message": "你好"}).text.startswith(GREETING_START)


@pytest.mark.parametrize(("message", "stored"), [
    (r"你好\udfff", "你好\ufffd"), (r"你好\ud83d", "你好\ufffd"), (r"你好\u0000\u0007\u001b[2J", "你好[2J"),
], ids=["low-surrogate", "high-surrogate", "control"])
def test_a_message_with_lone_surrogates_or_control_characters_gets_its_answer_and_is_stored_clean(
        assistant: RunningAssistant, client: Client, message: str, stored: str) -> None:
    sender = new_sender()
    reply = post_rest(client, '{"sender": "%s", "message": "%s"}' % (sender, message))  # JSON escapes as sent
    assert reply.status == 200
    assert reply.text.startswith(GREETING_START)
    assert stored_user_texts(assistant, conversation_id(sender)) == [stored]


@pytest.mark.parametrize("body", [b"[]", b'"x"', b"1", b"null", b"", b"   ", b"{", b'{"sender": "a", "message": "hi"',
                                  b"\xff\xfe{\x00}\x00", '{"sender": "a", "message": "你好"}'.encode("gbk")],
                         ids=["list", "string", "number", "null", "empty", "blank", "broken", "unterminated",
                              "utf16", "gbk"])
def test_a_body_that_is_not_a_json_object_gets_400_with_a_chinese_message(client: Client, body: bytes) -> None:
    assert_refused(post_rest(client, body))


@pytest.mark.parametrize("fields", [
    {"message": 123}, {"message": None}, {"message": ["你好"]}, {"message": {"text": "你好"}}, {"message": MISSING},
    {"message": "   "}, {"metadata": "x"}, {"metadata": [1, 2]}, {"metadata": {"a": {"b": {"c": {"d": {}}}}}},
    {"metadata": {"blob": "x" * 5000}}, {"sender": 5}, {"sender": ""}, {"sender": "a\nb"}, {"sender": "x" * 129},
], ids=["number", "null", "list", "object", "missing", "blank", "metadata-string", "metadata-list", "metadata-deep",
        "metadata-large", "sender-number", "sender-empty", "sender-newline", "sender-long"])
def test_wrong_field_types_get_400_instead_of_an_empty_200(client: Client, fields: dict[str, Any]) -> None:
    body = {"sender": new_sender(), "message": "你好", **fields}
    assert_refused(post_rest(client, {name: value for name, value in body.items() if value is not MISSING}))


def test_a_non_finite_number_in_metadata_is_refused(client: Client) -> None:
    assert_refused(post_rest(client, b'{"sender": "a", "message": "hi", "metadata": {"x": NaN}}'))


@pytest.mark.parametrize("size", [70_000, 5_000_000], ids=["70KB", "5MB"])
def test_a_body_over_the_limit_gets_413_with_a_chinese_message(client: Client, size: int) -> None:
    body = json.dumps({"sender": new_sender(), "message": "长" * (size // 6)}).encode("ascii")
    assert len(body) >= size
    assert_refused(post_rest(client, body), status=413)


def test_a_long_message_is_stored_cut_to_the_limit(assistant: RunningAssistant, client: Client) -> None:
    sender = new_sender()
    question = "信访事项的办理期限是多久？"
    body = json.dumps({"sender": sender, "message": question + "背景情况。" * 4000 + question},
                      ensure_ascii=False).encode("utf-8")
    assert 60_000 < len(body) < assistant.settings.max_request_bytes
    assert post_rest(client, body).text  # answered
    texts = stored_user_texts(assistant, conversation_id(sender))
    assert len(texts) == 1 and len(texts[0]) <= assistant.settings.max_message_chars
    assert texts[0].startswith(question) and texts[0].endswith(question)  # start and end kept


def test_later_turns_still_work_after_huge_and_long_messages(assistant: RunningAssistant, client: Client) -> None:
    sender = new_sender()
    assert_refused(post_rest(client, {"sender": sender, "message": "a" * 30_000_000}), status=413)
    for _ in range(3):
        post_rest(client, json.dumps({"sender": sender, "message": "情况说明。" * 2000}, ensure_ascii=False))
    answer = post_rest(client, {"sender": sender, "message": "信访事项的办理期限是多久？"})
    assert answer.status == 200 and "60日" in answer.text


def test_the_reply_names_the_sender_the_client_sent(assistant: RunningAssistant, client: Client) -> None:
    sender = new_sender()
    reply = post_rest(client, {"sender": sender, "message": "你好"})
    assert {m["recipient_id"] for m in reply.json()} == {sender}
    streamed = client.request("POST", REST_WEBHOOK_PATH + "?stream=true", json.dumps({"sender": sender, "message": "你好"}).encode(), JSON)
    lines = [json.loads(line) for line in streamed.body.decode().splitlines()]
    assert lines and {m["recipient_id"] for m in lines} == {sender}
    assert stored_user_texts(assistant, conversation_id(sender)) == ["你好", "你好"]
    assert stored_user_texts(assistant, sender) == []


def test_a_rest_client_cannot_continue_a_wechat_citizens_conversation(assistant: RunningAssistant, client: Client) -> None:
    victim = new_user_id()
    wechat = WeChatPeer(assistant.rasa_url, assistant.env)
    for text in ("我要投诉", "同意", "王小明"):  # the citizen starts a petition: consent, then the name
        assert wechat.post(wechat.text(victim, text), "aes", victim).status == 200  # safe mode: the AES key is set
    deadline = time.monotonic() + 60  # a late answer goes out later, through the API
    while len(stored_user_texts(assistant, f"wechat:{victim}")) < 3 and time.monotonic() < deadline:
        time.sleep(0.5)
    kept = stored_user_texts(assistant, f"wechat:{victim}")  # form answers are kept as placeholders
    assert kept == ["我要投诉", "〔已隐去：对个人信息说明的答复〕", "〔已隐去：姓名〕"]

    for attempt in ("修改姓名", "确认", "我填到哪了？"):  # an attacker on the public REST endpoint
        stolen = post_rest(client, {"sender": f"wechat:{victim}", "message": attempt})
        assert stolen.status == 200 and "王小明" not in stolen.text
    assert stored_user_texts(assistant, f"wechat:{victim}") == kept
    assert stored_user_texts(assistant, conversation_id(f"wechat:{victim}")) == ["修改姓名", "确认", "我填到哪了？"]
