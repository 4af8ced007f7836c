"""How the assistant behaves in conversation, through the real servers and Rasa's REST channel."""
from __future__ import annotations

import pytest

from tests.support.stack import Conversation, RunningAssistant

pytestmark = pytest.mark.server


def test_very_long_message_is_capped_and_still_answered(assistant: RunningAssistant) -> None:
    # Longer than MAX_MESSAGE_CHARS and MAX_INPUT_CHARS, within MAX_REQUEST_BYTES (a larger body gets
    # 413: tests/hardening/test_rest_channel.py).
    story = "我家楼下的饭店每天营业到凌晨，油烟和噪音让全家无法休息，我们多次找过物业和街道。" * 150
    chat = Conversation(assistant)
    assert len(story) > assistant.settings.max_message_chars
    assert chat.say(story + "请问信访事项的办理期限是多久？").strip()  # an answer, not an error or silence
    assert "60" in chat.say("信访事项的办理期限是多久？")  # and the conversation goes on normally


def test_a_question_in_the_middle_of_a_long_story_is_read_whole(assistant: RunningAssistant) -> None:
    """Up to MAX_INPUT_CHARS a message is understood whole, knowledge answers included: the one
    cap is applied where Rasa reads the message (a second, 512-character cap in the NLU used to
    cut the middle of this story, and its question with it)."""
    story = "我家楼下的饭店每天营业到凌晨，油烟和噪音让全家无法休息，我们多次找过物业和街道。"
    message = story * 8 + "请问信访事项的办理期限是多久？" + story * 12
    assert 512 < len(message) <= assistant.settings.max_input_chars
    reply = Conversation(assistant).say(message)
    assert "60" in reply and "来源：" in reply


@pytest.mark.parametrize("text", ["\u200b\u200b", "？？？？", "。", "a"], ids=["zero-width", "marks", "stop", "letter"])
def test_empty_or_meaningless_message_gets_a_reply(assistant: RunningAssistant, text: str) -> None:
    # An empty or blank message is refused with a 400 in Chinese: tests/hardening/test_rest_channel.py.
    assert Conversation(assistant).say(text).strip()


def test_traditional_characters_and_fullwidth_digits_are_understood(assistant: RunningAssistant) -> None:
    reply = Conversation(assistant).say("信訪事項辦理期限是多久？")
    assert "60" in reply and "来源：" in reply
    reply = Conversation(assistant).say("１２３４５熱線可以反映什麼問題？")
    assert "12345" in reply


def test_user_html_is_never_echoed(assistant: RunningAssistant) -> None:
    for text in ["<img src=x onerror=alert(1)>", "<script>alert('x')</script>你好", "<b>信访</b>有哪些途径"]:
        reply = Conversation(assistant).say(text)
        assert "<img" not in reply and "<script" not in reply and "<b>" not in reply


def test_emergency_is_answered_before_anything_else(assistant: RunningAssistant) -> None:
    for text in ["有人打架受伤了", "楼道里着火了快来人", "我不想活了"]:
        reply = Conversation(assistant).say(text)
        assert "110" in reply and "120" in reply and "119" in reply, text


def test_emergency_inside_a_form_is_answered_and_the_form_goes_on(assistant: RunningAssistant) -> None:
    chat = Conversation(assistant)
    chat.say("我要投诉")
    assert "姓名" in chat.say("同意")
    reply = chat.say("救命，楼下着火了")
    assert "119" in reply
    assert "姓名" in reply  # the form asks its question again


def test_out_of_scope_gets_the_scope_statement_and_no_passage(assistant: RunningAssistant) -> None:
    for text in ["推荐一家好吃的餐厅", "明天上海天气怎么样", "帮我写一首关于春天的诗", "比特币还能涨吗"]:
        reply = Conversation(assistant).say(text)
        assert "来源：" not in reply, text
        assert "信访" in reply and "建议" in reply, text


def test_asking_for_a_human_gives_real_channels_and_a_handoff_event(assistant: RunningAssistant) -> None:
    chat = Conversation(assistant)
    reply = chat.say("我要找人工客服")
    assert "12345" in reply and "接待" in reply
    assert {"data": {"type": "handoff", "reason": "citizen_request"}} in chat.custom_payloads


def test_two_stage_fallback_first_rephrase_then_people(assistant: RunningAssistant) -> None:
    chat = Conversation(assistant)
    first = chat.say("asdkjh qwpeoiu zmxnb")
    assert "换个说法" in first
    assert chat.buttons, "the first fallback offers likely topics as buttons"
    second = chat.say("lkjqwe poiuzx mnbv")
    assert "12345" in second
    assert any(p.get("data", {}).get("type") == "handoff" for p in chat.custom_payloads)


def test_bot_admits_being_a_program(assistant: RunningAssistant) -> None:
    reply = Conversation(assistant).say("你是真人吗？")
    assert "程序" in reply or "智能助手" in reply
