"""Which messages start a form or the calculator, and which are questions (bot/arbitration.py)."""
from __future__ import annotations

from datetime import date

import pytest

from bot.arbitration import Route, asks_for_a_person, asks_to_start, decide, is_question, is_substantive_question

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize(
    "intent, text",
    [
        ("file_petition", "/file_petition"),
        ("file_petition", "我要投诉"),
        ("file_petition", "我要投诉物业不作为"),
        ("file_petition", "我想反映小区噪音问题"),
        ("file_petition", "帮我登记信访"),
        ("file_petition", "帮我把投诉递上去"),
        ("file_petition", "我要信訪"),  # Traditional
        ("file_petition", "在线提交信访"),
        ("file_petition", "举报"),
        ("file_suggestion", "/file_suggestion"),
        ("file_suggestion", "我有个建议想提交"),
        ("file_suggestion", "我想给市里提个建议"),
        ("file_suggestion", "我有个金点子"),
        ("file_suggestion", "提个建议"),
        ("file_suggestion", "我有一条关于垃圾分类的建议"),
        ("file_petition", "我要向区里反映物业乱收费"),
        ("file_petition", "我想在网上提交一件信访事项"),
        ("file_suggestion", "帮我在网上提交一条建议"),
        ("file_suggestion", "我想提个建议"),
        ("file_suggestion", "我要提人民建议"),
        ("file_suggestion", "帮我提交一个建议"),
        ("file_petition", "帮我在这里登记一件信访事项"),
        ("file_suggestion", "想好了，还是帮我提个建议吧"),  # 还是…吧 decides; it does not ask "A or B"
        ("file_petition", "好，那我还是提交吧，帮我登记信访"),
        ("check_status", "/check_status"),
        ("check_status", "查一下JY20261122K7Q2MX，手机尾号1111"),
        ("check_status", "xf20261122abc123 的进度"),
        ("check_status", "查询办理进度"),
        ("check_status", "帮我查一下进度"),
        ("check_status", "我的信访件到哪一步了"),
        ("check_status", "我提交的建议有回复了吗"),
        ("check_status", "我想查一下我提交的事项办得怎么样了"),
        ("check_status", "我之前提交的建议现在有结果了吗"),
        ("check_status", "查询 jy-20261208-k7q2mx 尾号2468"),
        ("check_status", "查查我反映的问题处理得怎样了"),
        ("ask_deadline", "/ask_deadline"),
        ("ask_deadline", "我3月1日收到处理意见，复查最晚哪天申请？"),
        ("ask_deadline", "我昨天收到答复，最晚什么时候申请复查"),
        ("ask_deadline", "帮我算一下复核截止日期"),
    ],
)
def test_clear_requests_start(intent: str, text: str) -> None:
    decision = decide(intent, text, TODAY)
    assert decision.route is Route.START, (text, decision)


@pytest.mark.parametrize(
    "intent, text",
    [
        # The examples: questions the classifier sent to a form or calculator.
        ("ask_deadline", "长宁区信访接待日是哪天？"),
        ("file_suggestion", "湿垃圾投放点几点开放？"),
        ("file_suggestion", "我对城市交通有个好点子，想提给政府，该通过什么渠道？"),
        ("file_suggestion", "我有个金点子，应该找哪个部门？"),
        ("file_suggestion", "我想给市里提个建议，有什么渠道？"),
        ("file_petition", "我们小区十几户人想一起去走访反映问题，可以都去吗？"),
        # A deadline question with no date and no request to calculate is a knowledge question.
        ("ask_deadline", "收到处理意见后多久可以申请复查？"),
        ("ask_deadline", "复核截止日期怎么算"),
        ("ask_deadline", "信访事项多久能办完？"),
        ("ask_deadline", "受理告知要等几天"),
        # How-to questions about filing or tracking.
        ("file_petition", "我想投诉，该怎么提交？"),
        ("file_petition", "网上信访怎么提交"),
        ("file_petition", "可以通过哪些方式提出信访？"),
        ("file_suggestion", "人民建议提交以后多久会有回复？"),
        ("file_suggestion", "提建议有奖励吗"),
        ("check_status", "怎么查询信访事项的办理进度？"),
        ("check_status", "提交以后在哪里查结果"),
        ("check_status", "我提交的事项怎么查进度？"),
        # A story with no request: the citizen describes a problem.
        ("file_petition", "楼下饭店油烟很大，找物业也没用"),
        # Intents that never start anything here.
        ("ask_procedure", "我要投诉"),
        ("out_of_scope", "/file_petition"),
    ],
)
def test_questions_and_descriptions_are_answered(intent: str, text: str) -> None:
    decision = decide(intent, text, TODAY)
    assert decision.route is Route.ANSWER, (text, decision)


def test_a_future_or_missing_date_is_not_a_calculation_request() -> None:
    assert asks_to_start("ask_deadline", "复查的期限是多少天", TODAY) is None
    assert asks_to_start("ask_deadline", "2026年12月5日收到处理意见，复查截止哪天", TODAY) == "a date to count from"


def test_reasons_name_the_rule_that_decided() -> None:
    assert decide("file_petition", "/file_petition", TODAY).reason == "button"
    assert decide("check_status", "JY20261122K7Q2MX", TODAY).reason == "tracking number"
    assert decide("file_petition", "网上信访怎么提交", TODAY).reason == "question"


@pytest.mark.parametrize("text", ["你好", "谢谢", "你能做什么", "您好，在吗？", "谢谢你的帮助", "你好呀"])
def test_small_talk_is_small_talk(text: str) -> None:
    assert not is_substantive_question(text)


@pytest.mark.parametrize("text", ["举报人的名字，纪委会帮我保密伐？", "你好，请问信访事项多久能办完？",
                                  "工作人员会不会把我的事说出去？", "家里老人不方便跑，打个电话反映行伐？"])
def test_a_real_question_behind_small_talk_is_noticed(text: str) -> None:
    assert is_substantive_question(text)


@pytest.mark.parametrize("text, person", [("转人工", True), ("我要找人工客服", True), ("人工", True),
                                          ("我想找工作人员说", True), ("能不能转真人", True),
                                          ("工作人员会不会把我的事说出去？", False),
                                          ("接待我的那个工作人员态度特别差，能投诉他伐？", False)])
def test_a_request_for_a_person_is_told_from_a_question_about_staff(text: str, person: bool) -> None:
    assert asks_for_a_person(text) is person


@pytest.mark.parametrize("text", ["信访要交费莫，收不收钱", "这个算不算超期", "有规定伐", "能办么"])
def test_spoken_questions_are_questions(text: str) -> None:
    assert is_question(text)
    assert decide("file_petition", text, TODAY).route is Route.ANSWER


@pytest.mark.parametrize("text", ["复查还是复核？", "是找街道还是找区里"])
def test_a_choice_between_two_is_a_question(text: str) -> None:
    assert is_question(text)


@pytest.mark.parametrize("text", ["不不不", "那么", "我要投诉物业", "还是帮我提交吧"])
def test_words_that_only_look_like_questions(text: str) -> None:
    assert not is_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "我三月十号收到受理告知书，说我反映的问题已经受理了，现在都五月中了还没处理结果，这算不算超期？",
        "我反映的事办得怎么样了，多久能有结果？",
    ],
)
def test_asking_whether_a_wait_is_normal_gets_the_rule_not_only_the_lookup(text: str) -> None:
    assert decide("check_status", text, TODAY).route is Route.ANSWER


def test_a_tracking_number_is_looked_up_whatever_else_is_asked() -> None:
    assert decide("check_status", "JY20261122K7Q2MX 超期了吗", TODAY).route is Route.START
