"""The SQLite transcript store: open connections in write-ahead-log mode, transcripts masked."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.pool import QueuePool

from bot.tracker_store import RedactingSQLTrackerStore


async def test_sqlite_store_keeps_connections_in_wal_mode_and_masks(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    store = RedactingSQLTrackerStore(dialect="sqlite", db=str(path))
    assert isinstance(store.engine.pool, QueuePool)
    tracker = DialogueStateTracker("citizen", [])
    for turn in range(3):
        tracker.update(UserUttered(f"手机13912345678 第{turn}次", parse_data={"intent": {"name": "x"}, "entities": []}))
        tracker.update(BotUttered("好的"))
        await store.save(tracker)
        tracker = await store.retrieve("citizen")
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == [f"手机139****5678 第{i}次" for i in range(3)]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("SELECT count(*) FROM events WHERE sender_id = 'citizen'").fetchone() == (6,)
