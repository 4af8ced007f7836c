"""The WeChat Official Account channel against the real running assistant.

wechatpy plays WeChat's server (signing, encrypting, checking and decrypting replies); the
answers come from the real Rasa and action servers of the session.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.stack import RunningAssistant

from .conftest import user_turns
from .fake_tencent_api import FakeTencentApi
from .tencent_peer import WeChatPeer, message_xml, new_msg_id, new_user_id
from .test_safe_xml import BILLION_LAUGHS, XXE

pytestmark = pytest.mark.server
GREETING_START = "您好！我是信访与人民建议智能助手"
UNSUPPORTED_START = "抱歉，我目前只能阅读文字消息"


def content(peer: WeChatPeer, user: str, text: str, mode: str = "aes") -> str:
    reply = peer.reply_of(peer.post(peer.text(user, text), mode, user), mode)
    assert reply is not None and reply["MsgType"] == "text", reply
    assert reply["ToUserName"] == user and reply["FromUserName"] == peer.account
    return reply["Content"]


def test_url_verification_echoes_echostr_only_with_a_valid_signature(wechat: WeChatPeer) -> None:
    good = wechat.verify("4613987621536928791")
    assert (good.status, good.body) == (200, "4613987621536928791")
    bad = wechat.verify("4613987621536928791", wrong_signature=True)
    assert bad.status == 403 and "4613987621536928791" not in bad.body


@pytest.mark.parametrize("mode", ["aes", "compat"])
def test_a_text_message_gets_the_assistants_answer_in_safe_and_compatible_mode(wechat: WeChatPeer, mode: str) -> None:
    user = new_user_id()
    result = wechat.post(wechat.text(user, "你好"), mode, user)
    assert "<Encrypt>" in result.body and "<MsgSignature>" in result.body and "你好" not in result.body
    reply = wechat.reply_of(result, mode)  # decrypted and signature-checked by wechatpy in safe modes
    assert reply is not None and reply["ToUserName"] == user
    assert reply["Content"].startswith(GREETING_START)


def test_buttons_become_numbered_options_and_a_number_picks_one(wechat: WeChatPeer) -> None:
    user = new_user_id()
    greeting = content(wechat, user, "你好")
    assert "回复数字选择：\n1. 信访有哪些渠道\n2. 我要提交信访事项\n3. 我要提人民建议\n4. 查询办理进度" in greeting
    picked = content(wechat, user, "1", mode="aes")
    asked = content(wechat, new_user_id(), "信访有哪些渠道")
    assert picked == asked
    assert "\n来源：" in picked


def test_a_full_width_number_picks_too_and_an_unknown_number_is_just_text(wechat: WeChatPeer) -> None:
    user = new_user_id()
    content(wechat, user, "你好")
    assert content(wechat, user, "３") == content(wechat, new_user_id(), "/file_suggestion")
    assert content(wechat, new_user_id(), "9")  # no options offered: "9" goes to the assistant as is


def test_a_new_follower_is_welcomed_once_however_often_the_event_is_retried(
        wechat: WeChatPeer, assistant: RunningAssistant) -> None:
    user = new_user_id()
    event = wechat.event(user, "subscribe", create_time=1_700_000_000)
    replies = [wechat.reply_of(wechat.post(event, "aes", user), "aes") for _ in range(4)]
    assert all(r is not None and r["Content"].startswith(GREETING_START) for r in replies)
    assert user_turns(assistant.settings, f"wechat:{user}") == 1


@pytest.mark.parametrize("msg_type, fields", [
    ("image", {"PicUrl": "https://mmbiz.qpic.cn/x.jpg", "MediaId": "m1"}),
    ("voice", {"MediaId": "m2", "Format": "amr"}),
    ("video", {"MediaId": "m3", "ThumbMediaId": "t3"}),
    ("shortvideo", {"MediaId": "m4", "ThumbMediaId": "t4"}),
    ("location", {"Location_X": "31.23", "Location_Y": "121.47", "Scale": "15", "Label": "上海"}),
    ("link", {"Title": "标题", "Description": "描述", "Url": "https://example.org"}),
    ("file", {"Title": "a.pdf"}),
])
def test_other_message_types_get_a_polite_note_on_what_is_supported(
        wechat: WeChatPeer, assistant: RunningAssistant, msg_type: str, fields: dict[str, str]) -> None:
    user = new_user_id()
    xml = message_xml(wechat.account, user, msg_type, fields, new_msg_id())
    reply = wechat.reply_of(wechat.post(xml, "aes", user), "aes")
    assert reply is not None and reply["Content"].startswith(UNSUPPORTED_START)
    assert "文字" in reply["Content"]
    assert user_turns(assistant.settings, f"wechat:{user}") == 0


@pytest.mark.parametrize("event", ["unsubscribe", "CLICK", "VIEW", "TEMPLATESENDJOBFINISH", "unknown_event"])
def test_other_events_are_acknowledged_without_a_turn(
        wechat: WeChatPeer, assistant: RunningAssistant, event: str) -> None:
    user = new_user_id()
    result = wechat.post(wechat.event(user, event), "aes", user)
    assert (result.status, result.body) == (200, "success")
    assert user_turns(assistant.settings, f"wechat:{user}") == 0


def test_an_empty_text_gets_a_prompt(wechat: WeChatPeer) -> None:
    assert content(wechat, new_user_id(), "   ") == "您好，请用文字输入您想咨询的问题。"


def test_a_message_retried_while_the_first_is_running_is_answered_by_one_turn(
        wechat: WeChatPeer, assistant: RunningAssistant) -> None:
    user = new_user_id()
    xml = wechat.text(user, "信访事项的受理期限是多久？", msg_id=new_msg_id())
    with ThreadPoolExecutor(4) as pool:  # the original and three retries, all at once
        results = list(pool.map(lambda _: wechat.post(xml, "aes", user), range(4)))
    assert all(r.status == 200 for r in results)
    answers = {wechat.reply_of(r, "aes")["Content"] for r in results if r.body != "success"}  # type: ignore[index]
    assert len(answers) == 1 and "来源：" in answers.pop()
    # A second message goes through the same per-user queue, so every earlier turn has ended.
    content(wechat, user, "谢谢")
    assert user_turns(assistant.settings, f"wechat:{user}") == 2


def test_the_handoff_text_arrives_and_no_transfer_happens_by_default(wechat: WeChatPeer) -> None:
    reply = wechat.reply_of(wechat.post(wechat.text(new_user_id(), "转人工"), "aes"), "aes")
    assert reply is not None and reply["MsgType"] == "text"
    assert "12345" in reply["Content"]


def test_hostile_text_gives_a_well_formed_reply(wechat: WeChatPeer) -> None:
    text = "]]><script>alert(1)</script><![CDATA[ &amp; 你好"
    assert content(wechat, new_user_id(), text, mode="aes")  # parsed and decrypted by wechatpy


@pytest.mark.parametrize("mode", ["plain", "aes"])
def test_a_wrong_signature_is_refused(wechat: WeChatPeer, assistant: RunningAssistant, mode: str) -> None:
    user = new_user_id()
    result = wechat.post(wechat.text(user, "你好"), mode, user, wrong_signature=True)
    assert result.status == 403
    assert user_turns(assistant.settings, f"wechat:{user}") == 0


def test_missing_signature_parameters_are_refused(wechat: WeChatPeer) -> None:
    from .tencent_peer import http

    assert http("POST", wechat.url, {"timestamp": "1", "nonce": "2"}, b"<xml/>").status == 403
    assert http("GET", wechat.url).status == 403


@pytest.mark.parametrize("body", [
    "", "not xml at all", "<xml><FromUserName>abc</xml>", "<root><MsgType>text</MsgType></root>",
    "<xml><ToUserName>gh</ToUserName><MsgType>text</MsgType><Content>没有发送者</Content><MsgId>1</MsgId></xml>",
    "<xml><FromUserName>bad user id!</FromUserName><MsgType>text</MsgType><Content>x</Content></xml>",
    "<xml><FromUserName>oUser</FromUserName><MsgType>text</MsgType><Content>x</Content><MsgId>1 OR 1=1</MsgId></xml>",
])
def test_malformed_messages_are_refused_with_400(wechat: WeChatPeer, body: str) -> None:
    assert wechat.post(body, "aes").status == 400  # signed and encrypted, malformed inside


@pytest.mark.parametrize("payload", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
@pytest.mark.parametrize("mode", ["aes", "compat"])
def test_entity_tricks_are_refused_and_never_expanded(wechat: WeChatPeer, payload: str, mode: str) -> None:
    result = wechat.post(wechat.text(new_user_id(), "x"), mode, body=payload)
    assert result.status == 400
    assert "root:" not in result.body and "lollol" not in result.body


@pytest.mark.parametrize("payload", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
def test_entity_tricks_inside_the_encrypted_part_are_refused(wechat: WeChatPeer, payload: str) -> None:
    result = wechat.post(payload, "aes")
    assert result.status == 400
    assert "root:" not in result.body and "lollol" not in result.body


def test_an_undecryptable_but_signed_body_is_refused(wechat: WeChatPeer) -> None:
    from .tencent_peer import http, new_nonce, sign
    import time

    timestamp, nonce, garbage = str(int(time.time())), new_nonce(), "bm90IHJlYWxseSBlbmNyeXB0ZWQ="
    params = {"timestamp": timestamp, "nonce": nonce, "encrypt_type": "aes",
              "signature": sign(wechat.token, timestamp, nonce),
              "msg_signature": sign(wechat.token, timestamp, nonce, garbage)}
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt>{garbage}</Encrypt></xml>".encode()
    assert http("POST", wechat.url, params, body).status == 400


def test_an_oversized_body_is_refused_with_413(wechat: WeChatPeer) -> None:
    user = new_user_id()
    assert wechat.post(wechat.text(user, "长" * 30_000), "aes", user).status == 413


def test_logs_hold_neither_personal_numbers_nor_secrets(
        wechat: WeChatPeer, assistant: RunningAssistant, wechat_api: FakeTencentApi) -> None:
    content(wechat, new_user_id(), "我的手机号是13912345678，身份证号310101199001011234")
    logs = assistant.logs()
    for secret in ("13912345678", "310101199001011234", assistant.env["WECHAT_SECRET"],
                   assistant.env["WECHAT_AES_KEY"], assistant.env["WECHAT_TOKEN"]):
        assert secret not in logs


def test_with_the_aes_key_set_a_plain_callback_is_refused(wechat: WeChatPeer, assistant: RunningAssistant) -> None:
    user = new_user_id()
    forged = wechat.text(user, "我要查询进度")  # no encrypt_type, no msg_signature: nothing signs this body
    result = wechat.post(forged, "plain", user)
    assert result.status == 403 and "不接受未加密的消息" in result.body
    assert user_turns(assistant.settings, f"wechat:{user}") == 0


# 330, not 301: 301 s ahead is 300 s ahead (accepted) once the request has taken a second on a busy machine.
@pytest.mark.parametrize("offset", [-301, -3600 * 24 * 30, 330], ids=["5-minutes-old", "a-month-old", "future"])
def test_a_callback_outside_the_replay_window_is_refused(wechat: WeChatPeer, assistant: RunningAssistant,
                                                         offset: int) -> None:
    user = new_user_id()
    result = wechat.post(wechat.text(user, "你好"), "aes", user, timestamp=int(time.time()) + offset)
    assert result.status == 403 and "过期" in result.body
    assert user_turns(assistant.settings, f"wechat:{user}") == 0


def test_a_replayed_callback_gets_the_same_answer_and_no_second_turn(wechat: WeChatPeer,
                                                                    assistant: RunningAssistant) -> None:
    user = new_user_id()
    captured = wechat.request(wechat.text(user, "你好"), "aes", user, timestamp=int(time.time()) - 200)
    first, replayed = wechat.send(captured), wechat.send(captured)
    assert wechat.reply_of(first, "aes")["Content"] == wechat.reply_of(replayed, "aes")["Content"]
    assert user_turns(assistant.settings, f"wechat:{user}") == 1
