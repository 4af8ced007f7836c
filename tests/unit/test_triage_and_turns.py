import pytest

from bot.actions.form_fields import (
    ADDRESS,
    DISTRICT,
    EMAIL,
    ID_NUMBER,
    MOBILE,
    NAME,
    PETITION_CONTENT,
    PETITION_FIELDS,
    SUGGESTION_FIELDS,
)
from bot.actions.form_turns import (
    UserTurn,
    field_named,
    interrupts,
    is_agreement,
    is_confirmation,
    is_correction,
    is_refusal,
    is_resumed_after_interruption,
    mobile_beside_name,
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


@pytest.mark.parametrize("text", ["等一下，我不弄了", "等等，我还是不提交了", "那个，取消吧", "嗯，我要取消"])
def test_a_hesitation_before_the_cancel_word_still_cancels(text: str) -> None:
    assert wants_to_cancel(turn(text, "inform", 0.3), MOBILE)


@pytest.mark.parametrize("text", ["等一下再说", "13912345678", "还是帮我提交吧"])
def test_answers_that_only_start_like_a_hesitation_do_not_cancel(text: str) -> None:
    assert not wants_to_cancel(turn(text, "inform", 0.3), MOBILE)


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


@pytest.mark.parametrize("text", ["不好意思刚才区说错了，是静安区不是普陀区", "区说错了，不是普陀区，是静安区", "区改成静安区"])
def test_a_correction_said_while_another_field_is_asked_names_its_field_and_value(text: str) -> None:
    correction = turn(text)
    assert is_correction(correction, ADDRESS)  # asked for the address, the citizen corrects the district
    field = field_named(correction, PETITION_FIELDS)
    assert field is DISTRICT
    assert value_after_name(correction, field) == "静安区"


@pytest.mark.parametrize(("text", "name", "mobile"), [
    ("我叫孙悦，手机13655557777", "我叫孙悦", "13655557777"),
    ("钱多多，电话13788886666", "钱多多", "13788886666"),
    ("王芳 １３９１２３４５６７８", "王芳", "１３９１２３４５６７８"),
    ("李雷", "李雷", None),
    ("13655557777", "13655557777", None),  # only a number: not a name and a number
])
def test_a_mobile_number_said_beside_the_name_is_taken_apart(text: str, name: str, mobile: str | None) -> None:
    name_turn, found = mobile_beside_name(turn(text))
    assert (name_turn.text, found) == (name, mobile)


def test_a_form_run_after_another_action_is_a_resume() -> None:
    events = [{"event": "user"}, {"event": "action", "name": "action_extract_slots"},
              {"event": "action", "name": "action_answer_question"}, {"event": "action", "name": "petition_form"}]
    assert is_resumed_after_interruption(events, "petition_form")
    assert not is_resumed_after_interruption(events[:2] + events[3:], "petition_form")
