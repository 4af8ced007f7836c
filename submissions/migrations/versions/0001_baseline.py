"""Baseline: the tables create_all made before migrations (submissions, status history, lookup failures, audit events).

A database created by that code (the same tables, no alembic_version) is marked as this revision
instead of being migrated (submissions.schema). Names follow models.NAMING_CONVENTION, exactly as
create_all named them. Date-times are naive UTC (models.UTCDateTime).

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracking_number", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("sender_hash", sa.String(length=64), nullable=False),
        sa.Column("consent_at", sa.DateTime(), nullable=False),
        sa.Column("lookup_hash", sa.String(length=64), nullable=False),
        sa.Column("idempotency_hash", sa.String(length=64), nullable=True),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("district", sa.String(length=16), nullable=False),
        sa.Column("name_enc", sa.Text(), nullable=False),
        sa.Column("mobile_enc", sa.Text(), nullable=False),
        sa.Column("id_number_enc", sa.Text(), nullable=True),
        sa.Column("email_enc", sa.Text(), nullable=True),
        sa.Column("address_enc", sa.Text(), nullable=True),
        sa.Column("title", sa.String(length=50), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("request", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('petition', 'suggestion')", name=op.f("ck_submissions_kind")),
        sa.CheckConstraint(
            "status IN ('submitted', 'accepted', 'rejected', 'in_progress', 'closed')", name=op.f("ck_submissions_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint("tracking_number", name=op.f("uq_submissions_tracking_number")),
        sa.UniqueConstraint("idempotency_hash", name=op.f("uq_submissions_idempotency_hash")),
    )
    op.create_index("ix_submissions_status_created", "submissions", ["status", "created_at"])
    op.create_index("ix_submissions_kind_created", "submissions", ["kind", "created_at"])
    op.create_index(op.f("ix_submissions_sender_hash"), "submissions", ["sender_hash"])

    op.create_table(
        "submission_status_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"],
            name=op.f("fk_submission_status_history_submission_id_submissions"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_status_history")),
    )
    op.create_index(op.f("ix_submission_status_history_submission_id"), "submission_status_history", ["submission_id"])

    op.create_table(
        "lookup_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_hash", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lookup_failures")),
    )
    op.create_index("ix_lookup_failures_requester_at", "lookup_failures", ["requester_hash", "failed_at"])
    op.create_index(op.f("ix_lookup_failures_failed_at"), "lookup_failures", ["failed_at"])

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_table("lookup_failures")  # dropping a table drops its indexes
    op.drop_table("submission_status_history")
    op.drop_table("submissions")
