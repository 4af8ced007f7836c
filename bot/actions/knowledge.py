"""Answers from the knowledge base: the sentences that answer, their source, related questions.

The searcher is the process's one :class:`index.live.LiveKnowledge`, reached through
:func:`bot.actions.services.services` (made on first use; the action server loads it at start, so
the first citizen does not wait for the model). Messages arrive normalised and capped at
``MAX_INPUT_CHARS`` (the NLU pipeline's first component).
"""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from index import Answer, reply_text
from submissions.unanswered import NOT_SURE

from .services import services

MAX_RELATED_QUESTIONS = 3


async def search(text: Text) -> Answer:
    """Search off the event loop: embedding a query is CPU work."""
    return await asyncio.to_thread(services().knowledge.answer, text)


def _buttons(first: List[Dict[Text, Text]], questions: List[Text]) -> List[Dict[Text, Text]]:
    """``first`` (e.g. the form the citizen may have meant), then questions as quick replies."""
    return [*first, *({"title": q, "payload": q} for q in questions)][: MAX_RELATED_QUESTIONS + len(first)]


# Under an answer that cites a source: 有帮助 / 没帮助 (bot/actions/feedback.py handles them).
FEEDBACK_BUTTONS = [{"title": "有帮助", "payload": '/feedback{"helpful": "yes"}'},
                    {"title": "没帮助", "payload": '/feedback{"helpful": "no"}'}]


def send_answer(dispatcher: CollectingDispatcher, result: Answer,
                first_buttons: Optional[List[Dict[Text, Text]]] = None) -> None:
    feedback = FEEDBACK_BUTTONS if result.citation else []
    dispatcher.utter_message(text=reply_text(result),
                             buttons=[*_buttons(first_buttons or [], result.related_questions), *feedback])


def send_not_sure(dispatcher: CollectingDispatcher, result: Answer,
                  first_buttons: Optional[List[Dict[Text, Text]]] = None, channel: Optional[Text] = None) -> None:
    buttons = _buttons(first_buttons or [], result.suggested_questions)
    # "您也可以看看这些相关问题：" only when there are some to look at; a message about another
    # subject (社保, a restaurant) is told what the assistant covers and where else to ask.
    if buttons:
        response = "utter_not_sure"
    else:
        response = "utter_not_sure_other_subject" if result.other_subject else "utter_not_sure_no_topics"
    dispatcher.utter_message(response=response, buttons=buttons)
    record_not_sure(result, channel)


def record_not_sure(result: Answer, channel: Optional[Text]) -> None:
    """Put the question of an answer the assistant was not sure about in the staff queue
    (in the background; see :class:`submissions.unanswered.BackgroundRecorder`)."""
    if result.query.strip():
        services().unanswered.submit(result.query, channel or "rest", NOT_SURE)


def send_result(dispatcher: CollectingDispatcher, result: Answer,
                first_buttons: Optional[List[Dict[Text, Text]]] = None, channel: Optional[Text] = None) -> None:
    """The answer with its source, or "not sure" with the ways to a person (the question then
    goes to the staff queue of unanswered questions, from ``channel``)."""
    if result.confident:
        send_answer(dispatcher, result, first_buttons)
    else:
        send_not_sure(dispatcher, result, first_buttons, channel)


class ActionAnswerQuestion(Action):
    def name(self) -> Text:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        result = await search(tracker.latest_message.get("text") or "")
        if not result.confident:
            from bot.actions.follow_up import answered_as_follow_up  # it builds on this module

            if await answered_as_follow_up(dispatcher, tracker):
                return []
        send_result(dispatcher, result, channel=tracker.get_latest_input_channel())
        return []
