"""The submissions the analysis reads (through :class:`submissions.SubmissionStore`) and the
calendar months it counts them in (Shanghai time)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Optional

from core.personal_data.masking import redact_personal_data
from core.timeutil import SHANGHAI, to_shanghai
from submissions.records import SubmissionRecord
from submissions.service import SubmissionStore
from submissions.workflow import Kind, Status

HEADLINE_CHARS = 40
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Case:
    """What the analysis needs of one submission: no name, phone, ID number or address."""

    tracking_number: str
    kind: Kind
    status: Status
    district: str
    created_at: datetime
    title: Optional[str]
    content: str

    @property
    def text(self) -> str:
        """What is embedded: the title (suggestions have one) and the content."""
        return f"{self.title}\n{self.content}" if self.title else self.content

    @property
    def is_open(self) -> bool:
        return not self.status.is_final

    @property
    def headline(self) -> str:
        """A short masked title: the suggestion's title, else the content's first sentence."""
        source = self.title or _SENTENCE_END.split(self.content.strip(), 1)[0] or self.content
        text = " ".join(redact_personal_data(source).split())
        return text if len(text) <= HEADLINE_CHARS else text[: HEADLINE_CHARS - 1] + "…"

    @property
    def month(self) -> str:
        return month_of(self.created_at)

    def as_json(self) -> dict:
        return {
            "tracking_number": self.tracking_number, "kind": self.kind.value, "kind_label": self.kind.label,
            "status": self.status.value, "status_label": self.status.label, "district": self.district,
            "created_at": to_shanghai(self.created_at).isoformat(timespec="minutes"), "title": self.headline,
        }


def case_of(record: SubmissionRecord) -> Case:
    return Case(record.tracking_number, record.kind, record.status, record.district, record.created_at,
                record.title, record.content)


# --- months ------------------------------------------------------------------------------------

def month_of(moment: datetime) -> str:
    """``YYYY-MM`` of ``moment`` in Shanghai."""
    return to_shanghai(moment).strftime("%Y-%m")


def parse_month(text: str) -> tuple[int, int]:
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
        raise ValueError(f"月份“{text[:20]}”格式不对，应写成 年-月，例如 2025-03。")
    return int(match[1]), int(match[2])


def shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def month_start(year: int, month: int) -> datetime:
    """The first instant of the month in Shanghai, as UTC."""
    return datetime(year, month, 1, tzinfo=SHANGHAI).astimezone(timezone.utc)


def month_label(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def months_ending(year: int, month: int, count: int) -> list[tuple[int, int]]:
    """``count`` months, oldest first, ending with (year, month)."""
    return [shift_month(year, month, offset) for offset in range(-count + 1, 1)]


# --- reading -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseSelection:
    cases: list[Case]
    truncated: bool  # more matched than the cap: only the newest were read


def select_cases(records: Iterable[SubmissionRecord], *, since: Optional[datetime], until: Optional[datetime],
                 district: Optional[str], limit: int) -> CaseSelection:
    """Cases created in [since, until) (newest first, as the store yields them), at most ``limit``."""
    cases: list[Case] = []
    for record in records:
        if until is not None and record.created_at >= until:
            continue
        if since is not None and record.created_at < since:
            break
        if district and record.district != district:
            continue
        if len(cases) == limit:
            return CaseSelection(cases, True)
        cases.append(case_of(record))
    return CaseSelection(cases, False)


def read_cases(store: SubmissionStore, *, since: Optional[datetime] = None, until: Optional[datetime] = None,
               kind: Optional[Kind] = None, district: Optional[str] = None, limit: int) -> CaseSelection:
    return select_cases(store.iter_records(kind=kind), since=since, until=until, district=district, limit=limit)


def read_open_cases(store: SubmissionStore, *, limit: int) -> CaseSelection:
    """Open cases (not yet 已办结 or 不予受理), newest first, at most ``limit``."""
    cases: list[Case] = []
    truncated = False
    for status in (status for status in Status if not status.is_final):
        selection = select_cases(store.iter_records(status=status), since=None, until=None, district=None, limit=limit)
        cases += selection.cases
        truncated = truncated or selection.truncated
    cases.sort(key=lambda case: case.created_at, reverse=True)
    return CaseSelection(cases[:limit], truncated or len(cases) > limit)

