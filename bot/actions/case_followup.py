"""Follow-ups on a filed case after a verified status lookup: rate staff's reply, add material
(补充材料), ask for progress (催办).

A lookup that finds the case (number + mobile last 4) puts only the tracking number in the
``verified_case`` slot; for :data:`VERIFIED_MINUTES` after that lookup the conversation may act on
that case. The buttons under the status reply send ``/case_followup{"followup": …}`` (and
``"rating"`` for the three rating buttons); a follow-up typed in words is read by keywords. A
follow-up without a verified case asks for the lookup first (``route: start`` opens status_form).
The reason for 不满意 and the material are asked by ``followup_form`` (one free-text slot; 取消
stops it); everything is recorded by :mod:`submissions.followups`, whose refusals are the replies.
"""
from __future__ import annotations

import asyncio
import re
import time
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from bot.actions import knowledge
from bot.actions.filing import submission_store
from bot.actions.routing import COMMAND_BUTTONS
from bot.actions.form_turns import UserTurn, end_form, wants_to_cancel
from bot.arbitration import is_payload, is_substantive_question
from core.textnorm import normalize
from core.timeutil import format_shanghai
from submissions.errors import SubmissionNotFound
from submissions.followups import (
    REASON_MAX,
    SUPPLEMENT_MAX,
    CaseFollowups,
    CaseOffer,
    FollowupKind,
    FollowupRefused,
    Rating,
    clean_text,
    expected_text,
    parse_rating,
)

VERIFIED_SLOT, REQUEST_SLOT, TEXT_SLOT = "verified_case", "followup_request", "followup_text"
VERIFIED_MINUTES = 30
# What followup_form asks for (the REQUEST_SLOT values): a reason for 不满意, or material.
ASK_REASON, ASK_MATERIAL = "unsatisfied", "supplement"
TEXT_REQUESTS = {ASK_REASON: ("不满意的原因", REASON_MAX), ASK_MATERIAL: ("补充材料", SUPPLEMENT_MAX)}


def followup_button(kind: FollowupKind, rating: Optional[Rating] = None) -> Dict[Text, Text]:
    entities = f'"followup": "{kind.value}"' + (f', "rating": "{rating.value}"' if rating else "")
    return {"title": rating.label if rating else kind.label, "payload": f"/case_followup{{{entities}}}"}


def offer_buttons(offer: CaseOffer) -> List[Dict[Text, Text]]:
    """The buttons under a found case's status: 评价答复 (a reply not yet rated), 补充材料 and 催办
    (an open case)."""
    buttons = [followup_button(FollowupKind.RATING)] if offer.can_rate else []
    if offer.is_open:
        buttons += [followup_button(FollowupKind.SUPPLEMENT), followup_button(FollowupKind.URGE)]
    return buttons


RATING_BUTTONS = [followup_button(FollowupKind.RATING, rating) for rating in Rating]


def verified_case(tracker: Tracker, now: Optional[float] = None) -> Optional[Text]:
    """The case this conversation looked up successfully within the last VERIFIED_MINUTES."""
    number = tracker.get_slot(VERIFIED_SLOT)
    if not number:
        return None
    set_at = next((event.get("timestamp") for event in reversed(tracker.events)
                   if event.get("event") == "slot" and event.get("name") == VERIFIED_SLOT), None)
    if isinstance(set_at, (int, float)) and (now or time.time()) - set_at > VERIFIED_MINUTES * 60:
        return None
    return str(number)


def requested_followup(tracker: Tracker) -> Tuple[Optional[FollowupKind], Optional[Text]]:
    """The follow-up and the rating the message asks for: from the buttons' entities, else from
    the words typed. A rating that is not one of the three is returned as given (refused later)."""
    entities = {entity.get("entity"): entity.get("value") for entity in tracker.latest_message.get("entities") or []}
    if "followup" in entities or "rating" in entities:
        kind = next((kind for kind in FollowupKind if kind.value == entities.get("followup")), None)
        rating = entities.get("rating")
        return (kind or (FollowupKind.RATING if rating else None)), (str(rating) if rating is not None else None)
    text = UserTurn.latest(tracker).normalised
    if "催" in text:
        return FollowupKind.URGE, None
    if "补充" in text:
        return FollowupKind.SUPPLEMENT, None
    for rating in (Rating.UNSATISFIED, Rating.BASIC, Rating.SATISFIED):  # 不满意 and 基本满意 contain 满意
        if rating.label in text:
            return FollowupKind.RATING, rating.value
    if "评价" in text or "打分" in text:
        return FollowupKind.RATING, None
    return None, None


# Words by which a citizen points at a case of their own ("我的件", "我提交的建议", "这个答复"), or
# asks the assistant to act on it ("能不能帮我催一催").
_OWN_CASE = re.compile(r"(帮|给|替)(我|俺)|我的(件|办件|事项|信访|建议|投诉|申请|诉求)|我(之前|以前|上次|刚才|前几天)?(提交|反映|投诉|提|递交|交)的"
                       r"|这个(答复|回复|件|建议|事项|结果)|答复|回复|办理结果|处理结果|评价|补充材料|查询编号|办件")


def _followups() -> CaseFollowups:
    return CaseFollowups(submission_store())


class ActionCaseFollowup(Action):
    """A button (or words) asking to rate, add material or urge; sets ``route`` for the rules:
    ``start`` (look the case up first), ``text`` (followup_form asks for the text), ``answer``."""

    def name(self) -> Text:
        return "action_case_followup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        kind, rating_text = requested_followup(tracker)
        number = verified_case(tracker)
        text = tracker.latest_message.get("text") or ""
        if number is None and not is_payload(text) and is_substantive_question(text):
            # "答复收到了 我不认 咋整" asks what can be done, not to rate a case: a document that
            # answers it with confidence does, and the lookup is one tap away. A question that
            # speaks of no case filed here ("法院打赢了官司……能不能去信访办催一催？") is not a
            # request to look one up either: it gets the answer or "not sure", with the lookup offered.
            result = await knowledge.search(text)
            if result.confident or not _OWN_CASE.search(normalize(text)):
                knowledge.send_result(dispatcher, result, first_buttons=[COMMAND_BUTTONS["check_status"]],
                                      channel=tracker.get_latest_input_channel())
                return [SlotSet("route", "answer")]
        if number is None:
            what = kind.label if kind else "评价答复、补充材料或催办"
            dispatcher.utter_message(text=f"为保护您的信息，{what}前请先查询您的办件：请提供查询编号和提交时所留手机号码的后4位。"
                                          "不查了请回复“取消”。")
            return [SlotSet(VERIFIED_SLOT, None), SlotSet("route", "start")]
        try:
            return await self._on_case(dispatcher, number, kind, rating_text)
        except FollowupRefused as refused:
            dispatcher.utter_message(text=str(refused))
        except SubmissionNotFound:
            dispatcher.utter_message(text="没有找到该办件，请重新查询。")
            return [SlotSet(VERIFIED_SLOT, None), SlotSet("route", "answer")]
        return [SlotSet("route", "answer")]

    async def _on_case(self, dispatcher: CollectingDispatcher, number: Text, kind: Optional[FollowupKind],
                       rating_text: Optional[Text]) -> List[EventType]:
        followups = _followups()
        offer = await asyncio.to_thread(followups.offer, number)
        answered = [SlotSet("route", "answer")]
        if kind is None:
            buttons = offer_buttons(offer)
            dispatcher.utter_message(text=f"请问您要对办件 {number} 做什么？请点击下方按钮选择。" if buttons
                                     else f"办件 {number} 目前没有可以评价、补充或催办的内容。", buttons=buttons)
            return answered
        if kind is FollowupKind.URGE:
            receipt = await asyncio.to_thread(followups.urge, number)
            dispatcher.utter_message(text=(
                f"已记录您对办件 {number} 的催办，工作人员会在办件台看到。"
                f"{expected_text(receipt.expected_by, receipt.expected_what)}"
                f"同一办件 24 小时内只能催办一次，下次可在 {format_shanghai(receipt.next_allowed_at)}（北京时间）后再催办。"))
            return answered
        if kind is FollowupKind.SUPPLEMENT:
            if not offer.is_open:  # the store refuses it too; say so before asking for the text
                raise FollowupRefused("该办件已办结或不予受理，不能再补充材料。如有新的情况，可以重新提交，或拨打 12345 市民服务热线。")
            return [SlotSet(REQUEST_SLOT, ASK_MATERIAL), SlotSet(TEXT_SLOT, None), SlotSet("route", "text")]
        if rating_text is None:
            if offer.rating_refused:
                raise FollowupRefused(offer.rating_refused)
            dispatcher.utter_message(text="您对这次答复满意吗？请选择：", buttons=RATING_BUTTONS)
            return answered
        rating = parse_rating(rating_text)
        if rating is None:
            dispatcher.utter_message(text="请点击“满意”“基本满意”或“不满意”中的一项。", buttons=RATING_BUTTONS)
            return answered
        if rating is Rating.UNSATISFIED:
            if offer.rating_refused:
                raise FollowupRefused(offer.rating_refused)
            return [SlotSet(REQUEST_SLOT, ASK_REASON), SlotSet(TEXT_SLOT, None), SlotSet("route", "text")]
        await asyncio.to_thread(followups.rate, number, rating.value)
        dispatcher.utter_message(text=f"谢谢您的评价（{rating.label}）！您的评价已记录，工作人员会看到。")
        return answered


class ActionAskFollowupText(Action):
    def name(self) -> Text:
        return "action_ask_followup_text"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if tracker.get_slot(REQUEST_SLOT) == ASK_REASON:
            dispatcher.utter_message(text=f"很抱歉答复没有让您满意。请说说不满意的原因（最多 {REASON_MAX} 字），"
                                          "我们会转给工作人员；不评价了请回复“取消”。")
        else:
            dispatcher.utter_message(text=f"请直接输入要补充的材料（文字，最多 {SUPPLEMENT_MAX} 字），"
                                          "将记入您的办件供工作人员查看；不补充了请回复“取消”。")
        return []


class ValidateFollowupForm(FormValidationAction):
    """Every message is the text asked for, except 取消 (an emergency is answered too); empty, too
    long or a button's payload is refused with a reason and asked again."""

    def name(self) -> Text:
        return "validate_followup_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("requested_slot") is None:  # activation: the button is not the text
            return []
        turn = UserTurn.latest(tracker)
        if wants_to_cancel(turn, None) and len(turn.normalised) <= 12:
            return end_form(TEXT_SLOT, REQUEST_SLOT)
        label, max_chars = TEXT_REQUESTS.get(tracker.get_slot(REQUEST_SLOT) or "", TEXT_REQUESTS[ASK_MATERIAL])
        if turn.text.strip().startswith("/"):
            dispatcher.utter_message(text=f"请直接输入{label}（文字）；不填了请回复“取消”。")
            return [SlotSet(TEXT_SLOT, None)]
        if turn.intent == "emergency":  # the text is kept, and the emergency answered first
            dispatcher.utter_message(response="utter_emergency")
        try:
            return [SlotSet(TEXT_SLOT, clean_text(turn.text, label, max_chars))]
        except FollowupRefused as refused:
            dispatcher.utter_message(text=str(refused))
            return [SlotSet(TEXT_SLOT, None)]


class ActionRecordFollowup(Action):
    """followup_form is finished: record the reason with 不满意, or the material; or say that
    nothing was recorded (cancelled)."""

    def name(self) -> Text:
        return "action_record_followup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        request, text = tracker.get_slot(REQUEST_SLOT), tracker.get_slot(TEXT_SLOT)
        cleared = [SlotSet(REQUEST_SLOT, None), SlotSet(TEXT_SLOT, None)]
        if not request or not text:
            dispatcher.utter_message(text="好的，已取消，没有记录任何内容。")
            return cleared
        number = verified_case(tracker)
        if number is None:
            dispatcher.utter_message(text="核实已超时，为保护您的信息，请重新查询办件后再操作（您刚才输入的内容没有记录）。")
            return cleared
        followups = _followups()
        try:
            if request == ASK_REASON:
                await asyncio.to_thread(followups.rate, number, Rating.UNSATISFIED.value, text)
                dispatcher.utter_message(text="谢谢您的评价（不满意），原因已记录并转给工作人员，我们会认真改进。")
            else:
                length = await asyncio.to_thread(followups.supplement, number, text)
                dispatcher.utter_message(text=f"已将您的补充材料（{length} 字）记入办件 {number}，工作人员会在办件台看到。")
        except FollowupRefused as refused:
            dispatcher.utter_message(text=str(refused))
        return cleared
