"""The name step of the forms: real names are names, whatever the classifier thinks of them."""
from __future__ import annotations

import pytest

from bot.actions.form_fields import NAME
from bot.actions.form_turns import UserTurn, name_in, seems_not_a_name
from core.settings import PROJECT_ROOT
from core.textnorm import normalize

NAMES = [line.strip() for line in (PROJECT_ROOT / "tests" / "data" / "names.txt").read_text(encoding="utf-8").splitlines()
         if line.strip() and not line.startswith("#")]


def turn(text: str, intent: str = "affirm", confidence: float = 0.95) -> UserTurn:
    """The classifier's worst guess for a name: a confident "affirm" (seen for 周杰, 吴婷, 孙八)."""
    return UserTurn(text, normalize(text), intent, confidence)


def test_the_list_is_large_and_varied() -> None:
    assert len(NAMES) >= 200
    assert any(len(n) == 2 for n in NAMES) and any(len(n) == 4 for n in NAMES) and any("·" in n for n in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_a_real_name_is_taken_as_the_name(name: str) -> None:
    for typed in (name, f"我叫{name}", f"我是{name}", f"姓名是{name}", f"我的名字是{name}。", f"{name}。"):
        answer = turn(typed)
        assert not seems_not_a_name(answer), typed
        assert name_in(answer) == name, typed
        result = NAME.validate(name_in(answer))
        assert result.ok and result.value == name, (typed, result)


@pytest.mark.parametrize("text", ["好的", "是的", "谢谢", "你好", "不知道", "同意", "宝山区", "徐汇区",
                                  "为什么要留名字？", "名字会不会泄露", "我叫"])
def test_what_is_clearly_not_a_name_is_asked_again(text: str) -> None:
    assert seems_not_a_name(turn(text, "ask_procedure"))
