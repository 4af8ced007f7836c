"""Case notices: telling citizens on their own channel that staff changed their case.

When staff change a case's status or write a reply, :func:`record_notice` adds a notice in the
same transaction, replacing the case's undelivered ones (several changes collapse to the latest
state; a reply among them is kept as "已答复"). The notice's text holds only the tracking number,
the kind, the status (and whether a reply was written) and how to see the details — never the
name, mobile, content or reply, since a chat message can be read by whoever holds the phone.

Delivery (the Rasa server, :mod:`bot.connectors.notices`):

* on the citizen's next message from the conversation that filed the case (the submission's
  ``sender_hash``), before the answer — every channel (:meth:`CaseNotices.take_for_conversation`);
* WeChat / WeCom also at once, as a customer-service / application message to the recipient
  kept encrypted on the submission (``recipient_enc``, those channels only): a poller claims due
  notices (:meth:`CaseNotices.claim_pushes`; a claim is a conditional UPDATE, so two Rasa
  instances never send one twice), failures are retried with doubling waits up to
  ``max_attempts``; a refusal that retrying cannot fix (WeChat's 48-hour window) is recorded and
  the notice waits for the citizen's next message.

Notices older than ``max_age`` are not sent at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Optional

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from submissions.models import CaseNoticeRow, SubmissionRow
from submissions.workflow import Kind, Status

if TYPE_CHECKING:
    from submissions.service import SubmissionStore

STATUS_CHANGED, REPLIED = "status", "reply"
# Channels whose notices are also sent as messages at once (their recipient is kept encrypted).
PUSH_CHANNELS = frozenset({"wechat", "wecom"})
MAX_PUSH_ATTEMPTS = 5
RETRY_BASE_SECONDS = 30.0
CLAIM_SECONDS = 60.0  # a claimed notice is left alone this long (the sender's timeout is 10 s)
ERROR_MAX = 200


def record_notice(session: Session, row: SubmissionRow, event: str, status: Status, now: datetime) -> None:
    """In the staff change's transaction: one undelivered notice per case, for its latest state."""
    pending = session.execute(
        select(CaseNoticeRow).where(CaseNoticeRow.submission_id == row.id, CaseNoticeRow.delivered_at.is_(None))
    ).scalars().all()
    replied = event == REPLIED or any(notice.replied for notice in pending)
    for notice in pending:
        session.delete(notice)
    pushed = row.channel in PUSH_CHANNELS and row.recipient_enc is not None
    session.add(CaseNoticeRow(submission_id=row.id, event=event, status=status.value, replied=replied,
                              created_at=now, attempts=0, next_attempt_at=now if pushed else None))


def notice_text(tracking_number: str, kind: Kind, status: Status, replied: bool) -> str:
    """What the citizen reads: no personal data, no reply text (only where to see them)."""
    change = f"已有答复，当前状态：{status.label}" if replied else f"办理状态已更新为：{status.label}"
    return (f"【办理进度提醒】您的{kind.label}（查询编号 {tracking_number}）{change}。"
            f"查看详情请发送“查询办理进度 {tracking_number}”，并按提示输入手机号码后4位。")


@dataclass(frozen=True)
class Notice:
    id: int
    tracking_number: str
    kind: Kind
    status: Status
    replied: bool
    created_at: datetime

    @property
    def text(self) -> str:
        return notice_text(self.tracking_number, self.kind, self.status, self.replied)


@dataclass(frozen=True)
class PushJob:
    """A notice claimed for sending as a WeChat/WeCom message."""

    notice: Notice
    channel: str
    conversation_id: str  # e.g. ``wechat:<OpenID>``, decrypted
    attempts: int  # including this one

    @property
    def user_id(self) -> str:
        """The platform's user id (the conversation id without its ``<channel>:`` prefix)."""
        prefix = f"{self.channel}:"
        return self.conversation_id[len(prefix):] if self.conversation_id.startswith(prefix) else self.conversation_id


class CaseNotices:
    """The ``case_notices`` table on a :class:`SubmissionStore`'s database (thread-safe)."""

    def __init__(self, store: "SubmissionStore", max_age: timedelta, *, max_attempts: int = MAX_PUSH_ATTEMPTS,
                 retry_base_seconds: float = RETRY_BASE_SECONDS, claim_seconds: float = CLAIM_SECONDS) -> None:
        self._store = store
        self._max_age = max_age
        self._max_attempts = max_attempts
        self._retry_base = retry_base_seconds
        self._claim = timedelta(seconds=claim_seconds)

    def _unclaimed(self, now: datetime) -> ColumnElement:
        return or_(CaseNoticeRow.claimed_until.is_(None), CaseNoticeRow.claimed_until < now)

    def _sendable(self, now: datetime) -> list[ColumnElement]:
        """Undelivered, not too old, not being sent by a poller."""
        return [CaseNoticeRow.delivered_at.is_(None), CaseNoticeRow.created_at >= now - self._max_age,
                self._unclaimed(now)]

    def take_for_conversation(self, conversation_id: str) -> list[Notice]:
        """The undelivered notices of the cases this conversation filed, oldest first, marked
        delivered (each by a conditional UPDATE: a notice is taken once however many ask)."""
        now = self._store.now()
        wanted = self._store.sender_hash(conversation_id)
        taken: list[Notice] = []
        with self._store.session() as session, session.begin():
            rows = session.execute(
                select(CaseNoticeRow, SubmissionRow.tracking_number, SubmissionRow.kind)
                .join(SubmissionRow, SubmissionRow.id == CaseNoticeRow.submission_id)
                .where(SubmissionRow.sender_hash == wanted, *self._sendable(now))
                .order_by(CaseNoticeRow.id)
            ).all()
            for notice, number, kind in rows:
                if self._mark(session, notice.id, now, delivered_at=now, next_attempt_at=None, claimed_until=None):
                    taken.append(_notice(notice, number, kind))
        return taken

    def claim_pushes(self, channel: str, limit: int = 20) -> list[PushJob]:
        """Due notices of cases filed on ``channel`` (WeChat/WeCom), claimed for sending."""
        now = self._store.now()
        protect = self._store.protector
        jobs: list[PushJob] = []
        with self._store.session() as session, session.begin():
            rows = session.execute(
                select(CaseNoticeRow, SubmissionRow.tracking_number, SubmissionRow.kind, SubmissionRow.recipient_enc)
                .join(SubmissionRow, SubmissionRow.id == CaseNoticeRow.submission_id)
                .where(SubmissionRow.channel == channel, SubmissionRow.recipient_enc.is_not(None),
                       CaseNoticeRow.next_attempt_at.is_not(None), CaseNoticeRow.next_attempt_at <= now,
                       *self._sendable(now))
                .order_by(CaseNoticeRow.next_attempt_at, CaseNoticeRow.id)
                .limit(limit)
            ).all()
            for notice, number, kind, recipient in rows:
                if self._mark(session, notice.id, now, claimed_until=now + self._claim,
                              attempts=CaseNoticeRow.attempts + 1):
                    jobs.append(PushJob(_notice(notice, number, kind), channel, protect.decrypt(recipient),
                                        notice.attempts + 1))
        return jobs

    def pushed(self, job: PushJob) -> None:
        now = self._store.now()
        with self._store.session() as session, session.begin():
            session.execute(update(CaseNoticeRow).where(CaseNoticeRow.id == job.notice.id)
                            .values(delivered_at=now, claimed_until=None, next_attempt_at=None, last_error=None)
                            .execution_options(synchronize_session=False))

    def push_failed(self, job: PushJob, error: str, *, retry: bool) -> Optional[datetime]:
        """Record a failed send; returns when it is tried again (None: it waits for the citizen's
        next message — ``retry`` False, or the attempts are used up)."""
        now = self._store.now()
        again = (now + timedelta(seconds=self._retry_base * 2 ** (job.attempts - 1))
                 if retry and job.attempts < self._max_attempts else None)
        with self._store.session() as session, session.begin():
            session.execute(update(CaseNoticeRow).where(CaseNoticeRow.id == job.notice.id)
                            .values(claimed_until=None, next_attempt_at=again, last_error=error[:ERROR_MAX])
                            .execution_options(synchronize_session=False))
        return again

    def _mark(self, session: Session, notice_id: int, now: datetime, **values: object) -> bool:
        changed = session.execute(
            update(CaseNoticeRow)
            .where(CaseNoticeRow.id == notice_id, CaseNoticeRow.delivered_at.is_(None), self._unclaimed(now))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return changed.rowcount == 1


def _notice(row: CaseNoticeRow, number: str, kind: str) -> Notice:
    return Notice(row.id, number, Kind(kind), Status(row.status), bool(row.replied), row.created_at)
