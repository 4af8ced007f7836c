"""The action server's long-lived objects, built on first use: the settings, the one live
knowledge base (:class:`index.live.LiveKnowledge`: searcher and embedding model), the submission
store and the background recorder of unanswered questions.

Importing an action module loads nothing and starts no thread; the action server warms the
services up at start (:func:`bot.action_server.main`), and tests install their own
(:func:`install`) to run actions with a ``CollectingDispatcher`` and a ``Tracker``, without the
model.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Optional, Protocol

from core.settings import Settings, settings as process_settings
from submissions.unanswered import BackgroundRecorder, UnansweredQuestions

if TYPE_CHECKING:
    from index import Answer
    from submissions.service import SubmissionStore


class KnowledgeSource(Protocol):
    """What the actions need of the knowledge base (:class:`index.live.LiveKnowledge`)."""

    def answer(self, text: str) -> "Answer": ...


class ActionServices:
    def __init__(self, cfg: Settings, knowledge: Optional[KnowledgeSource] = None,
                 store: Optional["SubmissionStore"] = None):
        self.settings = cfg
        if knowledge is None:
            from index.live import LiveKnowledge  # loads nothing yet: the searcher is made on first use

            knowledge = LiveKnowledge(cfg)
        self.knowledge = knowledge
        self._store = store
        self._lock = threading.Lock()
        # Questions the assistant was not sure about go to the staff queue (/staff/unanswered),
        # written by a worker thread: the citizen's reply never waits for the database.
        self.unanswered = BackgroundRecorder(lambda: UnansweredQuestions(self.store()))

    def store(self) -> "SubmissionStore":
        """The submission store (the database is opened, and migrated, on the first call)."""
        with self._lock:
            if self._store is None:
                from submissions.service import SubmissionStore

                self._store = SubmissionStore.from_settings(self.settings)
            return self._store


_services: Optional[ActionServices] = None
_services_lock = threading.Lock()


def services() -> ActionServices:
    """The process's services (made from ``settings()`` on the first call)."""
    global _services
    with _services_lock:
        if _services is None:
            _services = ActionServices(process_settings())
        return _services


def install(replacement: Optional[ActionServices]) -> Optional[ActionServices]:
    """Use ``replacement`` from now on (None: build anew on next use); returns the previous one."""
    global _services
    with _services_lock:
        previous, _services = _services, replacement
        return previous
