"""Case notices: what the citizen is told when staff change a case's status or reply, and the
WeChat/WeCom recipient (encrypted) to send it to. Date-times are naive UTC (models.UTCDateTime).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "case_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("replied", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.CheckConstraint("event IN ('status', 'reply')", name=op.f("ck_case_notices_event")),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name=op.f("fk_case_notices_submission_id_submissions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notices")),
    )
    op.create_index("ix_case_notices_delivered_next", "case_notices", ["delivered_at", "next_attempt_at"], unique=False)
    op.create_index(op.f("ix_case_notices_submission_id"), "case_notices", ["submission_id"], unique=False)
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.add_column(sa.Column("recipient_enc", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.drop_column("recipient_enc")
    op.drop_index(op.f("ix_case_notices_submission_id"), table_name="case_notices")
    op.drop_index("ix_case_notices_delivered_next", table_name="case_notices")
    op.drop_table("case_notices")
