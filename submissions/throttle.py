"""How long a requester must wait after repeated failed status lookups.

Rule: once a requester has ``max_failures`` failures within ``window``, further lookups are
refused until ``base_block × 2**(n − max_failures)`` after the latest failure (capped at
``max_block``), where ``n`` counts that requester's failures within ``memory``. So a first burst
of 5 failures blocks for 1 minute, every further failure doubles the wait, and a requester who
comes back the same day for another burst starts from a longer wait.

A successful lookup does not reset anything: otherwise someone holding one valid number could
interleave it with guesses and never be slowed down.

The same rule serves every key failures are counted under, each with its policy: a requester
(:class:`ThrottlePolicy` defaults), a tracking number (:data:`NUMBER_THROTTLE`: 10 failures within
an hour lock the number for ``LOOKUP_LOCKOUT_MINUTES``, then longer, whoever asks), and the staff
API's client addresses (web/staff/auth.py).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from core.settings import Settings


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    base_block: timedelta = timedelta(minutes=1)
    max_block: timedelta = timedelta(hours=1)
    memory: timedelta = timedelta(hours=24)

    def block_length(self, failures_in_memory: int) -> timedelta:
        exponent = max(0, failures_in_memory - self.max_failures)
        if exponent >= 32:
            return self.max_block
        return min(self.base_block * (2**exponent), self.max_block)

    def blocked_until(
        self, failures_in_window: int, latest_failure: Optional[datetime], failures_in_memory: int
    ) -> Optional[datetime]:
        """The moment the block ends, or None when the requester is not blocked at all."""
        if latest_failure is None or failures_in_window < self.max_failures:
            return None
        return latest_failure + self.block_length(max(failures_in_memory, failures_in_window))


def seconds_until(moment: datetime, now: datetime) -> int:
    """Whole seconds to wait (rounded up, at least 1) until ``moment``; 0 if it has passed."""
    remaining = (moment - now).total_seconds()
    return max(1, math.ceil(remaining)) if remaining > 0 else 0


# A tracking number is locked after 10 wrong last-4 values within an hour, for an hour, then
# twice as long for every further failure within a day (at most a day): someone trying every
# value from fresh conversations gets about 20 tries a day instead of 10,000 in 15 minutes.
NUMBER_THROTTLE = ThrottlePolicy(max_failures=10, window=timedelta(hours=1), base_block=timedelta(hours=1),
                                 max_block=timedelta(hours=24), memory=timedelta(hours=24))


def number_throttle_policy(settings: "Settings") -> ThrottlePolicy:
    """:data:`NUMBER_THROTTLE` with ``LOOKUP_NUMBER_MAX_FAILURES`` and ``LOOKUP_LOCKOUT_MINUTES``."""
    return replace(NUMBER_THROTTLE, max_failures=settings.lookup_number_max_failures,
                   base_block=timedelta(minutes=settings.lookup_lockout_minutes))


@dataclass(frozen=True)
class ThrottleKey:
    """One key failures are counted under: its keyed hash, its policy, what it is (for the audit
    log, in Chinese) and, for a tracking number, the number itself."""

    hash: str
    policy: ThrottlePolicy
    kind: str
    number: Optional[str] = None
