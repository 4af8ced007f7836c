"""Questions the assistant could not answer well, kept for staff to write the missing documents.

The action server records a question when it answers "not sure" (reason ``not_sure``) or when a
citizen marks an answer 没帮助 (``unhelpful``, with the answering document). What is stored is
the question with personal data masked (:func:`core.personal_data.masking.redact_personal_data`),
capped at :data:`QUESTION_MAX` characters, the time and the channel: never the sender id.
Staff read the open ones grouped by meaning (``web/staff/unanswered.py``) and mark a group 已处理.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Optional

from sqlalchemy import func, select, update

from core.personal_data.masking import CONTROL_CHARACTERS, log_safe, redact_personal_data
from submissions.models import AuditEventRow
from submissions.models import UnansweredQuestionRow as Row
from submissions.service import CHANNEL_PATTERN, SubmissionStore, check_actor

log = logging.getLogger(__name__)

NOT_SURE, UNHELPFUL = "not_sure", "unhelpful"
REASON_LABELS = {NOT_SURE: "不确定", UNHELPFUL: "没帮助"}
QUESTION_MAX = 200
DOCUMENT_ID_MAX = 200
MAX_PENDING_RECORDS = 100  # recordings waiting for the database; beyond that new ones are dropped


def stored_question(text: str) -> str:
    """The question as it is kept: masked, without control characters, one line, capped."""
    masked = " ".join(CONTROL_CHARACTERS.sub("", redact_personal_data(text or "")).split())
    return masked if len(masked) <= QUESTION_MAX else masked[:QUESTION_MAX - 1] + "…"


def _channel(channel: Optional[str]) -> str:
    cleaned = (channel or "rest").strip().lower()
    return cleaned if CHANNEL_PATTERN.match(cleaned) else "other"


@dataclass(frozen=True)
class UnansweredQuestion:
    id: int
    asked_at: datetime
    channel: str
    reason: str
    question: str
    document_id: Optional[str]
    resolved_at: Optional[datetime]


class UnansweredQuestions:
    """The ``unanswered_questions`` table, on a :class:`SubmissionStore`'s database (thread-safe)."""

    def __init__(self, store: SubmissionStore):
        self._store = store

    def record(self, question: str, channel: str, reason: str = NOT_SURE,
               document_id: Optional[str] = None) -> Optional[int]:
        """Store one question; an empty one (after masking) is not stored. Returns the row id."""
        if reason not in REASON_LABELS:
            raise ValueError(f"unknown reason {reason!r}")
        text = stored_question(question)
        if not text:
            return None
        document = (document_id or "")[:DOCUMENT_ID_MAX] or None
        with self._store.session() as session, session.begin():
            row = Row(asked_at=self._store.now(), channel=_channel(channel),
                                        reason=reason, question=text, document_id=document)
            session.add(row)
            session.flush()
            return int(row.id)

    def questions(self, since: datetime, until: datetime, *, resolved: bool = False,
                  limit: int = 3000) -> tuple[list[UnansweredQuestion], bool]:
        """The open (or, with ``resolved``, the handled) questions asked in [since, until), newest
        first, at most ``limit``; and whether there were more."""
        state = Row.resolved_at.is_not(None) if resolved else Row.resolved_at.is_(None)
        query = (select(Row).where(state, Row.asked_at >= since, Row.asked_at < until)
                 .order_by(Row.asked_at.desc(), Row.id.desc()).limit(limit + 1))
        with self._store.session() as session:
            rows = session.execute(query).scalars().all()
        found = [UnansweredQuestion(row.id, row.asked_at, row.channel, row.reason, row.question, row.document_id,
                                    row.resolved_at) for row in rows[:limit]]
        return found, len(rows) > limit

    def resolve(self, ids: list[int], actor: str, detail: str) -> int:
        """Mark the open questions ``ids`` 已处理, with an audit entry in the same transaction.
        Returns how many were still open."""
        actor = check_actor(actor)
        now = self._store.now()
        with self._store.session() as session, session.begin():
            changed = session.execute(
                update(Row).where(Row.id.in_(ids), Row.resolved_at.is_(None))
                .values(resolved_at=now, resolved_by=actor).execution_options(synchronize_session=False)
            ).rowcount
            session.add(AuditEventRow(at=now, actor=actor, action="unanswered.resolve",
                                      detail=f"{detail}，{changed} 条"))
        log.info("audit: unanswered.resolve by %s (%s)", log_safe(actor), log_safe(detail))
        return int(changed or 0)

    def count(self) -> int:
        with self._store.session() as session:
            return int(session.execute(select(func.count(Row.id))).scalar_one())


class BackgroundRecorder:
    """Records questions in one worker thread, so the citizen's reply never waits for the
    database. At most :data:`MAX_PENDING_RECORDS` wait; beyond that a question is dropped (and
    logged). A failure is logged, never raised."""

    def __init__(self, questions: Callable[[], UnansweredQuestions], max_pending: int = MAX_PENDING_RECORDS):
        self._questions = questions
        self._slots = threading.BoundedSemaphore(max_pending)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="unanswered-record")

    def submit(self, question: str, channel: str, reason: str = NOT_SURE, document_id: Optional[str] = None) -> bool:
        if not self._slots.acquire(blocking=False):
            log.warning("unanswered question not recorded: %d recordings already waiting", MAX_PENDING_RECORDS)
            return False
        try:
            self._executor.submit(self._record, question, channel, reason, document_id)
        except Exception:
            self._slots.release()
            log.exception("could not queue an unanswered question")
            return False
        return True

    def close(self) -> None:
        """Write the questions already queued, then stop taking more (a shutdown loses none)."""
        self._executor.shutdown(wait=True)

    def _record(self, question: str, channel: str, reason: str, document_id: Optional[str]) -> None:
        try:
            self._questions().record(question, channel, reason, document_id)
        except Exception:
            log.exception("could not record an unanswered question (%s)", reason)
        finally:
            self._slots.release()
