"""The two-stage fallback: first ask to rephrase with likely topics, then offer people to talk to.

A message the classifier is unsure about is still tried against the knowledge base: when the
retrieval is confident, the citizen simply gets the answer.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import knowledge
from bot.actions.conversation import consecutive_runs_of, intent_ranking
from bot.actions.follow_up import answered_as_follow_up
from bot.actions.handoff import send_human_channels

# Likely topics offered when the classifier ranks these intents high.
INTENT_TOPIC_BUTTONS: Dict[Text, Dict[Text, Text]] = {
    "file_petition": {"title": "我要提交信访事项", "payload": "/file_petition"},
    "file_suggestion": {"title": "我要提人民建议", "payload": "/file_suggestion"},
    "check_status": {"title": "查询办理进度", "payload": "/check_status"},
    "request_human": {"title": "转人工服务", "payload": "/request_human"},
}
# The actions that may answer a turn with the fallback: a run of them in a row is one run.
FALLBACK_ACTIONS = frozenset({"action_fallback", "action_arbitrate"})
DEFAULT_TOPIC_QUESTIONS = ("信访有哪些渠道", "信访事项的办理期限是多久", "怎样提出人民建议")
MAX_BUTTONS = 4


def likely_topic_buttons(tracker: Tracker, suggested_questions: List[Text]) -> List[Dict[Text, Text]]:
    buttons = [
        INTENT_TOPIC_BUTTONS[entry["name"]]
        for entry in intent_ranking(tracker)[:3]
        if entry.get("name") in INTENT_TOPIC_BUTTONS
    ]
    for question in [*suggested_questions, *DEFAULT_TOPIC_QUESTIONS]:
        if len(buttons) >= MAX_BUTTONS:
            break
        if all(b["payload"] != question for b in buttons):
            buttons.append({"title": question, "payload": question})
    return buttons[:MAX_BUTTONS]


def send_fallback(dispatcher: CollectingDispatcher, tracker: Tracker, result: knowledge.Answer, runs: int) -> None:
    """The answer when the knowledge base is confident after all; else, the first time, a request
    to rephrase with likely topics, and from the second time in a row, the ways to people."""
    if result.confident:
        knowledge.send_answer(dispatcher, result)
        return
    knowledge.record_not_sure(result, tracker.get_latest_input_channel())
    if runs >= 2:
        dispatcher.utter_message(response="utter_fallback_offer_human")
        send_human_channels(dispatcher)
    else:  # a message about another subject is told what the assistant covers; the buttons show it
        dispatcher.utter_message(
            response="utter_not_sure_other_subject" if result.other_subject else "utter_ask_rephrase",
            buttons=likely_topic_buttons(tracker, result.suggested_questions),
        )


class ActionFallback(Action):
    def name(self) -> Text:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if await answered_as_follow_up(dispatcher, tracker):
            return []
        result = await knowledge.search(tracker.latest_message.get("text") or "")
        send_fallback(dispatcher, tracker, result, consecutive_runs_of(FALLBACK_ACTIONS, tracker.events))
        return []
