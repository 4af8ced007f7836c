"""Rasa replies as WeChat text: numbered options, the handoff payload, choices by number."""
from __future__ import annotations

import pytest

from bot.connectors.kvstore import MemoryStore, RedisStore
from bot.connectors.options import Option, OptionMemory, chosen_option, options_from_buttons, render_options
from bot.connectors.outgoing import compose

GREETING = [{
    "recipient_id": "u",
    "text": "您好！请问有什么可以帮您？",
    "buttons": [{"title": "信访有哪些渠道", "payload": "信访有哪些渠道"},
                {"title": "我要提交信访事项", "payload": "/file_petition"}],
}]
OPTIONS = [Option("信访有哪些渠道", "信访有哪些渠道"), Option("我要提交信访事项", "/file_petition")]


def test_buttons_become_a_numbered_list_after_the_text() -> None:
    reply = compose(GREETING)
    assert reply.text == "您好！请问有什么可以帮您？\n\n回复数字选择：\n1. 信访有哪些渠道\n2. 我要提交信访事项"
    assert reply.options == OPTIONS
    assert not reply.handoff


def test_options_of_several_messages_are_numbered_on() -> None:
    messages = GREETING + [{"text": "也可以：", "buttons": [{"title": "查询办理进度", "payload": "/check_status"}]}]
    reply = compose(messages)
    assert reply.text.endswith("1. 信访有哪些渠道\n2. 我要提交信访事项\n3. 查询办理进度")
    assert [o.payload for o in reply.options] == ["信访有哪些渠道", "/file_petition", "/check_status"]


def test_the_handoff_payload_is_noted_and_other_custom_payloads_are_ignored() -> None:
    reply = compose([{"text": "需要人工服务的，您可以拨打 12345。"},
                     {"custom": {"data": {"type": "handoff", "reason": "citizen_request"}}},
                     {"custom": {"data": {"type": "something_else"}}}])
    assert reply.handoff
    assert reply.text == "需要人工服务的，您可以拨打 12345。"
    assert not compose([{"custom": {"type": "other"}}]).handoff


def test_citations_and_links_stay_plain_text() -> None:
    text = "可以通过网上信访提交。\n来源：《信访工作条例》第十七条 https://www.gov.cn/x.htm"
    reply = compose([{"text": text}, {"image": "https://example.org/map.png"}])
    assert reply.text == text + "\n\nhttps://example.org/map.png"


def test_characters_xml_cannot_carry_are_dropped() -> None:
    assert compose([{"text": "A\x00B\x1fC\uffffD"}]).text == "ABCD"


def test_an_empty_turn_says_nothing() -> None:
    reply = compose([])
    assert reply.text == "" and reply.options == [] and not reply.handoff


def test_unusable_buttons_are_dropped() -> None:
    buttons = [{"title": "", "payload": "/x"}, "junk", {"title": "只有标题"}, {"title": "好", "payload": "/ok"}]
    assert options_from_buttons(buttons) == [Option("只有标题", "只有标题"), Option("好", "/ok")]
    assert render_options([]) == ""


@pytest.mark.parametrize("answer, expected", [
    ("1", 0), ("2", 1), ("１", 0), (" 2 ", 1), ("2.", 1), ("2、", 1), ("第1个", 0), ("第 2 项", 1),
])
def test_a_number_picks_an_option(answer: str, expected: int) -> None:
    assert chosen_option(answer, OPTIONS) == OPTIONS[expected]


@pytest.mark.parametrize("answer", ["0", "3", "99", "12345678901", "1和2", "一", "", "我选1"])
def test_anything_else_picks_nothing(answer: str) -> None:
    assert chosen_option(answer, OPTIONS) is None


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest):
    if request.param == "memory":
        yield MemoryStore()
        return
    url = request.getfixturevalue("redis_url")
    redis_store = RedisStore(url)
    yield redis_store
    await redis_store.close()


async def test_option_memory_maps_a_number_back_to_the_payload_for_that_user_only(store) -> None:
    memory = OptionMemory(store, "test:options")
    await memory.remember("alice", OPTIONS)
    assert await memory.resolve("alice", "2") == "/file_petition"
    assert await memory.resolve("alice", "信访有哪些渠道") == "信访有哪些渠道"
    assert await memory.resolve("alice", "7") == "7"
    assert await memory.resolve("bob", "2") == "2"
    await memory.remember("alice", [])
    assert await memory.resolve("alice", "2") == "2"


async def test_option_memory_tolerates_garbage_in_the_store(store) -> None:
    await store.put("test:garbage:options:carol", "not json", 60)
    assert await OptionMemory(store, "test:garbage").recall("carol") == []
