"""Short-lived shared state of the WeChat-family channels: Redis when configured, memory otherwise.

Deduplication, access tokens and the numbered options a citizen may answer all need a few
string values with a time to live and an atomic "set if absent". With ``REDIS_URL`` set, every
instance of the assistant sees the same values; without it they live in this process only.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from typing import Protocol

import redis.asyncio as redis_asyncio


class KeyValueStore(Protocol):
    async def add(self, key: str, value: str, ttl_seconds: float) -> bool:
        """Store ``value`` only if ``key`` holds nothing; True when this call stored it."""

    async def put(self, key: str, value: str, ttl_seconds: float) -> None:
        """Store ``value``, replacing what ``key`` held."""

    async def get(self, key: str) -> str | None: ...

    async def delete(self, key: str) -> None: ...

    async def close(self) -> None: ...


class MemoryStore:
    """Values with expiry in this process; the oldest entries go first beyond ``max_entries``."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._entries: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._max_entries = max_entries

    def _live(self, key: str) -> str | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, expires_at = entry
        if expires_at <= time.monotonic():
            del self._entries[key]
            return None
        return value

    def _store(self, key: str, value: str, ttl_seconds: float) -> None:
        self._entries[key] = (value, time.monotonic() + ttl_seconds)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def add(self, key: str, value: str, ttl_seconds: float) -> bool:
        if self._live(key) is not None:
            return False
        self._store(key, value, ttl_seconds)
        return True

    async def put(self, key: str, value: str, ttl_seconds: float) -> None:
        self._store(key, value, ttl_seconds)

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def delete(self, key: str) -> None:
        self._entries.pop(key, None)

    async def close(self) -> None:
        self._entries.clear()


def _milliseconds(ttl_seconds: float) -> int:
    return max(1, int(ttl_seconds * 1000))


class RedisStore:
    """The same operations on a Redis server (``SET NX PX`` for :meth:`add`)."""

    def __init__(self, url: str) -> None:
        self._client = redis_asyncio.from_url(url, decode_responses=True, socket_timeout=5,
                                              socket_connect_timeout=5)

    async def add(self, key: str, value: str, ttl_seconds: float) -> bool:
        return bool(await self._client.set(key, value, nx=True, px=_milliseconds(ttl_seconds)))

    async def put(self, key: str, value: str, ttl_seconds: float) -> None:
        await self._client.set(key, value, px=_milliseconds(ttl_seconds))

    async def get(self, key: str) -> str | None:
        return await self._client.get(key)

    async def delete(self, key: str) -> None:
        await self._client.delete(key)

    async def close(self) -> None:
        await self._client.close()


def open_store(redis_url: str) -> KeyValueStore:
    """A Redis-backed store when ``redis_url`` is set (connects on first use), else in memory."""
    return RedisStore(redis_url) if redis_url else MemoryStore()
