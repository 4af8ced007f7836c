"""Replayed callbacks refused: each signed ``timestamp`` + ``nonce`` is good for a few minutes and
for one body only.

Tencent signs a callback's query parameters ``timestamp`` and ``nonce`` with the shared token; in
safe mode ``msg_signature`` also covers the encrypted body, in plain mode nothing covers the body.
So a callback someone captured (a proxy log, a mirrored port) could otherwise be sent again
forever, and in plain mode with any body under the same valid signature.

* A callback whose signed timestamp is further than ``WECHAT_REPLAY_WINDOW_SECONDS`` (default 300)
  from this server's clock, in either direction, is refused.
* The first callback with a given timestamp and nonce claims them, with a digest of its body, in
  the channel's key-value store (shared through Redis by every instance) until its timestamp
  leaves the window. The same request again (Tencent's own retry, or a replay of it) passes: the
  callback ledger answers it without a second turn. The same timestamp and nonce with another
  body is a forgery and is refused.

What this cannot do is in docs/threat-model-data.md (plain mode).
"""
from __future__ import annotations

import hashlib
import time
from typing import Callable

from .kvstore import KeyValueStore

STALE = "请求已过期：时间戳超出允许范围，可能是重放的旧请求。"
REUSED = "请求无效：该时间戳和随机数已用于另一条消息。"
BAD_TIMESTAMP = "请求无效：timestamp 应为整数秒。"


def _digest(data: bytes | str) -> str:
    return hashlib.sha256(data if isinstance(data, bytes) else data.encode("utf-8", "replace")).hexdigest()


class ReplayGuard:
    def __init__(self, store: KeyValueStore, namespace: str, window_seconds: float,
                 clock: Callable[[], float] = time.time):
        self._store = store
        self._namespace = namespace
        self._window = max(1.0, window_seconds)
        self._clock = clock

    async def refusal(self, timestamp: str, nonce: str, body: bytes) -> str | None:
        """Why this signed callback must be refused (a Chinese reason), or None to accept it."""
        if not timestamp.isdigit() or len(timestamp) > 12:
            return BAD_TIMESTAMP
        sent, now = int(timestamp), self._clock()
        if abs(now - sent) > self._window:
            return STALE
        key = f"{self._namespace}:nonce:{sent}:{_digest(nonce)[:32]}"
        body_digest = _digest(body)
        if await self._store.add(key, body_digest, max(1.0, sent + self._window - now)):
            return None
        return None if await self._store.get(key) == body_digest else REUSED
