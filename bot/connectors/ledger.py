"""One conversation turn per callback, however often Tencent retries it.

WeChat and WeCom wait 5 seconds for an answer and then send the same callback again, up to three
times. The first delivery claims the callback's key (``SET NX``); a retry finds the claim and,
instead of starting a second turn, waits for the first one's outcome: the passive reply it gave
(sent again, since Tencent evidently did not get it) or "nothing to add" (the answer goes out
through the messaging API).
"""
from __future__ import annotations

import asyncio

from .kvstore import KeyValueStore

# Tencent's retries come within about 15 seconds; the key is kept far longer than that.
LEDGER_TTL_SECONDS = 10 * 60
_PENDING = "pending"
_SETTLED = "settled:"
_POLL_SECONDS = 0.05


class CallbackLedger:
    def __init__(self, store: KeyValueStore, namespace: str, ttl_seconds: float = LEDGER_TTL_SECONDS):
        self._store = store
        self._namespace = namespace
        self._ttl = ttl_seconds

    def _key(self, callback_key: str) -> str:
        return f"{self._namespace}:callback:{callback_key}"

    async def claim(self, callback_key: str) -> bool:
        """True for the first delivery of this callback, False for every retry."""
        return await self._store.add(self._key(callback_key), _PENDING, self._ttl)

    async def settle(self, callback_key: str, passive_reply: str) -> None:
        """Record the passive reply given (plain XML; empty when the answer goes by API)."""
        await self._store.put(self._key(callback_key), _SETTLED + passive_reply, self._ttl)

    async def outcome(self, callback_key: str, deadline: float) -> str:
        """The settled passive reply, waiting for it until the loop time ``deadline``.

        Empty when the first delivery settled without one or has not settled in time.
        """
        loop = asyncio.get_running_loop()
        while True:
            value = await self._store.get(self._key(callback_key))
            if value is not None and value.startswith(_SETTLED):
                return value[len(_SETTLED):]
            if value is None or loop.time() >= deadline:
                return ""
            await asyncio.sleep(min(_POLL_SECONDS, max(0.0, deadline - loop.time())))
