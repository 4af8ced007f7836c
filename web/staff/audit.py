"""Who changed which knowledge document, when and how: the ``audit_events`` table.

The staff audit trail lives in one place: the same database (``DATABASE_URL``) and table as the
submission store's audit events (exports that reveal personal data), so an administrator reviews
every staff action together and backs it up with the rest of the data. Knowledge events use
actions named ``knowledge.<what>``.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core.database import create_database_engine
from core.personal_data.masking import log_safe
from submissions.models import AuditEventRow
from submissions.schema import upgrade_schema

log = logging.getLogger(__name__)
ACTION_PREFIX = "knowledge."
ACTOR_MAX, DETAIL_MAX = 64, 2000
# The detail of a document change, as :func:`change_detail` writes it (the revision tag ties the
# event to the exact bytes in the history; staff are shown the version number and note instead).
_CHANGE_DETAIL = re.compile(r"(?P<doc_id>[a-z0-9][a-z0-9-]{2,63}) 第(?P<number>\d+)版 [0-9a-f]+(?: 备注：(?P<note>.*))?", re.S)


def change_detail(doc_id: str, number: int, revision: str, note: str) -> str:
    return f"{doc_id} 第{number}版 {revision}" + (f" 备注：{note}" if note else "")


@dataclass(frozen=True)
class AuditEntry:
    at: str
    actor: str
    action: str
    detail: str
    doc_id: str | None = None  # these three only for a document change
    revision_number: int | None = None
    note: str = ""

    @classmethod
    def read(cls, at: str, actor: str, action: str, detail: str) -> "AuditEntry":
        change = _CHANGE_DETAIL.fullmatch(detail)
        if change is None:
            return cls(at, actor, action, detail)
        return cls(at, actor, action, detail, change["doc_id"], int(change["number"]), change["note"] or "")


class AuditLog:
    """Writes and reads knowledge audit events; the engine is created on first use."""

    def __init__(self, database_url: str):
        self._database_url = database_url
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def _ready_engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                engine = create_database_engine(self._database_url)
                upgrade_schema(engine)
                self._engine = engine
            return self._engine

    def record(self, actor: str, what: str, detail: str) -> None:
        """Commit one event; ``what`` is e.g. ``update`` (stored as ``knowledge.update``)."""
        row = AuditEventRow(
            at=dt.datetime.now(dt.timezone.utc), actor=" ".join(actor.split())[:ACTOR_MAX],
            action=f"{ACTION_PREFIX}{what}"[:32], detail=detail[:DETAIL_MAX],
        )
        with Session(self._ready_engine(), future=True) as session, session.begin():
            session.add(row)
        log.info("audit: %s%s by %s (%s)", ACTION_PREFIX, what, log_safe(actor), log_safe(detail))

    def recent(self, limit: int = 100, doc_id: str | None = None) -> list[AuditEntry]:
        """Newest first; with ``doc_id``, only events about that document."""
        query = select(AuditEventRow).where(AuditEventRow.action.like(f"{ACTION_PREFIX}%"))
        if doc_id is not None:
            query = query.where(AuditEventRow.detail.like(f"{doc_id} %"))
        query = query.order_by(AuditEventRow.id.desc()).limit(limit)
        with Session(self._ready_engine(), future=True) as session:
            rows = session.execute(query).scalars().all()
        return [AuditEntry.read(row.at.isoformat(timespec="seconds"), row.actor, row.action, row.detail) for row in rows]

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
