"""Staff authentication: ``Authorization: Bearer <token>`` against the tokens of ``STAFF_TOKENS``.

Tokens belong to named staff (``name:token,name:token``); the name is what the audit log records.
The presented token is compared with *every* configured token in constant time
(:func:`hmac.compare_digest`), so neither the answer nor its timing tells which tokens exist.
The console keeps the token in ``sessionStorage`` and sends it as this header: there are no
cookies, so there is nothing a cross-site request could ride on.

Tokens are at least 24 characters (``STAFF_TOKENS`` is refused at start otherwise), and wrong
tokens are counted per client address (:class:`FailedLogins`): after 10 within 15 minutes the
address gets 429 for a minute, twice as long after each further wrong token (at most an hour),
whatever token it then presents. The address is the TCP peer; ``X-Forwarded-For`` is not
believed, so behind a reverse proxy every client shares the proxy's address (and its lockout).
"""
from __future__ import annotations

import hmac
import threading
from collections import OrderedDict, deque
from datetime import datetime, timedelta
from typing import Mapping

from submissions.throttle import ThrottlePolicy, seconds_until

MAX_TOKEN_BYTES = 512
STAFF_AUTH_THROTTLE = ThrottlePolicy(max_failures=10, window=timedelta(minutes=15), base_block=timedelta(minutes=1),
                                     max_block=timedelta(hours=1), memory=timedelta(hours=24))
MAX_TRACKED_ADDRESSES = 10_000


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, else None."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def staff_name(presented: str | None, tokens: Mapping[str, str]) -> str | None:
    """The name of the staff member whose token was presented, or None."""
    if presented is None:
        return None
    candidate = presented.encode("utf-8", errors="replace")
    if len(candidate) > MAX_TOKEN_BYTES:
        return None
    found: str | None = None
    for token, name in tokens.items():  # no early exit: every token is compared
        if hmac.compare_digest(candidate, token.encode("utf-8")):
            found = name
    return found


class FailedLogins:
    """Wrong staff tokens per client address, in this process (the web service runs one)."""

    def __init__(self, policy: ThrottlePolicy = STAFF_AUTH_THROTTLE, max_addresses: int = MAX_TRACKED_ADDRESSES):
        self._policy = policy
        self._max_addresses = max_addresses
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def seconds_blocked(self, address: str, now: datetime) -> int:
        """How long ``address`` must wait before its next try (0: it may try now)."""
        policy = self._policy
        with self._lock:
            times = self._failures.get(address)
            if not times:
                return 0
            while times and times[0] <= now - policy.memory:
                times.popleft()
            in_window = sum(1 for moment in times if moment > now - policy.window)
            until = policy.blocked_until(in_window, times[-1] if times else None, len(times))
        return seconds_until(until, now) if until else 0

    def record(self, address: str, now: datetime) -> None:
        with self._lock:
            times = self._failures.setdefault(address, deque(maxlen=1000))
            times.append(now)
            self._failures.move_to_end(address)
            while len(self._failures) > self._max_addresses:
                self._failures.popitem(last=False)
