"""Calling a Tencent API host (WeChat ``api.weixin.qq.com``, WeCom ``qyapi.weixin.qq.com``).

Both hosts take an ``access_token`` query parameter obtained from a token endpoint with the
application's secret and valid for ``expires_in`` seconds (7200). The token is cached in the
channel's key-value store until shortly before it expires, so with Redis every instance uses the
same token (fetching a new one invalidates older ones after a grace period); a call rejected for
an invalid or expired token fetches a fresh one and is tried once more.

Nothing here logs URLs: they carry the secret or the token.
"""
from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from .kvstore import KeyValueStore

log = logging.getLogger(__name__)

# 40001 invalid credential, 40014 invalid access_token, 42001 access_token expired (both hosts).
TOKEN_REJECTED_ERRCODES = frozenset({40001, 40014, 42001})
REFRESH_MARGIN_SECONDS = 300
REQUEST_TIMEOUT_SECONDS = 10
_FETCH_LOCK_SECONDS = 10
_POLL_SECONDS = 0.1


class TencentApiError(Exception):
    """A failed call: Tencent's ``errcode`` (None for HTTP or network failures) and message."""

    def __init__(self, errcode: int | None, errmsg: str):
        super().__init__(f"errcode={errcode} errmsg={errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass(frozen=True)
class TokenEndpoint:
    """Where and with which (secret) query parameters the access token is fetched."""

    path: str
    params: dict[str, str] = field(repr=False)


def cache_lifetime(expires_in: float) -> float:
    """How long a token is reused: until ``REFRESH_MARGIN_SECONDS`` before expiry (at least half its life)."""
    if expires_in > 2 * REFRESH_MARGIN_SECONDS:
        return expires_in - REFRESH_MARGIN_SECONDS
    return max(1.0, expires_in / 2)


class TencentApiClient:
    def __init__(self, base_url: str, token_endpoint: TokenEndpoint, store: KeyValueStore, cache_key: str):
        self._base_url = base_url.rstrip("/")
        self._token_endpoint = token_endpoint
        self._store = store
        self._cache_key = cache_key
        self._fetch_lock: asyncio.Lock | None = None
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _call(self, method: str, path: str, params: dict[str, str], payload: Any = None) -> dict[str, Any]:
        data = None if payload is None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"} if data is not None else None
        try:
            async with self._http().request(method, self._base_url + path, params=params, data=data,
                                            headers=headers) as response:
                if response.status != 200:
                    raise TencentApiError(None, f"HTTP {response.status} from {path}")
                result = json.loads(await response.text(encoding="utf-8"))
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            # The exception text may contain the URL (and so a secret): only its type is kept.
            raise TencentApiError(None, f"{type(exc).__name__} calling {path}") from None
        if not isinstance(result, dict):
            raise TencentApiError(None, f"unexpected answer from {path}")
        try:
            errcode = int(result.get("errcode") or 0)
        except (TypeError, ValueError):
            raise TencentApiError(None, f"unexpected errcode from {path}") from None
        if errcode:
            raise TencentApiError(errcode, str(result.get("errmsg", "")))
        return result

    async def _fetch_token(self) -> tuple[str, float]:
        result = await self._call("GET", self._token_endpoint.path, self._token_endpoint.params)
        token = result.get("access_token")
        if not isinstance(token, str) or not token:
            raise TencentApiError(None, "token endpoint gave no access_token")
        try:
            expires_in = float(result.get("expires_in", 7200))
        except (TypeError, ValueError):
            expires_in = 7200.0
        return token, expires_in

    async def access_token(self) -> str:
        """The cached token, fetched (by one caller at a time, across instances) when missing."""
        cached = await self._store.get(self._cache_key)
        if cached:
            return cached
        if self._fetch_lock is None:
            self._fetch_lock = asyncio.Lock()
        async with self._fetch_lock:
            cached = await self._store.get(self._cache_key)
            if cached:
                return cached
            lock_key = f"{self._cache_key}:fetching"
            if not await self._store.add(lock_key, "1", _FETCH_LOCK_SECONDS):
                cached = await self._wait_for_other_instance(_FETCH_LOCK_SECONDS)
                if cached:
                    return cached
            try:
                token, expires_in = await self._fetch_token()
                await self._store.put(self._cache_key, token, cache_lifetime(expires_in))
                log.info("fetched a new access token (valid %.0f s)", expires_in)
                return token
            finally:
                await self._store.delete(lock_key)

    async def _wait_for_other_instance(self, seconds: float) -> str | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            await asyncio.sleep(_POLL_SECONDS)
            cached = await self._store.get(self._cache_key)
            if cached:
                return cached
        return None

    async def _forget_token(self, token: str) -> None:
        if await self._store.get(self._cache_key) == token:
            await self._store.delete(self._cache_key)

    async def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST ``payload`` as JSON (UTF-8, not \\u-escaped) to ``path`` with the access token."""
        token = await self.access_token()
        try:
            return await self._call("POST", path, {"access_token": token}, payload)
        except TencentApiError as exc:
            if exc.errcode not in TOKEN_REJECTED_ERRCODES:
                raise
            log.info("access token rejected (errcode %s); fetching a new one", exc.errcode)
            await self._forget_token(token)
            return await self._call("POST", path, {"access_token": await self.access_token()}, payload)
