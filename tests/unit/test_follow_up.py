"""Short follow-ups (bot/actions/follow_up.py): which messages ask on from the previous question."""
from __future__ import annotations

import pytest

from bot.actions.follow_up import is_follow_up, previous_answered_question


@pytest.mark.parametrize("text", ["那复核呢？", "要是超过了呢", "在哪交", "那剩下的人呢？", "那很紧急的事呢", "那应该找谁",
                                  "那複核呢"])
def test_short_messages_that_ask_on_are_follow_ups(text: str) -> None:
    assert is_follow_up(text)


@pytest.mark.parametrize("text", ["好的呢", "谢谢", "那好的", "你好呢", "复查要多久", "那",
                                  "那我问一下，信访事项受理以后最长多久能办结呢？"])  # a courtesy, or a subject of its own
def test_courtesies_and_questions_with_their_own_subject_are_not(text: str) -> None:
    assert not is_follow_up(text)


def test_only_the_question_just_answered_with_a_source_counts() -> None:
    answered = [{"event": "user", "text": "复查要多久"}, {"event": "bot", "text": "30日内。\n来源：《信访工作条例》第三十五条"},
                {"event": "user", "text": "那复核呢"}]
    assert previous_answered_question(answered) == "复查要多久"
    unsourced = [{"event": "user", "text": "你好"}, {"event": "bot", "text": "您好！"}, {"event": "user", "text": "那复核呢"}]
    assert previous_answered_question(unsourced) is None
    older = [{"event": "user", "text": "复查要多久"}, {"event": "bot", "text": "来源：《信访工作条例》"},
             {"event": "user", "text": "谢谢"}, {"event": "bot", "text": "不客气"}, {"event": "user", "text": "那复核呢"}]
    assert previous_answered_question(older) is None  # only the message just before
