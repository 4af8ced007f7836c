"""Answers from the knowledge base: the sentences that answer, their source, related questions.

One :class:`index.Searcher` serves the whole action server. It is created when the action server
imports this module (so the first citizen does not wait for the model to load). A daemon thread
checks for a newer index version every ``INDEX_POLL_SECONDS``, whether or not anyone is asking:
knowledge that staff publish goes live without a restart, and a search in flight finishes on the
version it started with.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from core.settings import settings
from index import Answer, Searcher, answer_question
from submissions.unanswered import NOT_SURE, BackgroundRecorder, UnansweredQuestions

log = logging.getLogger(__name__)
MAX_RELATED_QUESTIONS = 3


class _SharedSearcher:
    """The process's searcher; a background poller swaps it to new index versions."""

    def __init__(self) -> None:
        self._searcher: Optional[Searcher] = None
        self._lock = threading.Lock()
        self._poller: Optional[threading.Thread] = None

    def get(self) -> Optional[Searcher]:
        with self._lock:
            if self._searcher is None:
                try:
                    self._searcher = Searcher(settings())
                except Exception:  # no index built yet, or a broken one: answer "not sure"
                    log.exception("knowledge index unavailable")
                    return None
            return self._searcher

    def refresh(self) -> None:
        """Swap to a newer published index version, if there is one (queries never wait)."""
        searcher = self.get()
        if searcher is None:
            return
        try:
            if searcher.maybe_reload():
                log.info("knowledge index reloaded: %s", searcher.version)
                self.warm(searcher)
        except Exception:
            log.exception("could not load the new index version; keeping the current one")

    @staticmethod
    def warm(searcher: Searcher) -> None:
        """Encode the knowledge sentences before citizens ask, in a thread of its own (about 15 s
        of one core for the whole knowledge base), so that index reloads never wait for it."""

        def encode_ahead() -> None:
            began = time.perf_counter()
            try:
                encoded = searcher.warm_answer_cache()
            except Exception:  # a failed warm-up only means slower first answers
                log.exception("could not encode the knowledge sentences ahead")
                return
            if encoded:
                log.info("encoded %d knowledge sentences for answers in %.1f s", encoded, time.perf_counter() - began)

        threading.Thread(target=encode_ahead, name="answer-cache-warm", daemon=True).start()

    def start_polling(self) -> None:
        """Start the daemon thread that calls :meth:`refresh` every ``INDEX_POLL_SECONDS`` (once)."""
        with self._lock:
            if self._poller is None:
                self._poller = threading.Thread(target=self._poll_forever, name="index-poller", daemon=True)
                self._poller.start()

    def _poll_forever(self) -> None:
        interval = max(0.1, settings().index_poll_seconds)
        searcher = self.get()
        if searcher is not None:
            self.warm(searcher)
        while True:
            time.sleep(interval)
            self.refresh()


shared_searcher = _SharedSearcher()


def _answer_blocking(text: Text) -> Answer:
    searcher = shared_searcher.get()
    if searcher is None or not text.strip():
        return Answer(text, confident=False)
    return answer_question(searcher, text, related=MAX_RELATED_QUESTIONS)


async def search(text: Text) -> Answer:
    """Search off the event loop: embedding a query is CPU work."""
    return await asyncio.to_thread(_answer_blocking, text)


def _buttons(first: List[Dict[Text, Text]], questions: List[Text]) -> List[Dict[Text, Text]]:
    """``first`` (e.g. the form the citizen may have meant), then questions as quick replies."""
    return [*first, *({"title": q, "payload": q} for q in questions)][: MAX_RELATED_QUESTIONS + len(first)]


# Under an answer that cites a source: 有帮助 / 没帮助 (bot/actions/feedback.py handles them).
FEEDBACK_BUTTONS = [{"title": "有帮助", "payload": '/feedback{"helpful": "yes"}'},
                    {"title": "没帮助", "payload": '/feedback{"helpful": "no"}'}]


def send_answer(dispatcher: CollectingDispatcher, result: Answer,
                first_buttons: Optional[List[Dict[Text, Text]]] = None) -> None:
    feedback = FEEDBACK_BUTTONS if result.citation else []
    dispatcher.utter_message(text=f"{result.text}\n{result.citation}",
                             buttons=[*_buttons(first_buttons or [], result.related_questions), *feedback])


def _unanswered_questions() -> UnansweredQuestions:
    from .filing import submission_store  # the action server's one store (filing imports this module)

    return UnansweredQuestions(submission_store())


# Questions the assistant was not sure about go to the staff queue (/staff/unanswered), written
# by a worker thread: the citizen's reply never waits for the database, nor fails with it.
unanswered_recorder = BackgroundRecorder(_unanswered_questions)


def send_not_sure(dispatcher: CollectingDispatcher, result: Answer,
                  first_buttons: Optional[List[Dict[Text, Text]]] = None, channel: Optional[Text] = None) -> None:
    dispatcher.utter_message(response="utter_not_sure",
                             buttons=_buttons(first_buttons or [], result.suggested_questions))
    record_not_sure(result, channel)


def record_not_sure(result: Answer, channel: Optional[Text]) -> None:
    """Put the question of an answer the assistant was not sure about in the staff queue
    (in the background; see :class:`submissions.unanswered.BackgroundRecorder`)."""
    if result.query.strip():
        unanswered_recorder.submit(result.query, channel or "rest", NOT_SURE)


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
        send_result(dispatcher, await search(tracker.latest_message.get("text") or ""),
                    channel=tracker.get_latest_input_channel())
        return []


# Load the model and the index, and run one search through every stage (tokeniser dictionary,
# embedding, fusion, answer extraction), while the action server starts: not on the first question.
_answer_blocking("信访事项的办理期限")
shared_searcher.start_polling()
