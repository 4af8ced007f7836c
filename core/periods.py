"""Statutory periods counted in days, in Shanghai dates: the citizen's deadline calculator and the
staff desk's case clocks count them the same way.

The 《信访工作条例》 sets the periods but no counting rule; this follows the general rule of
《民法典》: the starting day is not counted (第二百零一条), and a period whose last day is a
statutory rest day ends on the first day after it (第二百零三条).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

COUNTING_RULE = "按《中华人民共和国民法典》第二百零一条、第二百零三条的期间计算规则推算：开始当日不计入；最后一日为法定休假日的，顺延至休假日结束的次日"


@dataclass(frozen=True)
class Deadline:
    what: str
    last_day: date  # after rolling over rest days
    calendar_day: date  # start + N days, before rolling
    days: int
    basis: str
    citizen_acts: bool  # the citizen must act by then (else it is the authority's time limit)

    @property
    def rolled(self) -> bool:
        return self.last_day != self.calendar_day


def is_rest_day(day: date) -> bool:
    """Weekends and statutory holidays (adjusted working days count as working days)."""
    try:
        return chinese_calendar.is_holiday(day)
    except NotImplementedError:  # years the holiday calendar does not cover yet: weekends only
        return day.weekday() >= 5


def holiday_data_covers(day: date) -> bool:
    try:
        chinese_calendar.is_holiday(day)
        return True
    except NotImplementedError:
        return False


def period_end(start: date, days: int, what: str, basis: str, citizen_acts: bool = False) -> Deadline:
    calendar_day = start + timedelta(days=days)  # the starting day itself is not counted
    last_day = calendar_day
    while is_rest_day(last_day):
        last_day += timedelta(days=1)
    return Deadline(what, last_day, calendar_day, days, basis, citizen_acts)
