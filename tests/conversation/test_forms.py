"""Filing a petition or suggestion and checking its status, through the real servers.

Each test is a whole conversation over Rasa's REST channel; records are checked in the real
database the action server wrote (same DATABASE_URL and data key as the running assistant).
"""
from __future__ import annotations

import json
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.settings import load_settings
from submissions import SubmissionStore
from tests.support.stack import Conversation, RunningAssistant

pytestmark = pytest.mark.server
TRACKING = re.compile(r"(?:XF|JY)\d{8}[A-Z0-9]{6}")
SUGGESTION = ["同意", "赵敏", "13600001111", "徐汇区", "跳过", "社区增设长椅",
              "建议在社区公园步道旁增设长椅，方便老人散步时休息。"]
PETITION = ["同意", "李雷", "139 1234 5678", "浦东", "浦东新区世纪大道100号", "11010519491231002X", "跳过",
            "小区楼下饭店每天凌晨两点还在营业，油烟和噪音严重影响休息，多次反映无果。",
            "希望有关部门督促饭店整改，控制营业时间和油烟排放。"]


@pytest.fixture(scope="module")
def store(assistant: RunningAssistant) -> SubmissionStore:
    return SubmissionStore.from_settings(load_settings(assistant.env))


def fill_form(chat: Conversation, opening: str, answers: list[str]) -> str:
    """Open a form and answer every step; return the last reply (the summary to confirm)."""
    reply = chat.say(opening)
    for answer in answers:
        reply = chat.say(answer)
    return reply


def file_form(chat: Conversation, opening: str, answers: list[str]) -> str:
    fill_form(chat, opening, answers)
    return chat.say("确认")


def test_suggestion_is_filed_with_a_tracking_number_and_its_status_can_be_checked(
    assistant: RunningAssistant, store: SubmissionStore
) -> None:
    chat = Conversation(assistant)
    reply = file_form(chat, "我有个建议想提交", SUGGESTION)
    number = TRACKING.search(reply).group(0)
    assert number.startswith("JY")
    assert "人民建议征集" in reply  # what happens next
    record = store.get_record(number)
    assert record.title == "社区增设长椅" and record.district == "徐汇区"
    status = Conversation(assistant).say(f"查一下{number}，手机尾号1111")
    assert number in status and "已提交" in status


def test_petition_with_correction_is_stored_completely_and_masked_in_the_summary(
    assistant: RunningAssistant, store: SubmissionStore
) -> None:
    chat = Conversation(assistant)
    chat.say("我要投诉")
    for answer in PETITION:
        summary = chat.say(answer)
    assert "139****5678" in summary and "1101**********002X" in summary
    assert "13912345678" not in summary and "11010519491231002X" not in summary
    assert "手机" in chat.say("修改手机号码")
    summary = chat.say("13900001111")
    assert "139****1111" in summary and "确认" in summary
    number = TRACKING.search(chat.say("确认")).group(0)
    assert number.startswith("XF")
    record = store.get_record(number)
    assert record.mobile == "13900001111" and record.id_number == "11010519491231002X"
    assert record.district == "浦东新区" and record.content.startswith("小区楼下饭店")


@pytest.mark.parametrize("typed, stored", [("周杰", "周杰"), ("我叫司马光", "司马光"),
                                           ("阿依古丽·买买提", "阿依古丽·买买提")])
def test_a_real_name_is_taken_at_the_name_step(assistant: RunningAssistant, typed: str, stored: str) -> None:
    """Names the classifier reads as "affirm" (周杰) or that come with "我叫" are names."""
    chat = Conversation(assistant)
    chat.say("我有个建议想提交")
    chat.say("同意")
    assert any(word in chat.say(typed) for word in ("手机", "电话")), typed  # the next question: the name was taken
    for answer in SUGGESTION[2:]:
        summary = chat.say(answer)
    assert f"姓名：{stored}" in summary


@pytest.mark.parametrize(
    ("step", "bad", "complaint"),
    [
        pytest.param(2, "12345", "11", id="mobile-too-short"),
        pytest.param(2, "23600001111", "手机", id="mobile-wrong-prefix"),
        pytest.param(3, "北京市朝阳区", "16", id="district-outside-shanghai"),
        pytest.param(5, "110105194912310021", "身份证", id="id-number-check-digit"),
        pytest.param(6, "zhangsan#example", "邮箱", id="email"),
        pytest.param(7, "太吵了", "15", id="content-too-short"),
        pytest.param(7, "吵" * 2001, "2000", id="content-too-long"),
    ],
)
def test_invalid_answer_is_explained_and_asked_again(
    assistant: RunningAssistant, step: int, bad: str, complaint: str
) -> None:
    chat = Conversation(assistant)
    chat.say("我要投诉")
    for answer in PETITION[:step]:
        question = chat.say(answer)
    reply = chat.say(bad)
    assert complaint in reply
    assert reply.strip().endswith(question.strip().splitlines()[-1])  # the same question again
    chat.say(PETITION[step])  # the valid answer is then accepted and the form goes on
    for answer in PETITION[step + 1:]:
        chat.say(answer)
    assert "请核对" in chat.messages[-1]["text"]


def test_a_question_at_a_step_is_answered_with_why_it_is_asked_and_the_step_goes_on(assistant: RunningAssistant) -> None:
    chat = Conversation(assistant)
    chat.say("我有个建议想提交")
    chat.say("同意")
    chat.say("赵敏")
    reply = chat.say("为什么要留手机号？会不会泄露？")  # was refused as a wrong mobile number
    assert "联系您" in reply and "加密保存" in reply and "格式" not in reply, reply
    assert "手机号码" in reply.splitlines()[-1]  # then the same question again
    assert "所在区" in chat.say("13600001111")


def test_optional_steps_offer_a_skip_button_and_a_long_title_is_asked_to_be_shorter(assistant: RunningAssistant) -> None:
    chat = Conversation(assistant)
    chat.say("我有个建议想提交")
    for answer in SUGGESTION[:3]:
        chat.say(answer)
    assert "邮箱" in chat.say("徐汇区") and chat.button_titles == ["跳过"]
    chat.say("跳过")
    sentence = "建议在我们社区公园的步道两旁每隔五十米增设一张带靠背的长椅方便老人散步时休息"
    reply = chat.say(sentence)
    assert "30" in reply and "标题" in reply, reply
    assert "建议内容" in chat.say("社区增设长椅")


@pytest.mark.parametrize("cancel_after", [0, 3, len(SUGGESTION)])
def test_cancelling_at_any_point_stores_nothing(
    assistant: RunningAssistant, store: SubmissionStore, cancel_after: int
) -> None:
    before = store.count()
    chat = Conversation(assistant)
    chat.say("我想提个建议")
    for answer in SUGGESTION[:cancel_after]:
        chat.say(answer)
    reply = chat.say("取消")
    assert "已取消本次填写" in reply and "目前没有正在填写" not in reply, reply
    assert store.count() == before


def test_without_consent_nothing_is_stored_and_the_citizen_is_told_why(
    assistant: RunningAssistant, store: SubmissionStore
) -> None:
    before = store.count()
    chat = Conversation(assistant)
    chat.say("我要提人民建议")
    reply = chat.say("不同意")
    assert "不会被保存" in reply and "12345" in reply
    assert store.count() == before


def test_question_in_the_middle_is_answered_then_the_form_continues(assistant: RunningAssistant) -> None:
    chat = Conversation(assistant)
    chat.say("我要投诉")
    chat.say("同意")
    chat.say("李雷")
    reply = chat.say("复核是什么意思？")
    assert "来源：" in reply and "手机号码" in reply.splitlines()[-1]
    assert "所在区" in chat.say("13912345678")  # the answer to the repeated question is taken


def test_repeated_confirmation_files_one_record(assistant: RunningAssistant, store: SubmissionStore) -> None:
    chat = Conversation(assistant)
    before = store.count()
    first = file_form(chat, "我有个建议想提交", SUGGESTION)
    again = chat.say("确认")
    assert TRACKING.search(first) and not TRACKING.search(again)
    assert store.count() == before + 1


def test_a_confirmation_the_database_cannot_store_is_kept_for_a_retry(
    assistant: RunningAssistant, store: SubmissionStore
) -> None:
    chat = Conversation(assistant)
    fill_form(chat, "我有个建议想提交", SUGGESTION)
    before = store.count()
    blocker = sqlite3.connect(assistant.settings.data_dir / "assistant.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the database past the busy timeout
    try:
        failed = chat.say("确认")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert "暂时无法保存" in failed and "还在" in failed and not TRACKING.search(failed)
    assert store.count() == before
    filed = chat.say("确认")  # the summary was kept: confirming again files it
    number = TRACKING.search(filed).group(0)
    assert store.get_record(number).title == "社区增设长椅" and store.count() == before + 1


def test_court_matter_is_pointed_to_its_route_first(assistant: RunningAssistant, store: SubmissionStore) -> None:
    before = store.count()
    chat = Conversation(assistant)
    reply = chat.say("我要投诉法院判决不公")
    assert "诉讼" in reply and "第三十一条" in reply and "仍希望" in reply
    assert "不在这里提交" in chat.say("不用了")
    assert store.count() == before
    insisting = Conversation(assistant)
    insisting.say("我要投诉法院判决不公")
    assert "同意" in insisting.say("是的")  # continues to the privacy notice


def test_status_lookup_reveals_nothing_for_any_wrong_combination(assistant: RunningAssistant) -> None:
    number = TRACKING.search(file_form(Conversation(assistant), "我有个建议想提交", SUGGESTION)).group(0)
    replies = {
        Conversation(assistant).say(f"查一下{number}，手机尾号2222"),
        Conversation(assistant).say("查一下JY20200101ABCDEF，手机尾号1111"),
    }
    assert len(replies) == 1 and number not in replies.pop()
    # the digits need no "尾号" when they stand beside the number; a wrong pair still finds nothing
    assert number in Conversation(assistant).say(f"我的件{number}怎么样了 1111")
    assert number not in Conversation(assistant).say(f"我的件{number}怎么样了 2222")


def test_a_wrong_last4_can_be_corrected_in_the_next_message(assistant: RunningAssistant) -> None:
    number = TRACKING.search(file_form(Conversation(assistant), "我有个建议想提交", SUGGESTION)).group(0)
    chat = Conversation(assistant)
    failed = chat.say(f"查一下{number}，手机尾号2222")
    assert "没有找到" in failed and "后4位" in failed.splitlines()[-1]
    found = chat.say("1111")  # was: 抱歉，我没有完全理解
    assert number in found and "已提交" in found
    other = Conversation(assistant)  # a citizen who does not know the digits can leave
    other.say(f"查一下{number}，手机尾号2222")
    assert "已停止查询" in other.say("取消")
    assert "来源：" in other.say("信访事项的办理期限是多久？")  # and is no longer asked for them
    asked = Conversation(assistant)  # 取消 stops a lookup at any step (it said 目前没有正在填写的内容)
    asked.say("查询进度")
    assert "已停止查询" in asked.say("取消")


def test_repeated_failed_lookups_are_slowed_down(assistant: RunningAssistant) -> None:
    chat = Conversation(assistant)
    replies = [chat.say(f"查一下JY2020010{i}ABCDEF，手机尾号1111") for i in range(7)]
    assert "没有找到" in replies[0]
    assert "分钟后再试" in replies[-1]


def test_concurrent_citizens_each_get_their_own_complete_record(
    assistant: RunningAssistant, store: SubmissionStore
) -> None:
    def one_citizen(i: int) -> str:
        answers = SUGGESTION[:2] + [f"1360000{i:04d}"] + SUGGESTION[3:]
        return TRACKING.search(file_form(Conversation(assistant), "我有个建议想提交", answers)).group(0)

    with ThreadPoolExecutor(max_workers=10) as pool:
        numbers = list(pool.map(one_citizen, range(10)))
    assert len(set(numbers)) == 10
    assert sorted(store.get_record(n).mobile for n in numbers) == [f"1360000{i:04d}" for i in range(10)]


def test_transcripts_keep_the_conversation_but_not_the_forms_answers(assistant: RunningAssistant) -> None:
    chat = Conversation(assistant)
    chat.say("我要投诉")
    for answer in PETITION:
        chat.say(answer)
    with sqlite3.connect(assistant.settings.data_dir / "tracker.db") as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ?", (chat.conversation_id,)).fetchall()
    stored = "\n".join(json.dumps(json.loads(data), ensure_ascii=False) for (data,) in rows)
    assert "我要投诉" in stored and "〔已隐去：姓名〕" in stored  # the transcript is there ...
    assert "13912345678" not in stored and "139 1234 5678" not in stored  # ... without the answers
    assert "11010519491231002X" not in stored and "李雷" not in stored and "世纪大道100号" not in stored
