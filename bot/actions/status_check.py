"""Checking a submission's status with its tracking number and the mobile's last 4 digits.

Every wrong combination gets the same reply, so nobody can probe which numbers exist; repeated
failures are slowed down by the store, counted per conversation, per tracking number (however
many conversations ask) and per client address where the channel knows it.
"""
from __future__ import annotations

import asyncio
import math
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.case_followup import VERIFIED_SLOT, offer_buttons
from bot.actions.filing import submission_store
from core.timeutil import format_shanghai
from submissions import LookupOutcome, LookupResult
from submissions.followups import CaseFollowups

NOT_FOUND_REPLY = (
    "没有找到与该查询编号和手机号码后4位相符的记录，请核对后再试。"
    "查询编号以 XF 或 JY 开头，共16位；手机号码后4位为提交时所留号码。如有疑问，请拨打 12345 市民服务热线。"
)
# The statutory clock that runs (submissions.clocks) as the citizen reads it.
EXPECTED_STEP = {"受理告知": "告知是否受理", "办理": "办结"}
RETRY_HINT = "可以直接重新输入手机号码后4位，或输入新的查询编号；不查了请回复“取消”。"


# Channels that put the client's network address into a message's metadata themselves, replacing
# whatever the client sent. None does today: REST and socket.io metadata come from the client, and
# WeChat/WeCom callbacks come from Tencent (their sender id, which Tencent vouches for, is counted).
CLIENT_ADDRESS_CHANNELS: frozenset[str] = frozenset()
CLIENT_ADDRESS_KEY = "client_address"


def client_address(tracker: Tracker) -> Optional[Text]:
    """The client's address as a trusted channel reported it, else None."""
    if tracker.get_latest_input_channel() not in CLIENT_ADDRESS_CHANNELS:
        return None
    value = ((tracker.latest_message or {}).get("metadata") or {}).get(CLIENT_ADDRESS_KEY)
    return value if isinstance(value, str) and value else None


def status_reply(result: LookupResult) -> Text:
    if result.outcome is LookupOutcome.THROTTLED:
        minutes = max(1, math.ceil(result.retry_after_seconds / 60))
        return f"查询失败次数较多，为保护信息安全，请在{minutes}分钟后再试。"
    if result.outcome is not LookupOutcome.FOUND or result.status is None or result.kind is None:
        return NOT_FOUND_REPLY
    lines = [
        f"查询编号：{result.tracking_number}（{result.kind.label}）",
        f"当前状态：{result.status.label}",
    ]
    if result.created_at is not None:
        lines.append(f"提交时间：{format_shanghai(result.created_at)}")
    if result.department:
        lines.append(f"承办部门：{result.department}")
    if result.expected_by is not None:
        what = EXPECTED_STEP.get(result.expected_what or "", "办理")
        day = result.expected_by
        lines.append(f"预计{what}：{day.year}年{day.month}月{day.day}日前（法定期限的最后一天）")
    if result.history:
        lines.append("办理记录：" + "；".join(f"{e.changed_at_text} {e.label}" for e in result.history))
    if result.reply:
        when = f"（{format_shanghai(result.replied_at)}）" if result.replied_at else ""
        lines.append(f"答复{when}：{result.reply}")
    return "\n".join(lines)


def lookup_cleared() -> List[EventType]:
    """Forget the tracking number and digits of a lookup (started, finished or stopped)."""
    return [SlotSet("tracking_number", None), SlotSet("mobile_last4", None)]


class ActionStartStatusCheck(Action):
    def name(self) -> Text:
        return "action_start_status_check"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return [*lookup_cleared(), SlotSet(VERIFIED_SLOT, None)]


class ActionCheckStatus(Action):
    def name(self) -> Text:
        return "action_check_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        number, last4 = tracker.get_slot("tracking_number"), tracker.get_slot("mobile_last4")
        if not number or not last4:
            dispatcher.utter_message(response="utter_status_cancelled")
        else:
            result = await asyncio.to_thread(submission_store().lookup, number, last4, tracker.sender_id,
                                             client_address(tracker))
            if result.outcome is LookupOutcome.NOT_FOUND:
                # Let the citizen correct a digit (the store's throttle still counts every try): the
                # form is active again with the number kept, and asks for the last 4 digits without
                # re-reading the message that failed.
                dispatcher.utter_message(text=f"{NOT_FOUND_REPLY}\n{RETRY_HINT}")
                return [SlotSet("mobile_last4", None), ActiveLoop("status_form")]
            if result.outcome is LookupOutcome.FOUND and result.tracking_number:
                # The citizen proved the case is theirs: follow-ups on it are offered (only the
                # number is kept, for a while; see bot/actions/case_followup.py).
                offer = await asyncio.to_thread(CaseFollowups(submission_store()).offer, result.tracking_number)
                dispatcher.utter_message(text=status_reply(result), buttons=offer_buttons(offer))
                return [*lookup_cleared(), SlotSet(VERIFIED_SLOT, result.tracking_number)]
            dispatcher.utter_message(text=status_reply(result))
        return lookup_cleared()
