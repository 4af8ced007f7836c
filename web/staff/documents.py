"""The document repository: read, validate, write, retire, list history and roll back.

Published documents stay Markdown files in ``KNOWLEDGE_DIR`` (the index reads them); every
revision is also kept in the :class:`~web.staff.history.RevisionHistory`. Retiring marks
``status: retired`` in the front matter instead of deleting the file, so rollback always works.

Concurrency: every change names the revision it was based on (its ETag). Under one file lock
the repository compares it with the file's current revision and refuses a stale one with
:class:`RevisionConflict`, so two staff editing the same document never silently overwrite
each other. The revision is a hash of the file's bytes: an edit made outside the console (say,
``git pull``) changes it too, and is recorded in the history before it is overwritten.

Pure Python (no aiohttp); blocking file I/O, so async callers use ``asyncio.to_thread``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from filelock import FileLock

from core.files import atomic_write
from index.documents import parse_document, parse_sources, split_tags

from .history import HistoryEntry, RevisionHistory, RevisionNotFound, revision_of
from .validation import InvalidDocument, check_doc_id, document_status, split_front_matter, validate_document, with_status

LOCK_TIMEOUT_SECONDS = 30.0
Clock = Callable[[], dt.datetime]


class DocumentNotFound(LookupError):
    pass


class RevisionConflict(Exception):
    """Someone else changed the document since the caller read it (or it already exists)."""

    def __init__(self, current_revision: str | None, exists: bool):
        super().__init__(current_revision)
        self.current_revision = current_revision
        self.exists = exists


@dataclass(frozen=True)
class DocumentSummary:
    doc_id: str
    title: str
    source: str
    region: str
    status: str  # active | retired | invalid (the index skips it; see ``problem``)
    updated: str  # ISO 8601
    updated_by: str | None
    revision: str
    problem: str | None
    tags: tuple[str, ...] = ()  # as the index reads them (``，`` and ``、`` separate tags too)


@dataclass(frozen=True)
class StoredDocument:
    summary: DocumentSummary
    content: str


@dataclass(frozen=True)
class ChangeOutcome:
    document: StoredDocument
    entry: HistoryEntry | None  # None when nothing changed
    created: bool

    @property
    def changed(self) -> bool:
        return self.entry is not None


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def normalize_text(text: str) -> str:
    """Unix line endings, no byte-order mark, one final newline."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return text.rstrip("\n") + "\n"


def _meta_text(meta: dict, name: str) -> str:
    value = meta.get(name)
    return str(value).strip() if isinstance(value, (str, int, float, dt.date)) else ""


def _tags(meta: dict) -> tuple[str, ...]:
    try:
        return split_tags(meta.get("tags"))
    except ValueError:
        return ()


def _primary_source_name(meta: dict) -> str:
    """The document's own source (the first of ``sources:``, or ``source:``), empty if unreadable."""
    try:
        return parse_sources(meta)[0].name
    except ValueError:
        return ""


class DocumentRepository:
    def __init__(self, knowledge_dir: Path, history_dir: Path, clock: Clock = _utc_now):
        self.knowledge_dir = knowledge_dir
        self.history = RevisionHistory(history_dir)
        self._clock = clock

    # --- reading -------------------------------------------------------------------------------

    def _path(self, doc_id: str) -> Path:
        return self.knowledge_dir / f"{check_doc_id(doc_id)}.md"

    def _read(self, doc_id: str) -> bytes | None:
        try:
            return self._path(doc_id).read_bytes()
        except FileNotFoundError:
            return None

    def _describe(self, doc_id: str, raw: bytes) -> StoredDocument:
        text = raw.decode("utf-8", errors="replace")
        try:
            meta = split_front_matter(text).meta
        except InvalidDocument:
            meta = {}
        problem = None
        try:
            status = "active" if parse_document(doc_id, raw) is not None else "retired"
        except ValueError as exc:
            status, problem = "invalid", f"检索系统无法读取该文档，已跳过：{exc}"
        revision = revision_of(raw)
        latest = self.history.latest(doc_id)
        if latest is not None and latest.revision == revision:
            updated, updated_by = latest.at, latest.actor
        else:
            mtime = self._path(doc_id).stat().st_mtime
            updated, updated_by = _iso(dt.datetime.fromtimestamp(mtime, dt.timezone.utc)), None
        summary = DocumentSummary(
            doc_id=doc_id, title=_meta_text(meta, "title"), source=_primary_source_name(meta),
            region=_meta_text(meta, "region"), status=status, updated=updated, updated_by=updated_by,
            revision=revision, problem=problem, tags=_tags(meta),
        )
        return StoredDocument(summary, text)

    def list_documents(self) -> list[DocumentSummary]:
        """Every document file (active, retired or broken), sorted by id."""
        if not self.knowledge_dir.is_dir():
            return []
        summaries = []
        for path in sorted(self.knowledge_dir.glob("*.md")):
            try:
                check_doc_id(path.stem)
                summaries.append(self._describe(path.stem, path.read_bytes()).summary)
            except (ValueError, OSError):
                continue  # not a document the console can address (odd file name) or vanished
        return summaries

    def get(self, doc_id: str) -> StoredDocument:
        raw = self._read(doc_id)
        if raw is None:
            raise DocumentNotFound(doc_id)
        return self._describe(doc_id, raw)

    def entries(self, doc_id: str) -> list[HistoryEntry]:
        """The document's saved revisions, oldest first."""
        entries = self.history.entries(check_doc_id(doc_id))
        if not entries and self._read(doc_id) is None:
            raise DocumentNotFound(doc_id)
        return entries

    def revision(self, doc_id: str, number: int) -> tuple[HistoryEntry, str]:
        check_doc_id(doc_id)
        try:
            entry = self.history.entry(doc_id, number)
            return entry, self.history.content(doc_id, number).decode("utf-8", errors="replace")
        except RevisionNotFound as exc:
            raise DocumentNotFound(f"{doc_id}#{number}") from exc

    # --- changing ------------------------------------------------------------------------------

    def save(self, doc_id: str, text: str, *, base_revision: str | None, actor: str, note: str = "") -> ChangeOutcome:
        """Create (``base_revision`` None: the id must be free) or update (it must be current)."""
        text = normalize_text(text)
        meta = validate_document(doc_id, text).meta
        new_status = "retired" if meta.get("status") == "retired" else "active"

        def action(current: bytes | None) -> str:
            if current is None:
                return "create"
            old_status = document_status(current.decode("utf-8", errors="replace"))
            if new_status != old_status:
                return "retire" if new_status == "retired" else "enable"
            return "update"

        return self._change(doc_id, lambda _current: text, base_revision, actor, note, action)

    def retire(self, doc_id: str, *, base_revision: str | None, actor: str, note: str = "") -> ChangeOutcome:
        """Mark the document ``status: retired``: the index drops it, the file and history stay."""
        def retired(current: bytes | None) -> str:
            if current is None:
                raise DocumentNotFound(doc_id)
            return with_status(current.decode("utf-8", errors="replace"), "retired")

        return self._change(doc_id, retired, base_revision, actor, note, lambda _current: "retire", must_exist=True)

    def enable(self, doc_id: str, *, base_revision: str | None, actor: str, note: str = "") -> ChangeOutcome:
        """Mark a retired document ``status: active`` again: the index takes it back, as it is.

        Like :meth:`retire`, only the status changes; a document the index cannot read then shows
        as invalid (with the reason) and can be corrected in the console like any other."""
        def enabled(current: bytes | None) -> str:
            if current is None:
                raise DocumentNotFound(doc_id)
            text = current.decode("utf-8", errors="replace")
            return text if document_status(text) == "active" else with_status(text, "active")  # active: no change

        return self._change(doc_id, enabled, base_revision, actor, note, lambda _current: "enable", must_exist=True)

    def rollback(self, doc_id: str, number: int, *, base_revision: str | None, actor: str,
                 note: str = "") -> ChangeOutcome:
        """Publish revision ``number`` again, as a new revision (history is never rewritten)."""
        _entry, old_text = self.revision(doc_id, number)
        note = f"回滚到第 {number} 版" + (f"：{note}" if note else "")
        return self._change(doc_id, lambda _current: old_text, base_revision, actor, note,
                            lambda _current: "rollback", must_exist=True)

    def _change(self, doc_id: str, new_text: Callable[[bytes | None], str], base_revision: str | None,
                actor: str, note: str, action: Callable[[bytes | None], str], must_exist: bool = False) -> ChangeOutcome:
        path = self._path(doc_id)
        with FileLock(str(self.history.lock_path), timeout=LOCK_TIMEOUT_SECONDS):
            current = self._read(doc_id)
            current_revision = revision_of(current) if current is not None else None
            if must_exist and current is None:
                raise DocumentNotFound(doc_id)
            if base_revision != current_revision:
                raise RevisionConflict(current_revision, exists=current is not None)
            raw = normalize_text(new_text(current)).encode("utf-8")
            if current is not None and revision_of(raw) == current_revision:
                return ChangeOutcome(self._describe(doc_id, current), None, created=False)
            now = _iso(self._clock())
            self._record_outside_edit(doc_id, current)
            atomic_write(path, raw)  # the published file first: history never claims what was not published
            text = raw.decode("utf-8")
            title = _meta_text(split_front_matter(text).meta, "title")
            entry = self.history.append(doc_id, raw, at=now, actor=actor, action=action(current), note=note,
                                        status=document_status(text), title=title)
            return ChangeOutcome(self._describe(doc_id, raw), entry, created=current is None)

    def _record_outside_edit(self, doc_id: str, current: bytes | None) -> None:
        """Keep the current file in the history before replacing it, if the history lacks it (a
        document from the repository never edited here, or one changed outside the console)."""
        if current is None:
            return
        latest = self.history.latest(doc_id)
        if latest is not None and latest.revision == revision_of(current):
            return
        text = current.decode("utf-8", errors="replace")
        try:
            title = _meta_text(split_front_matter(text).meta, "title")
        except InvalidDocument:
            title = ""
        mtime = dt.datetime.fromtimestamp(self._path(doc_id).stat().st_mtime, dt.timezone.utc)
        self.history.append(
            doc_id, current, at=_iso(mtime), actor="system",
            action="import" if latest is None else "external",
            note="首次在控制台修改前的原始版本" if latest is None else "在控制台以外修改的版本",
            status=document_status(text), title=title,
        )
