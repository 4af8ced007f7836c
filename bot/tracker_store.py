"""Rasa's SQL tracker store, with personal data masked before a transcript is stored.

Citizens type their mobile and ID numbers into the chat; transcripts are kept and may be read by
staff, so every user and bot text (and the NLU copies of it) is stored with those numbers masked.
The conversation in progress is unaffected: Rasa keeps the current message in memory.

On SQLite (the default) the store keeps its connections open (Rasa's engine opens and closes
one per read or write) and the transcript database uses a write-ahead log with ``synchronous =
NORMAL``, so a saved turn no longer waits for the disk on the Rasa server's event loop, where
every conversation waits behind it. A crash of the process loses nothing; a power cut may lose
the last turns' transcripts, never corrupt the file.
"""
from __future__ import annotations

import json
from typing import Any, Dict

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

from submissions.masking import redact_personal_data

_TEXT_KEYS = ("text", "original_text")


def redact_event_data(data: Dict[str, Any]) -> Dict[str, Any]:
    """A copy of one serialised event with personal numbers masked in its texts."""
    redacted = dict(data)
    for key in _TEXT_KEYS:
        if isinstance(redacted.get(key), str):
            redacted[key] = redact_personal_data(redacted[key])
    parse_data = redacted.get("parse_data")
    if isinstance(parse_data, dict):
        redacted["parse_data"] = redact_event_data(parse_data)
        entities = parse_data.get("entities")
        if isinstance(entities, list):
            redacted["parse_data"]["entities"] = [
                {**e, "value": redact_personal_data(e["value"])} if isinstance(e.get("value"), str) else e
                for e in entities
            ]
    return redacted


def _use_write_ahead_log(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def pooled_sqlite_engine(url: URL) -> Engine:
    """An engine that keeps its SQLite connections open, in write-ahead-log mode."""
    engine = create_engine(url, poolclass=QueuePool, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _use_write_ahead_log)
    return engine


class RedactingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` whose stored events never hold a full mobile or ID number."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # Closing the last connection to a WAL database checkpoints it to disk: with Rasa's
            # one connection per session that would happen after every read and write.
            self.engine.dispose()
            self.engine = pooled_sqlite_engine(self.engine.url)
            self.sessionmaker = sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = redact_event_data(event.as_dict())
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
