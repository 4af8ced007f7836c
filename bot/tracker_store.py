"""Rasa's SQL tracker store, keeping citizens' personal data out of stored transcripts.

Transcripts are kept and may be read by staff. What is stored of a conversation:

* every text (the citizen's, the assistant's, and the NLU copies of them) with personal data
  masked by :func:`core.personal_data.masking.redact_personal_data`: mobile and ID numbers however they
  are written, e-mail addresses, self-introduced names, house numbers;
* a message that answered a form question (the privacy notice, name, mobile, district, address,
  ID number, e-mail, content, request, title) as a placeholder such as ``〔已隐去：姓名〕``, never
  its text, whether the answer was accepted or not; the values
  the form holds are replaced by the same placeholder wherever they occur in a stored text (the
  confirmation summary, a correction);
* the form's slot values sealed with the data key (``DATA_KEY``) while the form needs them, and
  erased from every stored event once the slot is emptied (cancel, refused consent, filing, a field
  asked again): a cancelled form leaves none of its answers behind.

The conversation in progress is unaffected: Rasa keeps the current turn in memory, and sealed
values are opened again when the tracker is read back.

A transcript that cannot be written is logged (pseudonymous sender, the error's type only) and the
conversation goes on: Rasa's own store ends the whole server (``sys.exit``) on a ``ValueError``,
such as a sender id holding a lone surrogate. Sender ids and texts are stored with lone surrogates
replaced by U+FFFD.

On SQLite (the default) the file is created 0600, the store keeps its connections open (Rasa's
engine opens and closes one per read or write) and uses a write-ahead log with ``synchronous =
NORMAL``, so a saved turn no longer waits for the disk on the Rasa server's event loop. A crash of
the process loses nothing; a power cut may lose the last turns' transcripts, never corrupt the file.
"""
from __future__ import annotations

import contextlib
import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Dict, Generator, Iterable, List, Optional, Sequence

from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs, ensure_schema_exists
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import create_engine, event, insert
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Query, Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot import log_privacy
from bot.actions.form_fields import ENCRYPTED_PREFIX, FIELDS_BY_FORM
from core.database import private_sqlite_file, switch_to_write_ahead_log
from core.personal_data.masking import pseudonym, redact_personal_data
from core.personal_data.protection import DataProtector, resolve_data_key
from core.settings import settings
from submissions.validation import SKIP

log = logging.getLogger(__name__)

REQUESTED_SLOT = "requested_slot"
SEALED_PREFIX = "sealed:"
# Every field of the petition and suggestion forms: what the citizen tells about themselves and
# their matter. Slot name -> the label shown in place of the value.
FORM_FIELD_LABELS: Dict[str, str] = {f.slot: f.label for fields in FIELDS_BY_FORM.values() for f in fields}
# Questions whose answers are stored as placeholders: every field, and the privacy notice (what
# is typed before consent is given, a name for instance, is not kept either).
ANSWER_LABELS: Dict[str, str] = {**FORM_FIELD_LABELS, "consent": "对个人信息说明的答复"}
_SHOWN_FORMS = {f.slot: f.show for fields in FIELDS_BY_FORM.values() for f in fields}
_TEXT_KEYS = ("text", "original_text")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_MIN_HIDDEN_CHARS = 2  # a one-character value (a surname) would hide that character everywhere
Replace = Callable[[str], str]


def placeholder(slot: str) -> str:
    return f"〔已隐去：{ANSWER_LABELS[slot]}〕"


def storable_id(sender_id: str) -> str:
    """The sender id as stored: lone surrogates (which no database encoding accepts) as U+FFFD."""
    return _SURROGATES.sub("\ufffd", sender_id)


@dataclass(frozen=True)
class TurnPrivacy:
    """What to hide in the events being stored: form answers and the values the form holds."""

    answers: Dict[int, str]  # index of a user event -> the form field it answered
    values: Dict[str, str]  # a text as it may appear -> its placeholder

    @classmethod
    def of(cls, tracker: DialogueStateTracker, new_events: Sequence[Event]) -> "TurnPrivacy":
        values: Dict[str, str] = {}
        candidates = [(slot, tracker.get_slot(slot)) for slot in FORM_FIELD_LABELS]
        candidates += [(e.key, e.value) for e in new_events if isinstance(e, SlotSet) and e.key in FORM_FIELD_LABELS]
        for slot, value in candidates:
            if isinstance(value, str) and value != SKIP and not value.startswith(ENCRYPTED_PREFIX):
                for shown in {value, _SHOWN_FORMS[slot](value)}:
                    if len(shown) >= _MIN_HIDDEN_CHARS:
                        values[shown] = placeholder(slot)
        return cls(answered_form_fields(tracker.events), values)

    def hide_values(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):  # a summary line before its prefix
            text = text.replace(value, self.values[value])
        return redact_personal_data(text)


def answered_form_fields(events: Iterable[Event]) -> Dict[int, str]:
    """Index of every user event that answered a form question -> that question's slot.

    A message answered the field the form was asking for when the form then set that slot (to
    the value, or to nothing after an invalid answer); a question or a cancellation in between
    sets no such slot and is kept as text.
    """
    answered: Dict[int, str] = {}
    requested: Optional[str] = None
    pending: Optional[tuple[int, str]] = None
    for index, item in enumerate(events):
        if isinstance(item, UserUttered):
            pending = (index, requested) if requested in ANSWER_LABELS else None
        elif isinstance(item, SlotSet):
            if item.key == REQUESTED_SLOT:
                requested = item.value
            elif pending and item.key == pending[1]:
                answered[pending[0]] = pending[1]
                pending = None
    return answered


def _redact_texts(data: Dict[str, Any], replace: Replace) -> Dict[str, Any]:
    """A copy of an event (or parse data) with ``replace`` applied to its texts and entity values."""
    redacted = dict(data)
    for key in _TEXT_KEYS:
        if isinstance(redacted.get(key), str):
            redacted[key] = replace(redacted[key])
    if isinstance(redacted.get("entities"), list):
        redacted["entities"] = [
            {**e, "value": replace(e["value"])} if isinstance(e, dict) and isinstance(e.get("value"), str) else e
            for e in redacted["entities"]
        ]
    if isinstance(redacted.get("parse_data"), dict):
        redacted["parse_data"] = _redact_texts(redacted["parse_data"], replace)
    return redacted


def _redact_strings(value: Any, replace: Replace) -> Any:
    """Every string inside a JSON value (bot payloads, client metadata) through ``replace``."""
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, list):
        return [_redact_strings(item, replace) for item in value]
    if isinstance(value, dict):
        return {key: _redact_strings(item, replace) for key, item in value.items()}
    return value


def redact_event_data(data: Dict[str, Any], replace: Replace = redact_personal_data) -> Dict[str, Any]:
    """A copy of one serialised event with personal data masked in its texts and payloads."""
    redacted = _redact_texts(data, replace)
    for key in ("data", "metadata"):
        if key in redacted:
            redacted[key] = _redact_strings(redacted[key], replace)
    return redacted


def remember_event_classes() -> None:
    """Make Rasa's ``Event.resolve_by_type`` remember the class it found for a type name.

    Rasa walks the whole tree of event classes (``inspect.isabstract`` on each) for every event
    it reads back: a third of reading a conversation under load (py-spy). Every event class is
    imported before the server serves, so the class found first stays the one found."""
    if getattr(Event.resolve_by_type, "remembers", False):
        return
    resolve = Event.resolve_by_type
    found: Dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        cls = found.get(type_name)
        if cls is None:
            cls = resolve(type_name, default)
            if cls is not None and cls is not default:
                found[type_name] = cls
        return cls

    resolve_by_type.remembers = True  # type: ignore[attr-defined]
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]


@lru_cache(maxsize=1)
def _settings_protector() -> DataProtector:
    cfg = settings()
    return DataProtector(resolve_data_key(cfg.data_key, cfg.data_dir))


def _use_write_ahead_log(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        switch_to_write_ahead_log(cursor, settings().sqlite_busy_timeout_seconds)
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def pooled_sqlite_engine(url: URL) -> Engine:
    """An engine that keeps its SQLite connections open, in write-ahead-log mode."""
    engine = create_engine(url, poolclass=QueuePool, connect_args={"check_same_thread": False},
                           hide_parameters=True)
    event.listen(engine, "connect", _use_write_ahead_log)
    return engine


class RedactingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` whose stored events hold no personal data in clear (module docstring)."""

    def __init__(self, *args: Any, protector: Optional[DataProtector] = None, **kwargs: Any) -> None:
        log_privacy.install()
        if kwargs.get("dialect", "sqlite") == "sqlite":
            private_sqlite_file(kwargs.get("db", "rasa.db"))
        super().__init__(*args, **kwargs)
        self._protector = protector
        url = self.engine.url
        self.engine.dispose()
        if self.engine.dialect.name == "sqlite":
            # Closing the last connection to a WAL database checkpoints it to disk: with Rasa's
            # one connection per session that would happen after every read and write.
            self.engine = pooled_sqlite_engine(url)
        else:  # the same engine, with statement parameters (citizens' texts) kept out of errors
            self.engine = create_engine(url, hide_parameters=True, **create_engine_kwargs(url))
        self.sessionmaker = sessionmaker(bind=self.engine)

    @property
    def protector(self) -> DataProtector:
        return self._protector or _settings_protector()

    @contextlib.contextmanager
    def session_scope(self) -> Generator[Session, None, None]:
        """Rasa's session scope without its ``sys.exit`` on any ``ValueError``."""
        session = self.sessionmaker()
        try:
            ensure_schema_exists(session)
            yield session
        finally:
            session.close()

    def _event_query(self, session: Session, sender_id: str, fetch_events_from_all_sessions: bool) -> Query:
        return super()._event_query(session, storable_id(sender_id), fetch_events_from_all_sessions)

    # --- writing ----------------------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        try:
            await self.stream_events(tracker)
            self._save(tracker)
        except Exception as exc:  # noqa: BLE001 - a lost transcript must not end every conversation
            log.error("transcript of %s not saved (%s); the conversation goes on",
                      pseudonym(tracker.sender_id), type(exc).__name__)

    def _save(self, tracker: DialogueStateTracker) -> None:
        sender_id = storable_id(tracker.sender_id)
        with self.session_scope() as session:
            stored = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
            new_events = list(tracker.events)[stored:]
            if not new_events:
                return
            privacy = TurnPrivacy.of(tracker, new_events)
            rows = []
            for index, item in enumerate(new_events, start=stored):
                data = self._stored_form(item.as_dict(), privacy, privacy.answers.get(index))
                rows.append({
                    "sender_id": sender_id,
                    "type_name": item.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": (data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                })
            # One INSERT for all the rows (executemany, in order) instead of an ORM object per
            # event: the ORM's unit of work was about a third of the save's time under load.
            session.execute(insert(self.SQLEvent), rows)
            self._erase_emptied_slots(session, sender_id, tracker, new_events)
            session.commit()

    def _stored_form(self, data: Dict[str, Any], privacy: TurnPrivacy, answered: Optional[str]) -> Dict[str, Any]:
        if answered is not None:
            data = redact_event_data(data, lambda _text: placeholder(answered))
        else:
            data = redact_event_data(data, privacy.hide_values)
        if data.get("event") == SlotSet.type_name and data.get("name") in FORM_FIELD_LABELS:
            data["value"] = self._seal(data.get("value"))
        return data

    def _seal(self, value: Any) -> Any:
        if not isinstance(value, str) or value == SKIP or value.startswith(ENCRYPTED_PREFIX):
            return value  # nothing, skipped, or already encrypted by the action server
        return SEALED_PREFIX + self.protector.encrypt(value)

    def _erase_emptied_slots(self, session: Session, sender_id: str, tracker: DialogueStateTracker,
                             new_events: List[Event]) -> None:
        """Blank every stored value of the form fields this turn emptied and left empty."""
        emptied = {e.key for e in new_events if isinstance(e, SlotSet) and e.key in FORM_FIELD_LABELS
                   and e.value is None and tracker.get_slot(e.key) is None}
        if not emptied:
            return
        rows = session.query(self.SQLEvent).filter(
            self.SQLEvent.sender_id == sender_id, self.SQLEvent.type_name == SlotSet.type_name,
        )
        for row in rows:
            data = json.loads(row.data)
            if data.get("name") in emptied and data.get("value") is not None:
                row.data = json.dumps({**data, "value": None})

    # --- reading ----------------------------------------------------------------------------------

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        with self.session_scope() as session:
            # Only the data column: an ORM object per stored event cost a quarter of the read.
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            events = [self._opened(json.loads(data)) for (data,) in query.with_entities(self.SQLEvent.data)]
        if not (self.domain and events):
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    def _opened(self, data: Dict[str, Any]) -> Dict[str, Any]:
        value = data.get("value")
        if data.get("event") == SlotSet.type_name and isinstance(value, str) and value.startswith(SEALED_PREFIX):
            return {**data, "value": self.protector.decrypt(value[len(SEALED_PREFIX):])}
        return data
