"""Hand the citizen over to people: the real channels, plus a handoff event for channels that act on it."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

# Channels that understand it (the web widget, WeChat's customer-service transfer) hand the
# conversation to staff; others ignore the custom payload and show the text. Custom payloads are
# wrapped in "data": Rasa's socket.io channel passes the payload's keys to its emit() call.
HANDOFF_PAYLOAD: Dict[Text, Any] = {"data": {"type": "handoff", "reason": "citizen_request"}}


def send_human_channels(dispatcher: CollectingDispatcher) -> None:
    dispatcher.utter_message(response="utter_human_channels")
    dispatcher.utter_message(json_message=HANDOFF_PAYLOAD)


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        send_human_channels(dispatcher)
        return []
