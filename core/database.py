"""Engines for the two supported databases (the schema itself: :mod:`submissions.schema`).

* SQLite (the default, ``sqlite:///<data_dir>/assistant.db``): WAL journal so readers never
  block the writer, a busy timeout (``SQLITE_BUSY_TIMEOUT_SECONDS``) so concurrent writers wait
  instead of failing, foreign keys on.
* PostgreSQL (``postgresql://…``, driver psycopg2): a connection pool with pre-ping.

Statement parameters are hidden from SQLAlchemy's logs and error messages. SQLite files (the
database and its ``-wal`` / ``-shm`` companions, which SQLite creates with the database's mode)
are readable by their owner only: :func:`private_sqlite_file`.
"""
from __future__ import annotations

import os
import sqlite3
import time
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, create_engine, make_url
from sqlalchemy.engine.url import URL

from core.settings import load_settings


def normalize_database_url(database_url: str) -> URL:
    """Parse the URL; ``postgres://`` (as some hosts spell it) is accepted as ``postgresql://``."""
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://"):]
    url = make_url(database_url)
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(f"unsupported DATABASE_URL backend {url.get_backend_name()!r}: use sqlite or postgresql")
    if url.get_backend_name() == "postgresql" and url.get_driver_name() not in ("psycopg2", ""):
        raise ValueError("for PostgreSQL use the psycopg2 driver (postgresql:// or postgresql+psycopg2://)")
    return url


SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def private_sqlite_file(database: str | None) -> None:
    """Create the SQLite file ``database`` with mode 0600 before SQLite opens it (SQLite would
    create it 0644 under the usual umask), and narrow an existing one and its companions to 0600."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for suffix in SQLITE_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        try:
            companion.chmod(0o600)
        except FileNotFoundError:
            pass


def switch_to_write_ahead_log(cursor: Any, busy_timeout_seconds: float) -> None:
    """Put the database in WAL mode, retrying while another process holds the lock.

    The switch needs an exclusive lock, and SQLite answers "database is locked" at once, without
    its busy handler, when two new connections race for it (several processes opening a new
    database together). WAL mode is stored in the file, so only the first connections race.
    """
    deadline = time.monotonic() + busy_timeout_seconds
    pause_seconds = 0.01
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            if time.monotonic() + pause_seconds > deadline:
                raise
            time.sleep(pause_seconds)
            pause_seconds = min(pause_seconds * 2, 0.5)


def _on_sqlite_connect(busy_timeout_seconds: float, dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {round(busy_timeout_seconds * 1000)}")
        switch_to_write_ahead_log(cursor, busy_timeout_seconds)
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def create_database_engine(database_url: str, busy_timeout_seconds: float | None = None) -> Engine:
    """An engine for ``database_url``. ``busy_timeout_seconds`` (SQLite only): the caller's
    ``Settings.sqlite_busy_timeout_seconds``; without it, ``SQLITE_BUSY_TIMEOUT_SECONDS`` is read."""
    url = normalize_database_url(database_url)
    if url.get_backend_name() == "sqlite":
        if busy_timeout_seconds is None:
            busy_timeout_seconds = load_settings().sqlite_busy_timeout_seconds
        private_sqlite_file(url.database)
        engine = create_engine(
            url,
            future=True,
            hide_parameters=True,
            connect_args={"timeout": busy_timeout_seconds, "check_same_thread": False},
        )
        event.listen(engine, "connect", partial(_on_sqlite_connect, busy_timeout_seconds))
        return engine
    return create_engine(url, future=True, hide_parameters=True, pool_pre_ping=True, pool_size=5, max_overflow=15)
