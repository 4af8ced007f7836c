"""The staff case desk: department, the reply to the citizen (encrypted), the dates the statutory
clocks need, an extension with its reason, a version for optimistic concurrency; history rows
say which desk step they record.

Rows that already moved through the workflow get decided_at / accepted_at / closed_at from their
status history, so their clocks are right at once. Date-times are naive UTC (models.UTCDateTime).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_FIRST_CHANGE_TO = (
    "(SELECT MIN(h.changed_at) FROM submission_status_history h "
    "WHERE h.submission_id = submissions.id AND h.to_status IN ({statuses}))"
)


def upgrade() -> None:
    with op.batch_alter_table("submission_status_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event", sa.String(length=16), nullable=True))

    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("department", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("reply_enc", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("replied_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("decided_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("accepted_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("extension_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("extension_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))

    for column, statuses in (("decided_at", "'accepted', 'rejected'"), ("accepted_at", "'accepted'"),
                             ("closed_at", "'closed'")):
        op.execute(f"UPDATE submissions SET {column} = {_FIRST_CHANGE_TO.format(statuses=statuses)}")


def downgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        for column in ("version", "extension_reason", "extension_days", "closed_at", "accepted_at", "decided_at",
                       "replied_at", "reply_enc", "department"):
            batch_op.drop_column(column)

    with op.batch_alter_table("submission_status_history", schema=None) as batch_op:
        batch_op.drop_column("event")
