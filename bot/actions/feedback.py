"""有帮助 / 没帮助 under knowledge answers that cite a source.

The two buttons send ``/feedback{"helpful": "yes"|"no"}`` (no free text, no new endpoint). The
question and the answering document are read from the tracker: the citizen's latest message
before the feedback, searched again (the same index answers the same way). 没帮助 puts the
question in the staff queue of unanswered questions with the document id; both get a thank-you.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import knowledge
from bot.actions.services import services
from submissions.unanswered import UNHELPFUL

FEEDBACK_INTENT = "feedback"
HELPFUL_ENTITY = "helpful"


def helpful_value(tracker: Tracker) -> Optional[Text]:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == HELPFUL_ENTITY and entity.get("value") in ("yes", "no"):
            return str(entity["value"])
    return None


def answered_question(tracker: Tracker) -> Optional[Text]:
    """The citizen's latest typed (or quick-reply) question before this feedback: not a
    ``/intent`` payload."""
    seen_feedback = False
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if not seen_feedback:  # the feedback message itself
            seen_feedback = True
            continue
        text = (event.get("text") or "").strip()
        if text and not text.startswith("/"):
            return text
    return None


class ActionFeedback(Action):
    def name(self) -> Text:
        return "action_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        helpful = helpful_value(tracker)
        if helpful == "yes":
            dispatcher.utter_message(response="utter_feedback_helpful")
            return []
        if helpful is None:
            dispatcher.utter_message(response="utter_feedback_unclear")
            return []
        dispatcher.utter_message(response="utter_feedback_unhelpful")
        question = answered_question(tracker)
        if question:
            result = await knowledge.search(question)
            best = result.search.best if result.confident and result.search is not None else None
            services().unanswered.submit(question, tracker.get_latest_input_channel() or "rest", UNHELPFUL,
                                         best.doc_id if best is not None else None)
        return []
