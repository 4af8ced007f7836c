"""Database tables (SQLAlchemy 1.4 Core/ORM, 2.0-style usage).

Schema changes need a migration (``python -m submissions new-migration``, see
submissions/README.md); a test fails while these tables and the migrations differ. Constraint
names follow :data:`NAMING_CONVENTION`, in the migrations too.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import declarative_base, relationship

from core.timeutil import ensure_aware_utc
from submissions.workflow import Kind, Status

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        return None if value is None else ensure_aware_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        return None if value is None else value.replace(tzinfo=timezone.utc)


def _in(values: list[str]) -> str:
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


class SubmissionRow(Base):
    """One petition or suggestion. Columns ending in ``_enc`` hold Fernet tokens; ``*_hash`` hold HMACs."""

    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint(f"kind IN {_in([kind.value for kind in Kind])}", name="kind"),
        CheckConstraint(f"status IN {_in([status.value for status in Status])}", name="status"),
        Index("ix_submissions_status_created", "status", "created_at"),
        Index("ix_submissions_kind_created", "kind", "created_at"),
    )

    id = Column(Integer, primary_key=True)
    tracking_number = Column(String(16), nullable=False, unique=True)
    kind = Column(String(16), nullable=False)
    status = Column(String(16), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    channel = Column(String(32), nullable=False)
    sender_hash = Column(String(64), nullable=False, index=True)
    consent_at = Column(UTCDateTime, nullable=False)
    # HMAC of "<tracking number>:<mobile last 4>" — lets a citizen's status lookup be checked
    # without decrypting anything.
    lookup_hash = Column(String(64), nullable=False)
    # HMAC of sender id + idempotency key (NULL when the caller gave none); unique, so a retried
    # confirmation can never create a second row.
    idempotency_hash = Column(String(64), nullable=True, unique=True)
    # HMAC of the normalised content, to tell a retry from a different submission under the same key.
    payload_hash = Column(String(64), nullable=False)
    district = Column(String(16), nullable=False)
    name_enc = Column(Text, nullable=False)
    mobile_enc = Column(Text, nullable=False)
    id_number_enc = Column(Text, nullable=True)
    email_enc = Column(Text, nullable=True)
    address_enc = Column(Text, nullable=True)
    title = Column(String(50), nullable=True)
    content = Column(Text, nullable=False)
    request = Column(Text, nullable=True)
    # The staff desk (migration 0002). The acceptance clock runs from created_at (received).
    department = Column(String(32), nullable=True)
    reply_enc = Column(Text, nullable=True)  # the reply to the citizen, a Fernet token
    replied_at = Column(UTCDateTime, nullable=True)
    decided_at = Column(UTCDateTime, nullable=True)  # accepted or not accepted: stops the 15-day clock
    accepted_at = Column(UTCDateTime, nullable=True)  # starts the 60-day clock
    closed_at = Column(UTCDateTime, nullable=True)  # stops it
    extension_days = Column(Integer, nullable=True)
    extension_reason = Column(Text, nullable=True)
    # Raised by every staff change; a change based on an older version is refused (409).
    version = Column(Integer, nullable=False, server_default="1", default=1)
    # WeChat / WeCom only (migration 0005): the conversation id (``wechat:<OpenID>``) as a Fernet
    # token, to send case notices as customer-service messages; NULL for every other channel.
    recipient_enc = Column(Text, nullable=True)

    history = relationship(
        "StatusChangeRow",
        order_by="StatusChangeRow.id",
        back_populates="submission",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<SubmissionRow {self.tracking_number} {self.kind} {self.status}>"


class StatusChangeRow(Base):
    __tablename__ = "submission_status_history"

    id = Column(Integer, primary_key=True)
    submission_id = Column(
        Integer, ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    from_status = Column(String(16), nullable=True)
    to_status = Column(String(16), nullable=False)
    changed_at = Column(UTCDateTime, nullable=False)
    actor = Column(String(64), nullable=False)
    note = Column(Text, nullable=True)
    # NULL: a status change; else a desk step that keeps the status ("assign", "reply", "extend").
    event = Column(String(16), nullable=True)

    submission = relationship("SubmissionRow", back_populates="history")

    def __repr__(self) -> str:
        return f"<StatusChangeRow {self.from_status}->{self.to_status} by {self.actor}>"


class CaseNoticeRow(Base):
    """A change the citizen is to be told about (migration 0005): written with the staff change,
    delivered on the citizen's channel (:mod:`submissions.notices`). Holds no personal data."""

    __tablename__ = "case_notices"
    __table_args__ = (
        CheckConstraint("event IN ('status', 'reply')", name="event"),
        Index("ix_case_notices_delivered_next", "delivered_at", "next_attempt_at"),
    )

    id = Column(Integer, primary_key=True)
    submission_id = Column(
        Integer, ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    event = Column(String(16), nullable=False)  # the latest change: 'status' or 'reply'
    status = Column(String(16), nullable=False)  # the case's status after it
    # A reply was written by this change or by an earlier undelivered one it replaced.
    replied = Column(Boolean, nullable=False, default=False)
    created_at = Column(UTCDateTime, nullable=False)
    delivered_at = Column(UTCDateTime, nullable=True)
    # Sending it as a WeChat/WeCom message: tries so far, when the next may start (NULL: not by
    # message, it waits for the citizen's next message), who holds it until when, the last failure.
    attempts = Column(Integer, nullable=False, default=0, server_default="0")
    next_attempt_at = Column(UTCDateTime, nullable=True)
    claimed_until = Column(UTCDateTime, nullable=True)
    last_error = Column(String(200), nullable=True)


class LookupFailureRow(Base):
    """One failed citizen status lookup; kept in the database so throttling survives restarts."""

    __tablename__ = "lookup_failures"
    __table_args__ = (Index("ix_lookup_failures_requester_at", "requester_hash", "failed_at"),)

    id = Column(Integer, primary_key=True)
    requester_hash = Column(String(64), nullable=False)
    failed_at = Column(UTCDateTime, nullable=False, index=True)


class AuditEventRow(Base):
    """Staff actions that expose personal data (e.g. an export with ``--reveal``)."""

    __tablename__ = "audit_events"

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False)
    actor = Column(String(64), nullable=False)
    action = Column(String(32), nullable=False)
    detail = Column(Text, nullable=False, default="")


class UnansweredQuestionRow(Base):
    """A question the assistant was not sure about, or whose answer a citizen marked unhelpful
    (migration 0003). The question is masked and capped before it is stored; no sender id."""

    __tablename__ = "unanswered_questions"
    __table_args__ = (
        CheckConstraint("reason IN ('not_sure', 'unhelpful')", name="reason"),
        Index("ix_unanswered_questions_resolved_asked", "resolved_at", "asked_at"),
    )

    id = Column(Integer, primary_key=True)
    asked_at = Column(UTCDateTime, nullable=False)
    channel = Column(String(32), nullable=False)
    reason = Column(String(16), nullable=False)
    question = Column(Text, nullable=False)
    document_id = Column(String(200), nullable=True)  # the document that answered (unhelpful only)
    resolved_at = Column(UTCDateTime, nullable=True)  # staff marked its group 已处理
    resolved_by = Column(String(64), nullable=True)


class CaseFollowupRow(Base):
    """What a citizen did on a filed case after a verified lookup (migration 0004): a rating of
    staff's reply, 补充材料 (text) or 催办. ``text_enc`` (the reason for 不满意, or the added
    material) is a Fernet token; ``department`` is the case's department at the time."""

    __tablename__ = "case_followups"
    __table_args__ = (
        CheckConstraint("kind IN ('rating', 'supplement', 'urge')", name="kind"),
        CheckConstraint("rating IS NULL OR rating IN ('satisfied', 'basic', 'unsatisfied')", name="rating"),
        Index("ix_case_followups_submission_at", "submission_id", "at"),
    )

    id = Column(Integer, primary_key=True)
    submission_id = Column(Integer, ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(16), nullable=False)
    at = Column(UTCDateTime, nullable=False)
    department = Column(String(32), nullable=True)
    rating = Column(String(16), nullable=True)
    text_enc = Column(Text, nullable=True)
    # "<submission id>@<replied_at>" for a rating: unique, so each reply is rated once (a new
    # reply may be rated again); NULL for the other kinds.
    rated_reply = Column(String(64), nullable=True, unique=True)
    seen_at = Column(UTCDateTime, nullable=True)  # staff opened the case after it (the list's badge)
