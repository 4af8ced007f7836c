"""Time helpers: everything is stored in UTC and shown in Shanghai time.

Shanghai has used UTC+8 without daylight saving since 1991, so a fixed offset is exact for every
date a submission can carry and needs no tz database on the host (slim images often lack one).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

Clock = Callable[[], datetime]
"""Returns the current time as an aware datetime; injected so tests control time."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def ensure_aware_utc(moment: datetime) -> datetime:
    """Aware datetimes are converted to UTC; naive ones are rejected (their zone is unknown)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(timezone.utc)


def to_shanghai(moment: datetime) -> datetime:
    return ensure_aware_utc(moment).astimezone(SHANGHAI)


def format_shanghai(moment: datetime) -> str:
    """``2025-03-01 14:05`` in Shanghai time, for messages to citizens and staff."""
    return to_shanghai(moment).strftime("%Y-%m-%d %H:%M")
