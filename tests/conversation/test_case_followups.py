"""Follow-ups on a filed case through the real servers: a follow-up asks for the lookup first; a
verified lookup offers 评价答复 / 补充材料 / 催办; 不满意 asks why (a bad answer is asked again, 取消
records nothing); the staff API then shows the rating, the material (masked) and the 催办, and a
second 催办 the same day is refused with the time it may be asked again."""
from __future__ import annotations

from typing import Any

import pytest

from tests.staff.desk_support import CITIZEN_MOBILE, accept_and_reply, file_petition, staff_call
from tests.support.stack import Conversation, RunningAssistant

pytestmark = pytest.mark.server
LAST4 = CITIZEN_MOBILE[-4:]
OFFERED = ["评价答复", "补充材料", "催办"]


def payload(conversation: Conversation, title: str) -> str:
    found = [str(button["payload"]) for button in conversation.buttons if button.get("title") == title]
    assert found, (title, conversation.buttons)
    return found[0]


def staff_case(assistant: RunningAssistant, number: str) -> dict[str, Any]:
    return staff_call(assistant.web_url, "GET", f"/api/desk/cases/{number}")["case"]


def test_a_verified_citizen_rates_the_reply_unsatisfied_with_a_reason(assistant: RunningAssistant) -> None:
    number = file_petition(assistant.settings)
    case = accept_and_reply(assistant.web_url, number, "经核查，排水管已修复，人行道已清理。")
    chat = Conversation(assistant)
    first = chat.say("我要评价答复")
    assert "请先查询您的办件" in first and "查询编号" in first, first
    status = chat.say(f"{number} 手机尾号{LAST4}")
    assert "排水管已修复" in status and chat.button_titles == OFFERED, (status, chat.buttons)
    rate = payload(chat, "评价答复")

    assert "满意吗" in chat.say(rate) and chat.button_titles == ["满意", "基本满意", "不满意"]
    unsatisfied = payload(chat, "不满意")
    wrong = chat.say('/case_followup{"followup": "rating", "rating": "太棒了"}')
    assert "请点击“满意”“基本满意”或“不满意”" in wrong, wrong
    assert "不满意的原因" in chat.say(unsatisfied)
    too_long = chat.say("修" * 501)
    assert "最多 500 个字" in too_long and "不满意的原因" in too_long, too_long
    done = chat.say(f"修好第二天又漏了，物业也不接电话{CITIZEN_MOBILE}。")
    assert "谢谢您的评价（不满意）" in done, done
    assert "已评价过这次答复（不满意）" in chat.say(rate)

    (rating,) = staff_case(assistant, number)["followups"]
    assert (rating["kind"], rating["rating_label"], rating["department"]) == ("rating", "不满意", case["department"])
    assert "又漏了" in rating["text"] and CITIZEN_MOBILE not in rating["text"]
    table = staff_call(assistant.web_url, "GET", "/api/desk/ratings")["departments"]
    row = next(entry for entry in table if entry["department"] == case["department"])
    assert row["unsatisfied"] >= 1 and row["total"] == row["satisfied"] + row["basic"] + row["unsatisfied"]


def test_material_and_urging_are_recorded_and_a_second_urge_waits(assistant: RunningAssistant) -> None:
    number = file_petition(assistant.settings)
    accept_and_reply(assistant.web_url, number, "已转物业维修，请耐心等待。")
    chat = Conversation(assistant)
    chat.say(f"查一下{number}，手机尾号{LAST4}")
    supplement, urge = payload(chat, "补充材料"), payload(chat, "催办")

    assert "请直接输入要补充的材料" in chat.say(supplement)
    assert "已取消，没有记录" in chat.say("取消")
    chat.say(supplement)
    assert "请直接输入补充材料（文字）" in chat.say(urge)  # a button's payload is not the material
    recorded = chat.say(f"补充说明：漏水点在3号楼地下室东侧，联系电话{CITIZEN_MOBILE}。")
    assert "已将您的补充材料" in recorded and number in recorded, recorded

    first = chat.say(urge)
    assert "已记录您对办件" in first and "预计办结" in first and "下次可在" in first, first
    second = chat.say(urge)
    assert "24 小时内只能催办一次" in second and "后再催办" in second and "预计办结" in second, second

    listed = staff_call(assistant.web_url, "GET", "/api/desk/cases?per_page=100")["cases"]
    badge = next(item for item in listed if item["number"] == number)
    assert badge["unseen_followups"] == 2 and badge["urged"]
    case = staff_case(assistant, number)
    assert [item["kind"] for item in case["followups"]] == ["supplement", "urge"]
    assert "3号楼地下室" in case["followups"][0]["text"] and CITIZEN_MOBILE not in case["followups"][0]["text"]
    assert [step["event"] for step in case["history"]][-2:] == ["supplement", "urge"]
    assert staff_case(assistant, number)["unseen_followups"] == 0  # opened once: seen
