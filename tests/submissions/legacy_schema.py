"""The tables exactly as ``create_all`` made them before migrations (submissions/models.py at
commit 1540e38), for testing that such a database is adopted with its rows.

Frozen on purpose: do not change this file when models.py changes; the migrations have to take
databases made by this schema to whatever the models become.
"""
from __future__ import annotations

from sqlalchemy import (
    CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, Text,
)

LEGACY_METADATA = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

Table(
    "submissions", LEGACY_METADATA,
    Column("id", Integer, primary_key=True),
    Column("tracking_number", String(16), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("channel", String(32), nullable=False),
    Column("sender_hash", String(64), nullable=False, index=True),
    Column("consent_at", DateTime, nullable=False),
    Column("lookup_hash", String(64), nullable=False),
    Column("idempotency_hash", String(64), nullable=True, unique=True),
    Column("payload_hash", String(64), nullable=False),
    Column("district", String(16), nullable=False),
    Column("name_enc", Text, nullable=False),
    Column("mobile_enc", Text, nullable=False),
    Column("id_number_enc", Text, nullable=True),
    Column("email_enc", Text, nullable=True),
    Column("address_enc", Text, nullable=True),
    Column("title", String(50), nullable=True),
    Column("content", Text, nullable=False),
    Column("request", Text, nullable=True),
    CheckConstraint("kind IN ('petition', 'suggestion')", name="kind"),
    CheckConstraint("status IN ('submitted', 'accepted', 'rejected', 'in_progress', 'closed')", name="status"),
    Index("ix_submissions_status_created", "status", "created_at"),
    Index("ix_submissions_kind_created", "kind", "created_at"),
)

Table(
    "submission_status_history", LEGACY_METADATA,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("from_status", String(16), nullable=True),
    Column("to_status", String(16), nullable=False),
    Column("changed_at", DateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("note", Text, nullable=True),
)

Table(
    "lookup_failures", LEGACY_METADATA,
    Column("id", Integer, primary_key=True),
    Column("requester_hash", String(64), nullable=False),
    Column("failed_at", DateTime, nullable=False, index=True),
    Index("ix_lookup_failures_requester_at", "requester_hash", "failed_at"),
)

Table(
    "audit_events", LEGACY_METADATA,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("detail", Text, nullable=False),
)
