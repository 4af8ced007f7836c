"""A new SQLite database reaches WAL mode even while another process is writing to it.

Switching to WAL needs an exclusive lock. When another connection holds the write lock of a
database still in rollback mode, SQLite answers "database is locked" at once, without waiting for
its busy timeout (CI saw this when three processes created the staff database together).
"""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from bot.tracker_store import pooled_sqlite_engine
from core.database import create_database_engine

HOLD_SECONDS = 0.5


def hold_the_write_lock(database: Path) -> threading.Timer:
    """Another writer: a rollback-mode database whose write lock is held for HOLD_SECONDS."""
    writer = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE earlier (x TEXT)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO earlier VALUES ('first')")

    def release() -> None:
        writer.execute("COMMIT")
        writer.close()

    timer = threading.Timer(HOLD_SECONDS, release)
    timer.start()
    return timer


ENGINES: dict[str, Callable[[Path], Engine]] = {
    "staff database": lambda path: create_database_engine(f"sqlite:///{path}", busy_timeout_seconds=10),
    "tracker store": lambda path: pooled_sqlite_engine(make_url(f"sqlite:///{path}")),
}


@pytest.mark.parametrize("engine_name", list(ENGINES))
def test_a_connection_waits_for_another_writer_and_then_switches_to_wal(tmp_path: Path, engine_name: str) -> None:
    database = tmp_path / "shared.db"
    timer = hold_the_write_lock(database)
    engine = ENGINES[engine_name](database)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert connection.execute(text("SELECT x FROM earlier")).scalars().all() == ["first"]
    finally:
        timer.join()
        engine.dispose()
