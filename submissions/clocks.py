"""The statutory clocks of a case on the staff desk, counted in Shanghai dates.

Petitions (信访事项):

* acceptance: decided and the citizen told within 15 days of receipt (《信访工作条例》第二十二条、
  第二十三条, 《上海市信访条例》第三十五条; knowledge/xfgzl-acceptance.md), from ``created_at``;
* handling: 60 days from acceptance, extendable once by at most 30 days with a reason given to the
  citizen (《信访工作条例》第三十四条; knowledge/xfgzl-deadline.md), from ``accepted_at``.

Days are counted as the citizen's deadline calculator counts them (:func:`core.periods.period_end`,
《民法典》第二百零一条、第二百零三条): the starting day is not counted, and a last day that is a
rest day moves to the next working day.

Suggestions (人民建议) get no statutory clock: 《上海市人民建议征集若干规定》第十一条 requires handling
"按照规定的时限" but names no number of days (knowledge/rmjy-reply-rewards.md), so the desk says so
instead of inventing one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Optional

from core.periods import period_end
from core.timeutil import to_shanghai
from submissions.workflow import Kind, Status

ACCEPTANCE_DAYS, HANDLING_DAYS, MAX_EXTENSION_DAYS = 15, 60, 30
ACCEPTANCE_BASIS = "《信访工作条例》第二十二条、第二十三条，《上海市信访条例》第三十五条"
HANDLING_BASIS = "《信访工作条例》第三十四条"
NO_CLOCK_FOR_SUGGESTIONS = (
    "人民建议没有法定办理天数：《上海市人民建议征集若干规定》第十一条只要求按规定时限办理，"
    "未写具体天数，因此不显示法定时限。"
)


@dataclass(frozen=True)
class Clock:
    """One statutory period of a case."""

    name: str  # 受理告知 / 办理
    days: int  # including an extension
    start: date
    due: date  # the last day (rest days rolled over)
    stopped: Optional[date]  # the day the step was done, else None (still running)
    basis: str

    def overdue_on(self, today: date) -> bool:
        """Past the last day and not done, or done after the last day."""
        return (self.stopped or today) > self.due

    @property
    def running(self) -> bool:
        return self.stopped is None


def shanghai_date(moment: datetime) -> date:
    return to_shanghai(moment).date()


def case_clocks(
    kind: Kind,
    status: Status,
    received_at: datetime,
    decided_at: Optional[datetime],
    accepted_at: Optional[datetime],
    closed_at: Optional[datetime],
    extension_days: Optional[int],
) -> list[Clock]:
    """The clocks of a case (none for a suggestion), in the order they run."""
    if kind is not Kind.PETITION:
        return []
    received = shanghai_date(received_at)
    decided = shanghai_date(decided_at) if decided_at else None
    if decided is None and status is not Status.SUBMITTED:  # decided before the desk kept the date
        decided = received
    acceptance = period_end(received, ACCEPTANCE_DAYS, "受理告知", ACCEPTANCE_BASIS)
    clocks = [Clock("受理告知", ACCEPTANCE_DAYS, received, acceptance.last_day, decided, ACCEPTANCE_BASIS)]
    if accepted_at is not None:
        start = shanghai_date(accepted_at)
        days = HANDLING_DAYS + (extension_days or 0)
        handling = period_end(start, days, "办理", HANDLING_BASIS)
        stopped = shanghai_date(closed_at) if closed_at else None
        clocks.append(Clock("办理", days, start, handling.last_day, stopped, HANDLING_BASIS))
    return clocks


def running_clock(clocks: list[Clock]) -> Optional[Clock]:
    """The clock that runs now (its due date is what the citizen is told to expect)."""
    return next((clock for clock in clocks if clock.running), None)


def is_overdue(clocks: list[Clock], today: date) -> bool:
    """A running clock is past its last day."""
    return any(clock.running and clock.overdue_on(today) for clock in clocks)
