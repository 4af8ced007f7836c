"""Answers later than the reply window, and long answers, go out through Tencent's messaging APIs.

A dedicated Rasa server is started for this module (its actions run on the suite's action
server) with ``WECHAT_REPLY_TIMEOUT=0`` (every answer is "late", deterministically: no race with
the machine's speed) and ``WECHAT_TEXT_MAX_BYTES=200`` (the assistant's real answers are short,
so a low limit makes them split). When a Redis server is
available it also runs with ``REDIS_URL``, so dedupe, options and the access token live in Redis.
The answers arrive at the fake API hosts of ``fake_tencent_api.py``.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest
import redis
import yaml

from bot.connectors.options import options_from_buttons, render_options
from bot.connectors.textparts import utf8_size
from core.settings import PROJECT_ROOT
from tests.support import shared_env
from tests.support.stack import RunningAssistant, borrowed_actions_env, running_assistant

from .conftest import user_turns
from .fake_tencent_api import FakeTencentApi
from .tencent_peer import WeChatPeer, WeComPeer, new_msg_id, new_user_id

pytestmark = pytest.mark.server
PART_LIMIT = 200


def greeting_with_options() -> str:
    """The welcome as the domain defines it, with its buttons as the numbered list."""
    domain = yaml.safe_load((PROJECT_ROOT / "bot" / "domain" / "conversation.yml").read_text(encoding="utf-8"))
    greet = domain["responses"]["utter_greet"][0]
    return f"{greet['text']}\n\n{render_options(options_from_buttons(greet['buttons']))}"


@pytest.fixture(scope="module")
def late_assistant(tmp_path_factory: pytest.TempPathFactory, assistant: RunningAssistant, redis_server: str,
                   wechat_api: FakeTencentApi, wecom_api: FakeTencentApi) -> Iterator[RunningAssistant]:
    """A Rasa server of its own (the channels' settings live there); its actions run on the
    suite's action server, which does not read these settings."""
    env = {**shared_env.ENV, **borrowed_actions_env(assistant),
           "WECHAT_REPLY_TIMEOUT": "0", "WECHAT_TEXT_MAX_BYTES": str(PART_LIMIT)}
    if redis_server:
        env["REDIS_URL"] = redis_server.rsplit("/", 1)[0] + "/1"
    with running_assistant(Path(tmp_path_factory.mktemp("late-assistant")), env, only=("rasa",)) as running:
        yield running


def flattened(parts: list[str]) -> str:
    return "".join(parts).replace("\n", "")


def check_parts(parts: list[str]) -> None:
    assert parts and all(0 < utf8_size(p) <= PART_LIMIT for p in parts), [utf8_size(p) for p in parts]


def test_a_late_long_answer_arrives_complete_and_in_order_through_the_customer_service_api(
        late_assistant: RunningAssistant, wechat_api: FakeTencentApi) -> None:
    wechat = WeChatPeer(late_assistant.rasa_url, late_assistant.env)
    user = new_user_id()
    result = wechat.post(wechat.text(user, "你好"), "aes", user)
    assert (result.status, result.body) == (200, "success")
    expected = greeting_with_options()
    parts = wechat_api.wait_for_text(user, "4. 查询办理进度")
    check_parts(parts)
    assert len(parts) >= 2
    assert flattened(parts) == expected.replace("\n", "")
    # Cuts fall on line or sentence boundaries: every numbered option is whole in one part.
    for line in expected.splitlines()[-4:]:
        assert any(line in part.split("\n") for part in parts)


def test_a_number_answered_later_still_picks_the_option(late_assistant: RunningAssistant,
                                                        wechat_api: FakeTencentApi) -> None:
    wechat = WeChatPeer(late_assistant.rasa_url, late_assistant.env)
    user = new_user_id()
    assert wechat.post(wechat.text(user, "你好"), "aes", user).body == "success"
    wechat_api.wait_for_text(user, "4. 查询办理进度")
    already = len(wechat_api.texts_to(user))
    assert wechat.post(wechat.text(user, "1"), "aes", user).body == "success"
    answer = wechat_api.wait_for_text(user, "来源：")[already:]
    check_parts(answer)
    direct = late_assistant.send("信访有哪些渠道")[0]["text"]
    assert direct.replace("\n", "") in flattened(answer)


def test_retries_of_a_late_message_give_one_turn_and_one_delivery(
        late_assistant: RunningAssistant, wechat_api: FakeTencentApi) -> None:
    wechat = WeChatPeer(late_assistant.rasa_url, late_assistant.env)
    user = new_user_id()
    xml = wechat.text(user, "信访事项的受理期限是多久？", msg_id=new_msg_id())
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: wechat.post(xml, "aes", user), range(4)))
    assert [(r.status, r.body) for r in results] == [(200, "success")] * 4
    wechat_api.wait_for_text(user, "来源：")
    assert wechat.post(wechat.text(user, "谢谢"), "aes", user).body == "success"
    texts = wechat_api.wait_for_text(user, "不客气")
    # The whole first answer (its parts in order), exactly once, then the second one.
    assert flattened(texts).count("来源：") == 1
    assert "不客气" in texts[-1] and not any("不客气" in t for t in texts[:-1])
    assert user_turns(late_assistant.settings, f"wechat:{user}") == 2


def test_a_late_wecom_answer_goes_out_through_message_send(late_assistant: RunningAssistant,
                                                           wecom_api: FakeTencentApi) -> None:
    wecom = WeComPeer(late_assistant.rasa_url, late_assistant.env)
    user = new_user_id("wc")
    result = wecom.post(wecom.text(user, "你好"))
    assert (result.status, result.body) == (200, "")
    parts = wecom_api.wait_for_text(user, "4. 查询办理进度")
    check_parts(parts)
    assert flattened(parts) == greeting_with_options().replace("\n", "")
    with ThreadPoolExecutor(3) as pool:
        retried = wecom.text(user, "1", msg_id=new_msg_id())
        assert {r.body for r in pool.map(lambda _: wecom.post(retried), range(3))} == {""}
    wecom_api.wait_for_text(user, "来源：")
    assert user_turns(late_assistant.settings, f"wecom:{user}") == 2


def test_with_redis_the_token_and_the_dedupe_state_are_shared(late_assistant: RunningAssistant,
                                                             wechat_api: FakeTencentApi) -> None:
    url = late_assistant.env.get("REDIS_URL")
    if not url:
        pytest.skip("no Redis server: the dedicated assistant keeps its state in memory")
    wechat = WeChatPeer(late_assistant.rasa_url, late_assistant.env)
    user = new_user_id()
    msg_id = new_msg_id()
    assert wechat.post(wechat.text(user, "你好", msg_id=msg_id), "aes", user).body == "success"
    wechat_api.wait_for_text(user, "4. 查询办理进度")
    client = redis.Redis.from_url(url, decode_responses=True)
    app_id = late_assistant.env["WECHAT_APPID"]
    assert client.get(f"xinfang:wechat:{app_id}:access_token") is not None
    assert client.get(f"xinfang:wechat:{app_id}:callback:msg:{msg_id}") is not None
    assert client.get(f"xinfang:wechat:{app_id}:options:{user}") is not None
