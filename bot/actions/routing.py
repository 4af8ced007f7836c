"""The actions that arbitrate between intents and the knowledge base (see :mod:`bot.arbitration`).

``action_arbitrate`` runs first for every message the classifier files as a command outside a
form. It sets the ``route`` slot, which the rules branch on: ``start`` opens the form or the
deadline calculator; ``answer`` means this action has already replied, from the knowledge base
when it is confident (with the command the classifier had in mind offered as a button), else
with "not sure" and that button.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import knowledge
from bot.actions.conversation import consecutive_runs_of
from bot.actions.deadline import today_in_shanghai
from bot.actions.fallback import FALLBACK_ACTIONS, send_fallback
from bot.actions.follow_up import answered_as_follow_up
from bot.emergency import is_emergency, is_self_harm
from bot.arbitration import SMALL_TALK_REPLIES, Route, decide, is_substantive_question
from core.textnorm import normalize
from index import Answer

log = logging.getLogger(__name__)

# When the classifier calls a message off-topic or small talk, a document must be this sure (a
# probability, see index/confidence.py) to answer it anyway: two signals disagree, so the bar is
# higher than RETRIEVAL_THRESHOLD. Hospital check-ups (复查) and exam re-marking (复核) share words
# with the knowledge base, and "你是真人吗？" shares 人 with the page on reaching a person; the
# classifier has seen such messages, the retrieval has not.
OUT_OF_SCOPE_MIN_CONFIDENCE = 0.8
# Small talk that says nothing by itself (a bare no, "never mind"): a real question heard as one is
# just a question, answered like any other (or met with "not sure" and likely topics).
CONTENTLESS_INTENTS = frozenset({"deny", "stop"})
# The button that starts what the classifier heard, offered beside an answer.
COMMAND_BUTTONS: Dict[Text, Dict[Text, Text]] = {
    "file_petition": {"title": "我要提交信访事项", "payload": "/file_petition"},
    "file_suggestion": {"title": "我要提人民建议", "payload": "/file_suggestion"},
    "check_status": {"title": "查询办理进度", "payload": "/check_status"},
    "ask_deadline": {"title": "帮我计算截止日期", "payload": "/ask_deadline"},
}


def latest_text(tracker: Tracker) -> Text:
    return tracker.latest_message.get("text") or ""


def latest_intent(tracker: Tracker) -> Text:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def outweighs_classifier(result: Answer) -> bool:
    """The knowledge base is sure enough to overrule a classifier that heard no knowledge question,
    and the in-domain model does not judge the message to be about another subject (then two of
    the three signals say it is no question for the knowledge base)."""
    return (result.confident and result.search is not None and not result.other_subject
            and result.search.confidence >= OUT_OF_SCOPE_MIN_CONFIDENCE)


class ActionArbitrate(Action):
    def name(self) -> Text:
        return "action_arbitrate"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        intent = latest_intent(tracker)
        text = latest_text(tracker)
        decision = decide(intent, text, today_in_shanghai())
        log.debug("route for intent %s: %s (%s)", intent, decision.route.value, decision.reason)
        if decision.route is Route.START:
            return [SlotSet("route", Route.START.value)]
        result = await knowledge.search(text)
        if not result.confident and await answered_as_follow_up(dispatcher, tracker):
            return [SlotSet("route", Route.ANSWER.value)]
        if not result.confident and decision.reason != "question":
            # Neither a clear request nor a question the knowledge base answers (often not words
            # at all): the two-stage fallback, counting these turns with the fallback's own.
            send_fallback(dispatcher, tracker, result, consecutive_runs_of(FALLBACK_ACTIONS, tracker.events))
            return [SlotSet("route", Route.ANSWER.value)]
        offer = [COMMAND_BUTTONS[intent]] if intent in COMMAND_BUTTONS else []
        knowledge.send_result(dispatcher, result, first_buttons=offer, channel=tracker.get_latest_input_channel())
        return [SlotSet("route", Route.ANSWER.value)]


class ActionOutOfScope(Action):
    """A message the classifier thinks is off-topic: still answered when a published document
    answers it with confidence (staff may have published what the classifier never saw)."""

    def name(self) -> Text:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if await answered_as_follow_up(dispatcher, tracker):  # "要是超过了呢" after the 60 days
            return []
        result = await knowledge.search(latest_text(tracker))
        if outweighs_classifier(result):
            knowledge.send_answer(dispatcher, result)
        else:
            dispatcher.utter_message(response="utter_out_of_scope")
            knowledge.record_not_sure(result, tracker.get_latest_input_channel())
        return []


class ActionSmallTalk(Action):
    """Greetings, thanks, "are you a bot", "what can you do": their fixed reply, unless the message
    is a real question that a published document answers with confidence."""

    def name(self) -> Text:
        return "action_small_talk"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        intent = latest_intent(tracker)
        text = latest_text(tracker)
        if await answered_as_follow_up(dispatcher, tracker):  # "那很紧急的事呢" heard as a goodbye
            return []
        if is_substantive_question(text):
            result = await knowledge.search(text)
            if intent in CONTENTLESS_INTENTS:
                # "不" or "算了" cannot carry a question: "……他们是不是应该通知我？" is one
                knowledge.send_result(dispatcher, result, channel=tracker.get_latest_input_channel())
                return []
            if outweighs_classifier(result):
                knowledge.send_answer(dispatcher, result)
                return []
        dispatcher.utter_message(response=SMALL_TALK_REPLIES.get(intent, "utter_ask_question"))
        return []


class ActionEmergency(Action):
    """The emergency numbers, always first, and the psychological assistance line (12356) when the
    message speaks of self-harm. A question in the same message that the knowledge base answers
    with confidence is answered after them: the classifier can hear an emergency in a question
    ("家里老人不方便跑，打个电话反映行不行？"), and a citizen in distress may still ask one."""

    def name(self) -> Text:
        return "action_emergency"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_emergency")
        text = latest_text(tracker)
        normalised = normalize(text)
        if is_self_harm(normalised):
            dispatcher.utter_message(response="utter_self_harm_help")
        if is_substantive_question(text):
            result = await knowledge.search(text)
            if not is_emergency(normalised):
                # Only the classifier heard an emergency: the question is the message's point
                # ("去年楼下饭店着火了……能信访要赔偿吗"), answered or met with likely topics.
                knowledge.send_result(dispatcher, result, channel=tracker.get_latest_input_channel())
            elif result.confident:
                knowledge.send_answer(dispatcher, result)
        return []
