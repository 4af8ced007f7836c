"""The deadline calculator: which event, which date, then the last days that follow from them."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from bot.actions import knowledge
from bot.actions.form_turns import UserTurn, end_form, interrupts, is_resumed_after_interruption, wants_to_cancel
from bot.deadlines import StartEvent, deadline_reply, parse_start_date, start_event
from core.timeutil import SHANGHAI

FORM = "deadline_form"


def today_in_shanghai() -> date:
    return datetime.now(SHANGHAI).date()


def _read(text: Text, today: date) -> Tuple[Optional[StartEvent], Optional[date]]:
    """The event a message names and the date it happened (a date after today is not taken)."""
    start = parse_start_date(text, today)
    return start_event(text), start if start is not None and start <= today else None


def _slots_from(text: Text, today: date) -> List[EventType]:
    event, start = _read(text, today)
    events: List[EventType] = []
    if event is not None:
        events.append(SlotSet("deadline_event", event.name))
    if start is not None:
        events.append(SlotSet("deadline_start", start.isoformat()))
    return events


class ActionStartDeadline(Action):
    def name(self) -> Text:
        return "action_start_deadline"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return [SlotSet("deadline_event", None), SlotSet("deadline_start", None)]


class ValidateDeadlineForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_deadline_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        turn = UserTurn.latest(tracker)
        today = today_in_shanghai()
        requested = tracker.get_slot("requested_slot")
        if requested is None:  # activation: read the message that opened the form
            return _slots_from(turn.text, today)
        if is_resumed_after_interruption(tracker.events, FORM):
            dispatcher.utter_message(response="utter_back_to_form")
            return []
        if wants_to_cancel(turn, None):
            return end_form("deadline_event", "deadline_start")
        if interrupts(turn, None) and turn.intent != "ask_deadline":
            return []
        events = _slots_from(turn.text, today)
        if any(e["name"] == requested for e in events):
            return events
        if requested == "deadline_start":
            start = parse_start_date(turn.text, today)
            hint = "这个日期晚于今天，请告诉我已经发生的日期。" if start and start > today else "没有识别到日期。"
            dispatcher.utter_message(text=f"{hint}请告诉我具体日期，例如“3月1日”“昨天”或“三天前”。")
        else:
            dispatcher.utter_message(text="请选择或告诉我这个日期发生了什么。")
        return [*events, SlotSet(requested, None)]


class ActionDeadline(Action):
    def name(self) -> Text:
        return "action_deadline"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        event_name: Optional[Text] = tracker.get_slot("deadline_event")
        start_text: Optional[Text] = tracker.get_slot("deadline_start")
        if event_name in StartEvent.__members__ and start_text:
            dispatcher.utter_message(text=deadline_reply(StartEvent[event_name], date.fromisoformat(start_text)))
        else:
            dispatcher.utter_message(text="好的，已停止计算。需要时请告诉我日期和事项，例如“我3月1日收到处理意见，复查最晚哪天申请？”")
        return [SlotSet("deadline_event", None), SlotSet("deadline_start", None)]


class ActionDeadlineQuick(Action):
    """A deadline question while another form is open: computed at once when the message says
    both what happened and when, otherwise answered from the knowledge base."""

    def name(self) -> Text:
        return "action_deadline_quick"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text = UserTurn.latest(tracker).text
        event, start = _read(text, today_in_shanghai())
        if event is not None and start is not None:
            dispatcher.utter_message(text=deadline_reply(event, start))
            return []
        knowledge.send_result(dispatcher, await knowledge.search(tracker.latest_message.get("text") or text),
                              channel=tracker.get_latest_input_channel())
        return []
