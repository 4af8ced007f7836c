"""The phrases that force the emergency intent (bot/emergency.py): danger now, not a story or a question."""
from __future__ import annotations

import pytest

from bot.emergency import is_emergency
from core.textnorm import normalize


@pytest.mark.parametrize(
    "text",
    [
        "有人打架受伤了",
        "楼道里着火了",
        "我爸突然倒在地上叫不醒了",
        "我妈晕过去了，怎么办",
        "老人抽搐口吐白沫",
        "他没有心跳了",
        "我爸心脏病发作了",
        "孩子喝了农药",
        "有人触电了",
        "我家有人煤气中毒了",
        "家裡著火了",  # Traditional, normalised first
    ],
)
def test_danger_now_is_an_emergency(text: str) -> None:
    assert is_emergency(normalize(text)), text


@pytest.mark.parametrize(
    "text",
    [
        "我要投诉急救车来得太慢",
        "上次我爸中风了救护车来得太慢，我想投诉",
        "信访事项多久能办完？",
        "消防通道被占了可以向哪里反映",
        "我反映的问题一直没人管，怎么办",
    ],
)
def test_questions_and_past_events_are_not(text: str) -> None:
    assert not is_emergency(normalize(text)), text
