"""Starting, confirming and filing a petition or suggestion.

A form run starts clean (every form slot emptied) with a fresh idempotency key, and ends in
``action_submit``, which files only a confirmed form. The record is committed before the
tracking number is shown; a repeated run with the same key returns the same number.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import knowledge
from bot.actions.services import services
from bot.actions.form_fields import (
    ALL_FORM_SLOTS,
    FIELDS_BY_FORM,
    KIND_LABELS,
    plain_value,
    shown_value,
)
from bot.actions.form_turns import UserTurn, field_named, is_correction
from bot.actions.form_validation import CONFIRMED, NO_CONSENT, OTHER_ROUTE
from bot.arbitration import is_substantive_question
from bot.triage import legal_route_for
from core.textnorm import display_safe
from submissions import (
    ConsentRequired,
    IdempotencyConflict,
    InvalidSubmission,
    PetitionInput,
    SubmissionReceipt,
    SubmissionStore,
    SuggestionInput,
)

log = logging.getLogger(__name__)

NEXT_STEPS = {
    "petition_form": (
        "接下来：工作人员将登记您的信访事项，转送有权处理的机关、单位。对属于其职权范围的事项，"
        "有关机关应当自收到之日起15日内书面告知您是否受理（《上海市信访条例》第三十五条，"
        "参见《信访工作条例》第二十三条）。受理后一般应在60日内办结，情况复杂的可以延长，"
        "但不超过30日，并告知延期理由（《信访工作条例》第三十四条）。对处理意见不服的，"
        "可以自收到书面答复之日起30日内请求复查（第三十五条）。"
    ),
    "suggestion_form": (
        "接下来：人民建议征集工作机构将对您的建议进行登记、受理和转送，由有关国家机关研究办理"
        "（《上海市人民建议征集若干规定》第十一条）；办理情况可以通过书面、电话、短信、网络等方式"
        "反馈给您（第十二条）。"
    ),
}


def submission_store() -> SubmissionStore:
    """The action server's one store (:class:`bot.actions.services.ActionServices`)."""
    return services().store()


def reset_form_slots() -> List[EventType]:
    return [SlotSet(slot, None) for slot in ALL_FORM_SLOTS]


def new_form_run() -> List[EventType]:
    return [*reset_form_slots(), SlotSet("submission_key", uuid.uuid4().hex)]


def latest_form(tracker: Tracker) -> Optional[Text]:
    """The petition or suggestion form most recently active in this conversation."""
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") in FIELDS_BY_FORM:
            return event["name"]
    return None


class ActionStartPetition(Action):
    def name(self) -> Text:
        return "action_start_petition"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(response="utter_start_petition")
        return new_form_run()


class ActionStartSuggestion(Action):
    def name(self) -> Text:
        return "action_start_suggestion"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(response="utter_start_suggestion")
        return new_form_run()


class ActionAskLegalRoute(Action):
    """Triage (《信访工作条例》第三十一条): a court, arbitration or reconsideration matter is
    pointed to its route first; the citizen may still file a petition."""

    def name(self) -> Text:
        return "action_ask_legal_route_checked"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        route = legal_route_for(UserTurn.latest(tracker).text)
        advice = f"{route.advice}\n" if route else ""
        dispatcher.utter_message(
            text=f"{advice}您仍希望在这里提交信访事项吗？请回复“是”继续，或“不用了”。",
            buttons=[{"title": "是，继续提交", "payload": "是的"}, {"title": "不用了", "payload": "不用了"}],
        )
        return []


class ActionAskConfirm(Action):
    """The confirmation question: every answer, sensitive ones masked, then 确认 / 修改 / 取消."""

    def name(self) -> Text:
        return "action_ask_confirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        form = tracker.active_loop.get("name") or latest_form(tracker)
        fields = FIELDS_BY_FORM.get(form or "", ())
        turn = UserTurn.latest(tracker)
        if is_correction(turn, None) and field_named(turn, fields) is None:
            dispatcher.utter_message(
                text="请问您要修改哪一项？",
                buttons=[{"title": f.label, "payload": f"修改{f.label}"} for f in fields],
            )
            return []
        lines = [f"请核对您要提交的{KIND_LABELS.get(form or '', '')}："]
        lines += [f"{f.label}：{display_safe(shown_value(f, tracker.get_slot(f.slot)))}" for f in fields]
        lines.append("如需更正某一项，请回复“修改”加项目名称，例如“修改所在区”；放弃请回复“取消”；信息无误请回复“确认”提交。")
        dispatcher.utter_message(
            text="\n".join(lines),
            buttons=[{"title": "确认提交", "payload": "确认"}, {"title": "修改", "payload": "修改"},
                     {"title": "取消", "payload": "取消"}],
        )
        return []


def build_input(form: Text, tracker: Tracker) -> PetitionInput | SuggestionInput:
    value = lambda slot: plain_value(tracker.get_slot(slot))  # noqa: E731
    if form == "petition_form":
        return PetitionInput(
            name=value("full_name"), mobile=value("mobile"), district=value("district"),
            address=value("address"), content=value("petition_content"), request=value("petition_request"),
            id_number=value("id_number"), email=value("email"),
        )
    return SuggestionInput(
        name=value("full_name"), mobile=value("mobile"), district=value("district"),
        title=value("suggestion_title"), content=value("suggestion_content"), email=value("email"),
    )


def receipt_message(form: Text, receipt: SubmissionReceipt) -> Text:
    return (
        f"您的{KIND_LABELS[form]}已提交成功。\n"
        f"查询编号：{receipt.tracking_number}\n"
        "请妥善保存查询编号；查询进度时还需要提供手机号码后4位。\n"
        f"{NEXT_STEPS[form]}"
    )


class ActionSubmit(Action):
    def name(self) -> Text:
        return "action_submit"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        outcome = tracker.get_slot("confirm")
        form = latest_form(tracker)
        if outcome == NO_CONSENT:
            dispatcher.utter_message(response="utter_consent_refused")
        elif outcome == OTHER_ROUTE:
            dispatcher.utter_message(response="utter_triage_declined")
        elif outcome != CONFIRMED or form is None:
            dispatcher.utter_message(response="utter_form_cancelled")
        elif not await self.file(dispatcher, tracker, form):
            # The store is unavailable: keep every answer and ask for the confirmation again.
            return [SlotSet("confirm", None), FollowupAction(form)]
        return reset_form_slots()

    async def file(self, dispatcher: CollectingDispatcher, tracker: Tracker, form: Text) -> bool:
        """File the form; False when it could not be stored and should be retried."""
        consent = tracker.get_slot("consent")
        try:
            receipt = await asyncio.to_thread(
                submission_store().create_submission,
                build_input(form, tracker),
                channel=tracker.get_latest_input_channel() or "rest",
                sender_id=tracker.sender_id,
                consent_at=datetime.fromisoformat(consent) if consent else None,
                idempotency_key=tracker.get_slot("submission_key"),
            )
        except ConsentRequired:
            dispatcher.utter_message(response="utter_consent_refused")
            return True
        except (InvalidSubmission, IdempotencyConflict) as problem:
            log.warning("submission rejected by the store: %s", type(problem).__name__)
            details = "；".join(getattr(problem, "field_errors", {}).values())
            dispatcher.utter_message(
                text=f"抱歉，提交未成功：{details or '信息不完整'}。请重新开始填写，或拨打 12345 市民服务热线反映。"
            )
            return True
        except Exception:
            log.exception("could not store a submission")
            dispatcher.utter_message(text="抱歉，系统暂时无法保存您的提交，您填写的内容都还在。请稍后回复“确认”重试，或拨打 12345 市民服务热线反映。")
            return False
        dispatcher.utter_message(text=receipt_message(form, receipt))
        return True


class ActionAffirmOutside(Action):
    """"好的" / "确认" with no question open. If a confirmed form was never filed (the action
    server stopped while filing it), this is the citizen confirming again: file it now (the
    idempotency key makes a record that did reach the database come back with the same tracking
    number). Otherwise, invite a question."""

    def name(self) -> Text:
        return "action_affirm_outside"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if tracker.get_slot("confirm") == CONFIRMED and tracker.get_slot("submission_key") and latest_form(tracker):
            return await ActionSubmit().run(dispatcher, tracker, domain)
        text = tracker.latest_message.get("text") or ""
        if is_substantive_question(text):  # "好的，那复查要多久？" is a question, not a yes
            result = await knowledge.search(text)
            if result.confident:
                knowledge.send_answer(dispatcher, result)
                return []
        dispatcher.utter_message(response="utter_ask_question")
        return []
