"""Alembic's environment: runs the migrations on the connection :mod:`submissions.schema` gives it.

Always called through ``submissions.schema`` (the upgrade at start, ``python -m submissions
migrate|current|history|new-migration``), which opens the connection from ``DATABASE_URL``,
holds the lock against concurrent upgrades and owns the transaction. SQLite uses batch mode, so
a migration that alters a column works there too (the table is copied).
"""
from __future__ import annotations

from typing import Any

from alembic import context

from submissions.models import Base, UTCDateTime


def render_item(kind: str, item: Any, autogen_context: Any) -> Any:
    """Write the models' UTCDateTime as a plain DateTime: migrations must not import the models,
    which will have changed by the time an old migration runs."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through submissions.schema (python -m submissions migrate), not the alembic command")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; run python -m submissions migrate")
run_migrations()
