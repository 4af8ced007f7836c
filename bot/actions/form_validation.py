"""Validation actions of the three forms: each reads one turn and fills, corrects or stops.

Returning no slot event makes Rasa reject the form for this turn, so the interruption rules in
``bot/data/rules.yml`` answer the question (or hand over, or warn of an emergency) and then run
the form again, which repeats its question. Any other message yields at least one ``SlotSet``:
a filled slot, or the same slot emptied with a message saying what is wrong.
"""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from datetime import datetime, timezone
from typing import List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from bot.actions.form_fields import FIELDS_BY_FORM, MOBILE, NAME, PETITION_CONTENT, FormField, privacy_answer, stored_value
from bot.actions.form_turns import (
    UserTurn,
    asks_about_privacy,
    end_form,
    field_named,
    interrupts,
    is_agreement,
    is_confirmation,
    is_correction,
    is_long_answer,
    is_refusal,
    is_resumed_after_interruption,
    mobile_beside_name,
    name_in,
    seems_not_a_name,
    value_after_name,
    wants_to_cancel,
)
from bot.triage import legal_route_for
from submissions.service import mobile_last4
from submissions.tracking import find_tracking_number

REQUESTED_SLOT = "requested_slot"
# Outcomes kept in the ``confirm`` slot; the submit action files only on CONFIRMED.
CONFIRMED, CANCELLED, NO_CONSENT, OTHER_ROUTE = "confirmed", "cancelled", "no_consent", "other_route"


def stop_form(outcome: Text) -> List[EventType]:
    """End the form now; the submit action then explains the outcome."""
    return [SlotSet("confirm", outcome), SlotSet(REQUESTED_SLOT, None)]


class PersonalDetailsFormValidation(FormValidationAction, ABC):
    """Shared reading of a turn for the petition and suggestion forms."""

    @abstractmethod
    def name(self) -> Text:
        """Abstract, so the action server registers only the concrete forms' validations."""

    def fields(self) -> Tuple[FormField, ...]:
        return FIELDS_BY_FORM[self.form_name()]

    def field(self, slot: Optional[Text]) -> Optional[FormField]:
        return next((f for f in self.fields() if f.slot == slot), None)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        requested = tracker.get_slot(REQUESTED_SLOT)
        if requested is None:  # activation: nothing has been asked yet
            return self.on_activation(tracker)
        if is_resumed_after_interruption(tracker.events, self.form_name()):
            dispatcher.utter_message(response="utter_back_to_form")
            return []
        turn = UserTurn.latest(tracker)
        field = self.field(requested)
        if wants_to_cancel(turn, field):
            return stop_form(CANCELLED)
        if interrupts(turn, field):
            return []
        if field is not None and asks_about_privacy(turn, field):
            dispatcher.utter_message(text=privacy_answer(field))
            return [SlotSet(field.slot, None)]
        if requested == "legal_route_checked":
            return self.read_legal_route_answer(dispatcher, turn)
        if requested == "consent":
            return self.read_consent(dispatcher, turn)
        if is_correction(turn, field):
            return self.correct(dispatcher, turn)
        if requested == "confirm":
            return self.read_confirmation(dispatcher, turn)
        if field is None:
            return []
        return self.answer(dispatcher, turn, field)

    def on_activation(self, tracker: Tracker) -> List[EventType]:
        """A petition whose first message points to another legal route asks first (triage)."""
        if self.form_name() != "petition_form" or legal_route_for(UserTurn.latest(tracker).text):
            return []
        return [SlotSet("legal_route_checked", "clear")]

    def read_legal_route_answer(self, dispatcher: CollectingDispatcher, turn: UserTurn) -> List[EventType]:
        if is_refusal(turn) or turn.is_confident("deny"):
            return stop_form(OTHER_ROUTE)
        if is_agreement(turn) or turn.is_confident("affirm"):
            return [SlotSet("legal_route_checked", "insisted")]
        return [SlotSet("legal_route_checked", None)]

    def read_consent(self, dispatcher: CollectingDispatcher, turn: UserTurn) -> List[EventType]:
        if is_refusal(turn):
            return stop_form(NO_CONSENT)
        if is_agreement(turn):
            return [SlotSet("consent", datetime.now(timezone.utc).isoformat())]
        dispatcher.utter_message(text="请回复“同意”继续，或回复“不同意”放弃提交。")
        return [SlotSet("consent", None)]

    def read_confirmation(self, dispatcher: CollectingDispatcher, turn: UserTurn) -> List[EventType]:
        if is_confirmation(turn):
            return [SlotSet("confirm", CONFIRMED)]
        if is_refusal(turn):
            dispatcher.utter_message(text="好的，信息尚未提交。如需更正，请回复“修改”加项目名称；放弃请回复“取消”。")
        return [SlotSet("confirm", None)]

    def correct(self, dispatcher: CollectingDispatcher, turn: UserTurn) -> List[EventType]:
        """Re-open one field; the summary is shown again once it is answered."""
        field = field_named(turn, self.fields())
        if field is None:
            # The confirmation question then offers the fields to choose from.
            return [SlotSet("confirm", None), SlotSet(REQUESTED_SLOT, "confirm")]
        new_value = value_after_name(turn, field)
        if new_value:
            result = field.validate(new_value)
            if result.ok and result.value is not None:
                dispatcher.utter_message(text=f"已将{field.label}更新为：{field.show(result.value)}。")
                return [SlotSet(field.slot, stored_value(field, result.value)), SlotSet("confirm", None)]
        return [SlotSet(field.slot, None), SlotSet("confirm", None), SlotSet(REQUESTED_SLOT, field.slot)]

    def answer(self, dispatcher: CollectingDispatcher, turn: UserTurn, field: FormField) -> List[EventType]:
        if field is NAME:
            return self.answer_name(dispatcher, turn)
        return self.answer_field(dispatcher, turn, field)

    def answer_name(self, dispatcher: CollectingDispatcher, turn: UserTurn) -> List[EventType]:
        """The name, and the mobile number too when the citizen gives both at once
        ("我叫孙悦，手机13655557777"): neither is lost or asked again."""
        name_turn, mobile = mobile_beside_name(turn)
        if mobile is None:
            return self.answer_field(dispatcher, turn, NAME)
        events = self.answer_field(dispatcher, name_turn, NAME)
        named = any(isinstance(e, dict) and e.get("name") == NAME.slot and e.get("value") for e in events)
        checked = MOBILE.validate(mobile)
        if named and MOBILE in self.fields() and checked.ok and checked.value is not None:
            events.append(SlotSet(MOBILE.slot, stored_value(MOBILE, checked.value)))
        return events

    def answer_field(self, dispatcher: CollectingDispatcher, turn: UserTurn, field: FormField) -> List[EventType]:
        if field is NAME and seems_not_a_name(turn):
            dispatcher.utter_message(text=field.purpose if turn.looks_like_question else "请告诉我您的姓名，例如“张三”。")
            return [SlotSet(field.slot, None)]
        result = field.validate(name_in(turn) if field is NAME else turn.text)
        if (not result.ok or result.value is None) and turn.looks_like_question and field.purpose:
            dispatcher.utter_message(text=field.purpose)  # "为什么要留手机号？会不会泄露？": say why, then ask again
            return [SlotSet(field.slot, None)]
        if not result.ok or result.value is None:
            dispatcher.utter_message(text=result.error or f"{field.label}不符合要求，请重新输入。")
            return [SlotSet(field.slot, None)]
        if turn.intent == "emergency" and is_long_answer(turn, field):
            dispatcher.utter_message(response="utter_emergency")
        if field is PETITION_CONTENT:
            route = legal_route_for(result.value)
            if route:
                dispatcher.utter_message(text=f"提示：{route.advice}如您仍希望通过信访渠道反映，可以继续填写。")
        return [SlotSet(field.slot, stored_value(field, result.value))]


class ValidatePetitionForm(PersonalDetailsFormValidation):
    def name(self) -> Text:
        return "validate_petition_form"


class ValidateSuggestionForm(PersonalDetailsFormValidation):
    def name(self) -> Text:
        return "validate_suggestion_form"


class ValidateStatusForm(FormValidationAction):
    """Tracking number and the mobile's last 4 digits, from one message or asked in turn."""

    def name(self) -> Text:
        return "validate_status_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if _reopened_after_failed_lookup(tracker.events):
            # Re-opened after a failed lookup: the digits that failed (which Rasa offers again from
            # this turn's events) are not taken again; the number is kept.
            return [SlotSet("mobile_last4", None)]
        turn = UserTurn.latest(tracker)
        requested = tracker.get_slot(REQUESTED_SLOT)
        activating = requested is None  # nothing asked yet: read the message that opened the form
        if not activating:
            if is_resumed_after_interruption(tracker.events, self.form_name()):
                dispatcher.utter_message(response="utter_back_to_form")
                return []
            if wants_to_cancel(turn, None):
                return end_form("tracking_number", "mobile_last4")
            if interrupts(turn, None):
                return []
        events: List[EventType] = []
        number = find_tracking_number(turn.normalised)
        if number:
            events.append(SlotSet("tracking_number", number))
        rest = turn.normalised.upper().replace(number, " ") if number else turn.normalised
        # A lone group of four digits counts beside a number, or when the form asked for them
        # ("不好意思输错了，是2468").
        lone = _lone_four_digits(rest) if number or requested == "mobile_last4" else None
        last4 = mobile_last4(rest) or _trailing_last4(rest) or lone
        if last4:
            events.append(SlotSet("mobile_last4", last4))
        if not activating and not events:
            hint = {
                "tracking_number": "没有识别到查询编号。查询编号以 XF 或 JY 开头，后面是8位日期和6位字母数字，例如 JY20261122K7Q2MX。",
                "mobile_last4": "请输入4位数字，即提交时所留手机号码的后4位。",
            }.get(requested, "请按提示输入。")
            dispatcher.utter_message(text=hint)
            return [SlotSet(requested, None)]
        return events


def _reopened_after_failed_lookup(events: List[Dict[Text, Any]]) -> bool:
    """The lookup ran since the citizen's latest message (and re-opened the form to retry)."""
    for event in reversed(events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") == "action_check_status":
            return True
    return False


_LAST4_PHRASE = re.compile(r"(尾号|后四位|后4位|末四位|末4位)\D{0,4}(\d{4})(?!\d)")


def _lone_four_digits(text: Text) -> Optional[Text]:
    """"我的件XF…怎么样了 1111": beside a tracking number, the one group of exactly four digits."""
    groups = re.findall(r"(?<!\d)\d{4}(?!\d)", text)
    return groups[0] if len(groups) == 1 else None


def _trailing_last4(text: Text) -> Optional[Text]:
    """"尾号1111" / "后四位 1111": four digits after a last-digits phrase."""
    match = _LAST4_PHRASE.search(text)
    return match.group(2) if match else None
