"""Every saved revision of every document, kept outside the knowledge directory.

::

    <DATA_DIR>/knowledge_history/
      .lock                 serialises changes (threads and processes)
      <doc id>/000001.md    the exact bytes of revision 1
      <doc id>/000001.json  who saved it, when, how (create, update, retire, rollback …) and why

The ``.json`` file is written after the ``.md`` file, so an entry exists only when both do.
Plain files: an administrator can read, diff or back them up with ordinary tools.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from core.files import atomic_write


log = logging.getLogger(__name__)
_ENTRY = re.compile(r"(\d{6})\.json")


def revision_of(raw: bytes) -> str:
    """The revision tag of a document's bytes (its ETag): changes whenever the file changes,
    however it was changed."""
    return hashlib.sha256(raw).hexdigest()[:20]


@dataclass(frozen=True)
class HistoryEntry:
    number: int
    revision: str
    at: str  # ISO 8601, UTC
    actor: str
    action: str  # import | external | create | update | retire | enable | rollback
    note: str
    status: str  # active | retired
    title: str

    def as_dict(self) -> dict:
        return asdict(self)


class RevisionNotFound(LookupError):
    pass


class RevisionHistory:
    """Append-only revision files per document. Callers hold :meth:`lock_path`'s lock while appending."""

    def __init__(self, root: Path):
        self.root = root

    @property
    def lock_path(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root / ".lock"

    def _dir(self, doc_id: str) -> Path:
        return self.root / doc_id

    def _entry_files(self, doc_id: str) -> list[Path]:
        """The document's entry files, oldest first (their names are the zero-padded numbers)."""
        directory = self._dir(doc_id)
        if not directory.is_dir():
            return []
        return sorted(path for path in directory.glob("*.json") if _ENTRY.fullmatch(path.name))

    @staticmethod
    def _read(path: Path) -> HistoryEntry | None:
        try:
            return HistoryEntry(**json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError):
            log.warning("ignoring unreadable history entry %s", path)
            return None

    def entries(self, doc_id: str) -> list[HistoryEntry]:
        """All complete entries, oldest first."""
        return [entry for entry in map(self._read, self._entry_files(doc_id)) if entry is not None]

    def latest(self, doc_id: str) -> HistoryEntry | None:
        """The newest complete entry; reads only as many files as it needs from the newest back."""
        return next((entry for entry in map(self._read, reversed(self._entry_files(doc_id))) if entry), None)

    def entry(self, doc_id: str, number: int) -> HistoryEntry:
        found = self._read(self._dir(doc_id) / f"{number:06d}.json") if number >= 0 else None
        if found is None or found.number != number:
            raise RevisionNotFound(number)
        return found

    def content(self, doc_id: str, number: int) -> bytes:
        self.entry(doc_id, number)  # only complete entries
        try:
            return (self._dir(doc_id) / f"{number:06d}.md").read_bytes()
        except FileNotFoundError as exc:
            raise RevisionNotFound(number) from exc

    def append(self, doc_id: str, raw: bytes, *, at: str, actor: str, action: str, note: str,
               status: str, title: str) -> HistoryEntry:
        latest = self.latest(doc_id)
        entry = HistoryEntry(
            number=(latest.number + 1) if latest else 1, revision=revision_of(raw), at=at, actor=actor,
            action=action, note=note, status=status, title=title,
        )
        directory = self._dir(doc_id)
        atomic_write(directory / f"{entry.number:06d}.md", raw)
        atomic_write(directory / f"{entry.number:06d}.json",
                     json.dumps(entry.as_dict(), ensure_ascii=False, indent=1).encode("utf-8"))
        return entry
