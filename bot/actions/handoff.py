"""Hand the citizen over to people: the real channels, plus a handoff event for channels that act on it."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import knowledge
from bot.arbitration import asks_for_a_person, is_substantive_question

# Channels that understand it (the web widget, WeChat's customer-service transfer) hand the
# conversation to staff; others ignore the custom payload and show the text. Custom payloads are
# wrapped in "data": Rasa's socket.io channel passes the payload's keys to its emit() call.
HANDOFF_PAYLOAD: Dict[Text, Any] = {"data": {"type": "handoff", "reason": "citizen_request"}}
HANDOFF_BUTTON: Dict[Text, Text] = {"title": "转人工服务", "payload": "/request_human"}


def send_human_channels(dispatcher: CollectingDispatcher) -> None:
    dispatcher.utter_message(response="utter_human_channels")
    dispatcher.utter_message(json_message=HANDOFF_PAYLOAD)


class ActionHandoff(Action):
    """The ways to a person, for a citizen who asks for one. A question about staff that the
    classifier took for such a request ("工作人员会不会把我的事说出去？") is answered instead when a
    published document answers it with confidence; when none does but some are likely topics
    ("她能不能当面说、让工作人员帮着记下来？"), the citizen gets "not sure" with those topics and
    the handoff as the first button, rather than only the ways to a person."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        text = tracker.latest_message.get("text") or ""
        if not asks_for_a_person(text) and is_substantive_question(text):
            result = await knowledge.search(text)
            if result.confident:
                knowledge.send_answer(dispatcher, result, first_buttons=[HANDOFF_BUTTON])
                return []
            if result.suggested_questions:
                knowledge.send_not_sure(dispatcher, result, first_buttons=[HANDOFF_BUTTON],
                                        channel=tracker.get_latest_input_channel())
                return []
        send_human_channels(dispatcher)
        return []
