"""The WeCom (企业微信) application channel against the real running assistant.

wechatpy's WeCom crypto plays the WeCom server: every callback is encrypted and signed, and
every passive reply is checked and decrypted the way WeCom does it.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.stack import RunningAssistant

from .conftest import user_turns
from .tencent_peer import WeComPeer, http, message_xml, new_msg_id, new_nonce, new_user_id, sign
from .test_safe_xml import BILLION_LAUGHS, XXE

pytestmark = pytest.mark.server
GREETING_START = "您好！我是信访与人民建议智能助手"


def content(peer: WeComPeer, user: str, text: str) -> str:
    reply = peer.reply_of(peer.post(peer.text(user, text)))
    assert reply is not None and reply["MsgType"] == "text", reply
    assert reply["ToUserName"] == user and reply["FromUserName"] == peer.corp_id
    assert reply["AgentID"] == peer.agent_id
    return reply["Content"]


def test_url_verification_returns_the_decrypted_echostr(wecom: WeComPeer) -> None:
    good = wecom.verify("echo-1234567890")
    assert (good.status, good.body) == (200, "echo-1234567890")
    assert wecom.verify("echo-1234567890", wrong_signature=True).status == 403
    assert http("GET", wecom.url).status == 403


def test_a_text_message_gets_an_encrypted_passive_answer(wecom: WeComPeer) -> None:
    result = wecom.post(wecom.text("zhangsan", "你好"))
    assert "<Encrypt>" in result.body and "您好" not in result.body
    reply = wecom.reply_of(result)
    assert reply is not None and reply["Content"].startswith(GREETING_START)


def test_buttons_become_numbered_options_and_a_number_picks_one(wecom: WeComPeer) -> None:
    user = new_user_id("wc")
    assert "回复数字选择：\n1. 信访有哪些渠道" in content(wecom, user, "你好")
    picked = content(wecom, user, "1")
    assert picked == content(wecom, new_user_id("wc"), "信访有哪些渠道")
    assert "\n来源：" in picked


def test_a_new_member_is_welcomed_once(wecom: WeComPeer, assistant: RunningAssistant) -> None:
    user = new_user_id("wc")
    event = wecom.event(user, "subscribe", create_time=1_700_000_001)
    replies = [wecom.reply_of(wecom.post(event)) for _ in range(4)]
    assert all(r is not None and r["Content"].startswith(GREETING_START) for r in replies)
    assert user_turns(assistant.settings, f"wecom:{user}") == 1


def test_entering_the_app_is_acknowledged_without_a_turn(wecom: WeComPeer, assistant: RunningAssistant) -> None:
    user = new_user_id("wc")
    result = wecom.post(wecom.event(user, "enter_agent"))
    assert (result.status, result.body) == (200, "")
    assert user_turns(assistant.settings, f"wecom:{user}") == 0


@pytest.mark.parametrize("msg_type, fields", [
    ("image", {"PicUrl": "https://example.org/x.jpg", "MediaId": "m1"}),
    ("voice", {"MediaId": "m2", "Format": "amr"}),
    ("location", {"Location_X": "31.23", "Location_Y": "121.47", "Scale": "15", "Label": "上海"}),
    ("link", {"Title": "t", "Description": "d", "Url": "https://example.org", "PicUrl": ""}),
])
def test_other_message_types_get_a_polite_note(wecom: WeComPeer, msg_type: str, fields: dict[str, str]) -> None:
    xml = message_xml(wecom.corp_id, "lisi", msg_type, fields, new_msg_id(), agent_id=wecom.agent_id)
    reply = wecom.reply_of(wecom.post(xml))
    assert reply is not None and reply["Content"].startswith("抱歉，我目前只能阅读文字消息")


def test_a_retried_message_is_answered_by_one_turn(wecom: WeComPeer, assistant: RunningAssistant) -> None:
    user = new_user_id("wc")
    xml = wecom.text(user, "人民建议可以通过哪些渠道提出？", msg_id=new_msg_id())
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: wecom.post(xml), range(4)))
    assert all(r.status == 200 for r in results)
    answers = {wecom.reply_of(r)["Content"] for r in results if r.body}  # type: ignore[index]
    assert len(answers) == 1
    content(wecom, user, "谢谢")
    assert user_turns(assistant.settings, f"wecom:{user}") == 2


def test_a_wrong_signature_is_refused(wecom: WeComPeer, assistant: RunningAssistant) -> None:
    user = new_user_id("wc")
    assert wecom.post(wecom.text(user, "你好"), wrong_signature=True).status == 403
    assert user_turns(assistant.settings, f"wecom:{user}") == 0


def test_a_message_for_another_corporation_is_refused(wecom: WeComPeer, assistant: RunningAssistant) -> None:
    from wechatpy.enterprise.crypto import WeChatCrypto

    wecom.crypto = WeChatCrypto(wecom.token, assistant.env["WECOM_AES_KEY"], "wwOtherCorp")
    assert wecom.post(wecom.text("zhangsan", "你好")).status == 403


@pytest.mark.parametrize("body", ["", "garbage", "<xml><Encrypt>abc</xml>", "<xml><ToUserName>x</ToUserName></xml>"])
def test_malformed_bodies_are_refused_with_400(wecom: WeComPeer, body: str) -> None:
    assert wecom.post(wecom.text("zhangsan", "x"), body=body).status == 400


@pytest.mark.parametrize("inner", [
    "这不是XML", "<xml><MsgType>text</MsgType><Content>没有发送者</Content></xml>",
    "<xml><FromUserName>zhangsan</FromUserName><CreateTime>1</CreateTime></xml>",
])
def test_malformed_decrypted_messages_are_refused_with_400(wecom: WeComPeer, inner: str) -> None:
    assert wecom.post(inner).status == 400


@pytest.mark.parametrize("payload", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
def test_entity_tricks_are_refused_outside_and_inside_the_encryption(wecom: WeComPeer, payload: str) -> None:
    for result in (wecom.post(wecom.text("zhangsan", "x"), body=payload), wecom.post(payload)):
        assert result.status == 400
        assert "root:" not in result.body and "lollol" not in result.body


def test_an_undecryptable_but_signed_body_is_refused(wecom: WeComPeer) -> None:
    timestamp, nonce, garbage = str(int(time.time())), new_nonce(), "bm90IHJlYWxseSBlbmNyeXB0ZWQ="
    params = {"timestamp": timestamp, "nonce": nonce, "msg_signature": sign(wecom.token, timestamp, nonce, garbage)}
    body = f"<xml><ToUserName>x</ToUserName><Encrypt>{garbage}</Encrypt></xml>".encode()
    assert http("POST", wecom.url, params, body).status == 400


def test_an_oversized_body_is_refused_with_413(wecom: WeComPeer) -> None:
    assert wecom.post(wecom.text("zhangsan", "长" * 30_000)).status == 413


# 330, not 301: 301 s ahead is 300 s ahead (accepted) once the request has taken a second on a busy machine.
@pytest.mark.parametrize("offset", [-301, 330], ids=["5-minutes-old", "future"])
def test_a_callback_outside_the_replay_window_is_refused(wecom: WeComPeer, assistant: RunningAssistant,
                                                         offset: int) -> None:
    user = new_user_id("wc")
    result = wecom.post(wecom.text(user, "你好"), timestamp=int(time.time()) + offset)
    assert result.status == 403 and "过期" in result.body
    assert user_turns(assistant.settings, f"wecom:{user}") == 0
