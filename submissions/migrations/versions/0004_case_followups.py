"""Citizens' follow-ups on a filed case: ratings of staff's reply (one per reply, with the
department at the time), 补充材料 (encrypted text) and 催办, each seen or not yet seen by staff.
Date-times are naive UTC (models.UTCDateTime).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "case_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("department", sa.String(length=32), nullable=True),
        sa.Column("rating", sa.String(length=16), nullable=True),
        sa.Column("text_enc", sa.Text(), nullable=True),
        sa.Column("rated_reply", sa.String(length=64), nullable=True),
        sa.Column("seen_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('rating', 'supplement', 'urge')", name=op.f("ck_case_followups_kind")),
        sa.CheckConstraint("rating IS NULL OR rating IN ('satisfied', 'basic', 'unsatisfied')",
                           name=op.f("ck_case_followups_rating")),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE",
                                name=op.f("fk_case_followups_submission_id_submissions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_followups")),
        sa.UniqueConstraint("rated_reply", name=op.f("uq_case_followups_rated_reply")),
    )
    op.create_index("ix_case_followups_submission_at", "case_followups", ["submission_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_case_followups_submission_at", table_name="case_followups")
    op.drop_table("case_followups")
