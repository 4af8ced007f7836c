"""Putting synthetic submissions into a real store at chosen times (the store's clock is set per case)."""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from core.settings import Settings
from core.timeutil import to_shanghai
from insights.cases import month_start, shift_month
from submissions import PetitionInput, SubmissionStore, SuggestionInput
from submissions.workflow import Kind

from .synthetic import SyntheticCase

REQUEST_TAIL = "请尽快处理并给予答复。"  # the store wants 15 characters of 诉求 at least


class SettableClock:
    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now


def this_and_previous_month() -> tuple[tuple[int, int], tuple[int, int]]:
    now = to_shanghai(datetime.now(timezone.utc))
    return (now.year, now.month), shift_month(now.year, now.month, -1)


def moments_this_month(count: int) -> list[datetime]:
    """``count`` distinct times between the start of this month (Shanghai) and now."""
    start, now = month_start(*this_and_previous_month()[0]), datetime.now(timezone.utc)
    return [start + (now - start) * (index + 1) / (count + 2) for index in range(count)]


def moments_previous_month(count: int) -> list[datetime]:
    start = month_start(*this_and_previous_month()[1])
    return [start + timedelta(days=1 + index * 25 / max(count, 1)) for index in range(count)]


def dated(cases: list[SyntheticCase], moments: list[datetime]) -> list[SyntheticCase]:
    return [replace(case, created_at=moment) for case, moment in zip(cases, moments)]


def add_cases(settings: Settings, cases: list[SyntheticCase]) -> list[str]:
    """Store the cases (each at its ``created_at``); their tracking numbers, in order."""
    clock = SettableClock()
    numbers = []
    with SubmissionStore.from_settings(settings, clock=clock) as store:
        for index, case in enumerate(cases):
            clock.now = case.created_at
            if case.kind is Kind.SUGGESTION:
                data = SuggestionInput(name="钱七", mobile="13912342222", district=case.district,
                                       title=case.title or "", content=case.content)
            else:
                data = PetitionInput(name="赵六", mobile="13612341111", district=case.district,
                                     address="徐汇区漕溪北路100弄2号", content=case.content,
                                     request=(case.request or "") + REQUEST_TAIL)
            receipt = store.create_submission(data, channel="rest", sender_id=f"seed-{index}", consent_at=case.created_at)
            numbers.append(receipt.tracking_number)
    return numbers


def close_case(settings: Settings, number: str) -> None:
    with SubmissionStore.from_settings(settings) as store:
        for status in ("accepted", "in_progress", "closed"):
            store.update_status(number, status, actor="tester")
