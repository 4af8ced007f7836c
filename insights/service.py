"""The analysis as the staff web service uses it: one store and one vector cache per process.
The vectors come from the model holder the caller names: in the web service, the action server
over HTTP (:meth:`index.model_client.RemoteKnowledge.encoder`); by default this process's own model
(:func:`index.encoder.get_encoder`). Synchronous and thread-safe; the web service runs it in a
worker thread."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Optional

from core.settings import Settings
from submissions.service import SubmissionStore
from submissions.workflow import Kind

from .analysis import MAX_GROUPED, GroupsReport, MonthlySummary, groups_report, monthly_summary
from .cases import Case, case_of, month_start, months_ending, read_cases, read_open_cases, shift_month
from .duplicates import MAX_CANDIDATES, DuplicateMatch, likely_duplicates
from .vectors import TextEncoder, VectorCache

EXPORT_ACTION = "problems_export"


@dataclass(frozen=True)
class DuplicateReport:
    case: Case
    matches: list[DuplicateMatch]
    compared: int
    truncated: bool

    def as_json(self) -> dict:
        return {"case": self.case.as_json(), "matches": [match.as_json() for match in self.matches],
                "compared": self.compared, "truncated": self.truncated}


class ProblemAnalysis:
    def __init__(self, settings: Settings, encoder: Optional[Callable[[], TextEncoder]] = None):
        self._settings = settings
        self._encoder = encoder
        self._lock = threading.Lock()
        self._store: Optional[SubmissionStore] = None
        self._vectors: Optional[VectorCache] = None

    def store(self) -> SubmissionStore:
        with self._lock:
            if self._store is None:
                self._store = SubmissionStore.from_settings(self._settings)
            return self._store

    def vector_cache(self) -> VectorCache:
        with self._lock:
            if self._vectors is None:
                if self._encoder is not None:
                    encoder = self._encoder()
                else:
                    from index.encoder import get_encoder  # loads the model (once per process)

                    encoder = get_encoder(self._settings.embedding_model)
                self._vectors = VectorCache(self._settings.data_dir / "insights", encoder)
            return self._vectors

    def groups(self, month: tuple[int, int], kind: Optional[Kind] = None, district: Optional[str] = None) -> GroupsReport:
        """Groups of ``month`` and the month before (the newest ``MAX_GROUPED`` submissions)."""
        previous = shift_month(*month, -1)
        selection = read_cases(self.store(), since=month_start(*previous), until=month_start(*shift_month(*month, 1)),
                               kind=kind, district=district, limit=MAX_GROUPED)
        vectors = self.vector_cache().vectors([case.text for case in selection.cases])
        return groups_report(selection.cases, vectors, month, previous, selection.truncated)

    def summary(self, last_month: tuple[int, int], months: int, kind: Optional[Kind] = None,
                district: Optional[str] = None) -> MonthlySummary:
        """Submissions per month and per group over ``months`` months ending with ``last_month``."""
        span = months_ending(*last_month, months)
        selection = read_cases(self.store(), since=month_start(*span[0]), until=month_start(*shift_month(*last_month, 1)),
                               kind=kind, district=district, limit=MAX_GROUPED)
        vectors = self.vector_cache().vectors([case.text for case in selection.cases])
        return monthly_summary(selection.cases, vectors, span, selection.truncated)

    def duplicates(self, tracking_number: str) -> DuplicateReport:
        """Open cases the case probably repeats; raises SubmissionNotFound."""
        store = self.store()
        case = case_of(store.get_record(tracking_number))
        selection = read_open_cases(store, limit=MAX_CANDIDATES)
        candidates = [other for other in selection.cases if other.tracking_number != case.tracking_number]
        vectors = self.vector_cache().vectors([case.text] + [other.text for other in candidates])
        matches = likely_duplicates(case, vectors[0], candidates, vectors[1:])
        return DuplicateReport(case, matches, len(candidates), selection.truncated)

    def record_export(self, actor: str, detail: str) -> None:
        self.store().record_audit_event(actor, EXPORT_ACTION, detail)

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
