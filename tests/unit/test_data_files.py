"""Files holding citizens' data or secrets are readable by their owner only (mode 0600)."""
from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import text

from core.database import create_database_engine
from core.settings import load_settings
from launch.rasa_files import write_runtime_files


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_runtime_files_with_passwords_are_private_even_over_an_older_readable_file(tmp_path: Path) -> None:
    settings = load_settings({"DATA_DIR": str(tmp_path), "REDIS_URL": "redis://:redis-pw@cache:6379/0",
                              "TRACKER_STORE_URL": "postgresql://bot:db-pw@db.internal/rasa"})
    (tmp_path / "runtime").mkdir()
    (tmp_path / "runtime" / "endpoints.yml").write_text("old", encoding="utf-8")
    os.chmod(tmp_path / "runtime" / "endpoints.yml", 0o644)
    endpoints, credentials = write_runtime_files(settings)
    assert "db-pw" in endpoints.read_text(encoding="utf-8") and "redis-pw" in endpoints.read_text(encoding="utf-8")
    assert mode(endpoints) == 0o600 and mode(credentials) == 0o600 and mode(endpoints.parent) == 0o700
    assert sorted(p.name for p in endpoints.parent.iterdir()) == ["credentials.yml", "endpoints.yml"]


def test_a_sqlite_database_and_its_write_ahead_log_are_private(tmp_path: Path) -> None:
    database = tmp_path / "data" / "assistant.db"
    engine = create_database_engine(f"sqlite:///{database}")
    with engine.connect() as connection:  # the log exists while a connection is open
        connection.execute(text("CREATE TABLE t (x TEXT)"))
        connection.execute(text("INSERT INTO t VALUES ('13912345678')"))
        connection.commit()
        files = list(database.parent.iterdir())
        assert {p.name for p in files} == {"assistant.db", "assistant.db-wal", "assistant.db-shm"}
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    engine.dispose()


def test_an_existing_readable_database_is_narrowed(tmp_path: Path) -> None:
    database = tmp_path / "assistant.db"
    database.touch(mode=0o644)
    os.chmod(database, 0o644)
    create_database_engine(f"sqlite:///{database}").dispose()
    assert mode(database) == 0o600


def test_a_store_made_from_settings_waits_as_long_as_those_settings_say(tmp_path: Path) -> None:
    """SQLITE_BUSY_TIMEOUT_SECONDS of the settings given, not of the process environment."""
    from submissions.service import SubmissionStore

    settings = load_settings({"DATA_DIR": str(tmp_path), "SQLITE_BUSY_TIMEOUT_SECONDS": "2.5"})
    store = SubmissionStore.from_settings(settings)
    try:
        with store.session() as session:
            assert session.execute(text("PRAGMA busy_timeout")).scalar_one() == 2500
    finally:
        store.close()
