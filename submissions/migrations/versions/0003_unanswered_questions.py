"""Unanswered questions: what the assistant was not sure about or a citizen marked unhelpful,
masked, for the staff queue (/staff/unanswered). Date-times are naive UTC (models.UTCDateTime).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "unanswered_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("document_id", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint("reason IN ('not_sure', 'unhelpful')", name=op.f("ck_unanswered_questions_reason")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unanswered_questions")),
    )
    op.create_index("ix_unanswered_questions_resolved_asked", "unanswered_questions",
                    ["resolved_at", "asked_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_unanswered_questions_resolved_asked", table_name="unanswered_questions")
    op.drop_table("unanswered_questions")
