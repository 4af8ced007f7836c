"""The answers issue 11 found wrong, through the real servers: the right article, the rule first."""
from __future__ import annotations

import pytest

from tests.support.stack import Conversation, RunningAssistant

pytestmark = pytest.mark.server


@pytest.mark.parametrize("text", ["对处理意见不服怎么办", "對處理意見不服怎麼辦"])
def test_disagreeing_with_the_decision_is_answered_with_the_review_article(assistant: RunningAssistant, text: str) -> None:
    reply = Conversation(assistant).say(text)
    assert "复查" in reply and "第三十五条" in reply, reply
    assert "第四十条" not in reply and "督办" not in reply


@pytest.mark.parametrize("text", ["可以通过哪些方式提出信访？", "信访有哪些渠道"])
def test_the_ways_to_petition_are_the_five_channels(assistant: RunningAssistant, text: str) -> None:
    reply = Conversation(assistant).say(text)
    assert all(way in reply for way in ("书信", "电话", "传真", "走访")), reply
    assert "第十七条" in reply


def test_a_group_visit_gets_the_rule_on_representatives(assistant: RunningAssistant) -> None:
    reply = Conversation(assistant).say("我们小区十几户人想一起去走访反映问题，可以都去吗？")
    assert "代表" in reply and ("5" in reply or "五" in reply), reply


def test_an_idea_for_the_city_is_pointed_to_the_suggestion_channels(assistant: RunningAssistant) -> None:
    reply = Conversation(assistant).say("我对城市交通有个好点子，想提给政府，该通过什么渠道？")
    assert "建议" in reply and "来源：" in reply, reply
    assert "信访处理意见书" not in reply


def test_the_reply_time_of_a_suggestion_is_not_answered_from_the_emergency_article(assistant: RunningAssistant) -> None:
    reply = Conversation(assistant).say("人民建议提交以后多久会有回复？")
    assert "第十四条" not in reply and "突发事件" not in reply, reply
    assert "《上海市人民建议征集若干规定》" in reply


def test_the_handling_time_leads_with_sixty_days(assistant: RunningAssistant) -> None:
    first_line = Conversation(assistant).say("信访事项多久能办完？").splitlines()[0]
    first_sentence = first_line.split("。")[0]
    assert "60日" in first_sentence or "六十日" in first_sentence, first_line
