"""How long a requester must wait after repeated failed status lookups.

Rule: once a requester has ``max_failures`` failures within ``window``, further lookups are
refused until ``base_block × 2**(n − max_failures)`` after the latest failure (capped at
``max_block``), where ``n`` counts that requester's failures within ``memory``. So a first burst
of 5 failures blocks for 1 minute, every further failure doubles the wait, and a requester who
comes back the same day for another burst starts from a longer wait.

A successful lookup does not reset anything: otherwise someone holding one valid number could
interleave it with guesses and never be slowed down.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional


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
