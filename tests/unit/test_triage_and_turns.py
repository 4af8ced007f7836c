import pytest

from bot.actions.form_fields import EMAIL, ID_NUMBER, MOBILE, NAME, PETITION_CONTENT, PETITION_FIELDS, SUGGESTION_FIELDS
from bot.actions.form_turns import (
    UserTurn,
    field_named,
    interrupts,
    is_agreement,
    is_confirmation,
    is_correction,
    is_refusal,
    is_resumed_after_interruption,
    value_after_name,
    wants_to_cancel,
)
from bot.triage import legal_route_for
from core.textnorm import normalize


def turn(text: str, intent: str = "inform", confidence: float = 0.95) -> UserTurn:
    return UserTurn(text, normalize(text), intent, confidence)


@pytest.mark.parametrize(
    ("text", "route"),
    [("我要投诉法院判决不公", "诉讼"), ("单位拖欠工资的劳动争议", "仲裁"), ("对行政复议决定不服", "行政复议"),
     ("小区噪音扰民", None), ("法院門口的路燈壞了", "诉讼")],
)
def test_legal_routes(text: str, route: str | None) -> None:
    found = legal_route_for(text)
    assert (found.name if found else None) == route
    if found:
        assert "第三十一条" in found.advice


def test_questions_interrupt_short_answers_but_not_long_content() -> None:
    question = turn("复查期限是多久？", "ask_procedure")
    assert interrupts(question, NAME)
    long_content = turn("我想问问为什么物业多次收费却不维修电梯，这种情况怎么处理，时间已经很久了，严重影响老人出行。", "ask_procedure")
    assert not interrupts(long_content, PETITION_CONTENT)
    assert not interrupts(turn("李雷", "ask_procedure", 0.5), NAME)  # unsure classifier: an answer


def test_emergencies_interrupt_unless_they_are_the_content() -> None:
    assert interrupts(turn("有人打架受伤了", "emergency", 1.0), MOBILE)
    story = turn("上周邻居在楼道里打架受伤了，物业不闻不问，我要求物业加强巡查和管理。", "emergency", 1.0)
    assert not interrupts(story, PETITION_CONTENT)


def test_cancel_words_and_the_stop_intent() -> None:
    assert wants_to_cancel(turn("取消"), NAME)
    assert wants_to_cancel(turn("我不想弄了", "stop"), NAME)
    assert not wants_to_cancel(turn("算了不说这个，物业每天早上六点就开始施工，噪音很大。", "stop"), PETITION_CONTENT)


def test_refusing_an_optional_question_skips_it_instead_of_cancelling() -> None:
    for text in ("不想填", "不填了", "不想提供"):
        assert not wants_to_cancel(turn(text, "stop"), ID_NUMBER)
        assert not wants_to_cancel(turn(text, "stop"), EMAIL)
    assert wants_to_cancel(turn("取消", "stop"), ID_NUMBER)
    assert wants_to_cancel(turn("不填了", "stop"), MOBILE)  # a required answer refused: the filing stops


def test_consent_and_confirmation_words() -> None:
    assert is_agreement(turn("同意")) and is_agreement(turn("好的"))
    assert is_refusal(turn("不同意")) and not is_agreement(turn("不同意"))
    assert is_confirmation(turn("确认")) and not is_confirmation(turn("不对"))


def test_corrections_name_their_field_and_may_carry_the_new_value() -> None:
    correction = turn("手机号填错了，应该是13900001111")
    assert is_correction(correction, None)
    field = field_named(correction, PETITION_FIELDS)
    assert field is MOBILE
    assert value_after_name(correction, field) == "13900001111"
    assert field_named(turn("修改建议内容"), SUGGESTION_FIELDS).slot == "suggestion_content"
    assert field_named(turn("修改"), PETITION_FIELDS) is None


def test_a_form_run_after_another_action_is_a_resume() -> None:
    events = [{"event": "user"}, {"event": "action", "name": "action_extract_slots"},
              {"event": "action", "name": "action_answer_question"}, {"event": "action", "name": "petition_form"}]
    assert is_resumed_after_interruption(events, "petition_form")
    assert not is_resumed_after_interruption(events[:2] + events[3:], "petition_form")
