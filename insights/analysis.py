"""Recurring-problem groups for a month (against the month before) and the monthly summary."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from .cases import Case, month_label
from .duplicates import DUPLICATE_THRESHOLD, SAME_DISTRICT_BONUS, DuplicateMatch, likely_duplicates
from .grouping import GROUP_THRESHOLD, group_vectors
from .labels import group_keywords, words

MAX_GROUPED = 3000  # submissions one request groups (the newest): bounds memory (n² similarities) and time
MIN_GROUP_SIZE = 2  # one submission is not a recurring problem
EXAMPLES_PER_GROUP = 3
MAX_GROUPS_SHOWN = 30
MAX_FLAGGED = 50


@dataclass
class ProblemGroup:
    number: int
    keywords: list[str]
    members: list[Case]
    examples: list[Case] = field(default_factory=list)
    current: int = 0  # submissions in the month asked about
    previous: int = 0  # … in the month before
    by_district: list[tuple[str, int]] = field(default_factory=list)  # in the month asked about
    by_month: dict[str, int] = field(default_factory=dict)

    @property
    def growth(self) -> int:
        return self.current - self.previous

    @property
    def label(self) -> str:
        return "、".join(self.keywords) or "（无关键词）"

    def as_json(self) -> dict:
        return {
            "number": self.number, "label": self.label, "keywords": self.keywords, "size": len(self.members),
            "current": self.current, "previous": self.previous, "growth": self.growth,
            "growth_rate": round(self.growth / self.previous, 3) if self.previous else None,
            "districts": [{"district": name, "count": count} for name, count in self.by_district],
            "by_month": self.by_month, "examples": [case.as_json() for case in self.examples],
        }


def build_groups(cases: list[Case], vectors: np.ndarray, threshold: float = GROUP_THRESHOLD) -> list[ProblemGroup]:
    """Every group of at least ``MIN_GROUP_SIZE`` submissions, largest first, labelled, with the
    ``EXAMPLES_PER_GROUP`` members closest to the group's average as examples."""
    if not cases:
        return []
    labels = group_vectors(vectors, threshold)
    member_rows = [np.flatnonzero(labels == number) for number in range(int(labels.max()) + 1)]
    member_rows = [rows for rows in member_rows if len(rows) >= MIN_GROUP_SIZE]
    keywords = group_keywords([[words(cases[row].text) for row in rows] for rows in member_rows])
    groups = []
    for number, (rows, labels_of_group) in enumerate(zip(member_rows, keywords), start=1):
        centre = vectors[rows].mean(axis=0)
        members = [cases[row] for row in rows]
        group = ProblemGroup(number, labels_of_group, members, _examples(cases, rows[np.argsort(-(vectors[rows] @ centre), kind="stable")]))
        group.by_month = dict(sorted(Counter(case.month for case in members).items()))
        groups.append(group)
    return groups


def _examples(cases: list[Case], ranked_rows: np.ndarray) -> list[Case]:
    """The first ``EXAMPLES_PER_GROUP`` members with different headlines, closest to the centre first."""
    chosen: dict[str, Case] = {}
    for row in ranked_rows:
        chosen.setdefault(cases[row].headline, cases[row])
        if len(chosen) == EXAMPLES_PER_GROUP:
            break
    return list(chosen.values())


@dataclass(frozen=True)
class GroupsReport:
    month: str
    previous_month: str
    analysed: int
    truncated: bool
    ungrouped: int
    largest: list[ProblemGroup]
    growing: list[ProblemGroup]
    flagged: list[tuple[Case, list[DuplicateMatch]]]

    def as_json(self) -> dict:
        return {
            "month": self.month, "previous_month": self.previous_month, "analysed": self.analysed,
            "truncated": self.truncated, "max_analysed": MAX_GROUPED, "ungrouped": self.ungrouped,
            "largest": [group.as_json() for group in self.largest],
            "growing": [group.as_json() for group in self.growing],
            "likely_duplicates": [
                {"case": case.as_json(), "matches": [match.as_json() for match in matches]}
                for case, matches in self.flagged
            ],
        }


def groups_report(cases: list[Case], vectors: np.ndarray, month: tuple[int, int], previous: tuple[int, int],
                  truncated: bool) -> GroupsReport:
    """Groups among the submissions of ``month`` and ``previous`` (what ``cases`` holds): the
    largest this month, the fastest growing against the month before, and this month's open cases
    that probably repeat an earlier open one."""
    this, before = month_label(*month), month_label(*previous)
    groups = build_groups(cases, vectors)
    for group in groups:
        group.current = sum(1 for case in group.members if case.month == this)
        group.previous = sum(1 for case in group.members if case.month == before)
        group.by_district = Counter(case.district for case in group.members if case.month == this).most_common()
    grouped = sum(len(group.members) for group in groups)
    largest = sorted((g for g in groups if g.current), key=lambda g: (-g.current, g.number))[:MAX_GROUPS_SHOWN]
    growing = sorted((g for g in groups if g.growth > 0),
                     key=lambda g: (-g.growth, -g.current, g.number))[:MAX_GROUPS_SHOWN]
    return GroupsReport(this, before, len(cases), truncated, len(cases) - grouped, largest, growing,
                        _flag_duplicates(cases, vectors, this))


def _flag_duplicates(cases: list[Case], vectors: np.ndarray, month: str) -> list[tuple[Case, list[DuplicateMatch]]]:
    """This month's open cases with an earlier open case they probably repeat (newest first).

    One matrix product finds the pairs worth a closer look (cosine plus the district bonus can
    reach the threshold); :func:`likely_duplicates` then scores only those."""
    open_rows = np.array([row for row, case in enumerate(cases) if case.is_open], dtype=np.int64)
    new_rows = np.array([row for row in open_rows if cases[row].month == month], dtype=np.int64)
    if not len(new_rows) or len(open_rows) < 2:
        return []
    similarity = vectors[new_rows] @ vectors[open_rows].T
    reachable = similarity + SAME_DISTRICT_BONUS >= DUPLICATE_THRESHOLD
    flagged = []
    for index, row in enumerate(new_rows):
        case = cases[row]
        earlier = [int(other) for other in open_rows[reachable[index]] if cases[other].created_at < case.created_at]
        matches = likely_duplicates(case, vectors[row], [cases[other] for other in earlier], vectors[earlier])
        if matches:
            flagged.append((case, matches))
    flagged.sort(key=lambda item: item[0].created_at, reverse=True)
    return flagged[:MAX_FLAGGED]


# --- monthly summary ---------------------------------------------------------------------------

@dataclass(frozen=True)
class MonthlySummary:
    months: list[str]
    totals: list[int]
    groups: list[ProblemGroup]
    analysed: int
    truncated: bool

    def as_json(self) -> dict:
        return {
            "months": self.months, "totals": self.totals, "analysed": self.analysed, "truncated": self.truncated,
            "max_analysed": MAX_GROUPED,
            "groups": [{"number": group.number, "label": group.label, "keywords": group.keywords,
                        "counts": [group.by_month.get(month, 0) for month in self.months],
                        "examples": [case.as_json() for case in group.examples]} for group in self.groups],
        }

    def csv_rows(self) -> list[list[str]]:
        """Header, then per month: its total, then each group with submissions that month."""
        rows = [["月份", "问题组", "关键词", "件数", "涉及区（件数）", "示例标题"]]
        for index, month in enumerate(self.months):
            rows.append([month, "全部", "", str(self.totals[index]), "", ""])
            for group in self.groups:
                members = [case for case in group.members if case.month == month]
                if not members:
                    continue
                districts = Counter(case.district for case in members).most_common()
                rows.append([month, f"第{group.number}组", "、".join(group.keywords), str(len(members)),
                             "、".join(f"{name}（{count}）" for name, count in districts),
                             " / ".join(case.headline for case in group.examples)])
        return rows


def monthly_summary(cases: list[Case], vectors: np.ndarray, months: list[tuple[int, int]],
                    truncated: bool) -> MonthlySummary:
    labels = [month_label(*month) for month in months]
    totals = Counter(case.month for case in cases)
    return MonthlySummary(labels, [totals.get(label, 0) for label in labels], build_groups(cases, vectors),
                          len(cases), truncated)
