"""Dedupe ledger, key-value stores and the access-token cache, in memory and on a real Redis."""
from __future__ import annotations

import asyncio

import pytest
import redis

from bot.connectors.kvstore import MemoryStore, RedisStore
from bot.connectors.ledger import CallbackLedger
from bot.connectors.replay import BAD_TIMESTAMP, REUSED, STALE, ReplayGuard
from bot.connectors.tencent_api import (
    REFRESH_MARGIN_SECONDS, TencentApiClient, TencentApiError, TokenEndpoint, cache_lifetime,
)
from tests.support.stack import free_port

from .fake_tencent_api import WECHAT, FakeTencentApi


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def make_store(backend: str, request: pytest.FixtureRequest):
    """Stores as separate instances would open them: each Redis store is its own client."""
    opened: list[RedisStore] = []
    shared_memory = MemoryStore()
    url = request.getfixturevalue("redis_url") if backend == "redis" else ""
    if url:
        redis.Redis.from_url(url).flushdb()

    def make():
        if not url:
            return shared_memory
        store = RedisStore(url)
        opened.append(store)
        return store

    yield make
    for store in opened:
        await store.close()


async def test_add_stores_only_when_absent(make_store) -> None:
    store = make_store()
    assert await store.add("k", "first", 60)
    assert not await store.add("k", "second", 60)
    assert await store.get("k") == "first"
    await store.put("k", "third", 60)
    assert await store.get("k") == "third"
    await store.delete("k")
    assert await store.get("k") is None
    assert await store.add("k", "again", 60)


async def test_values_carry_their_time_to_live(backend: str, make_store, request: pytest.FixtureRequest) -> None:
    store = make_store()
    if backend == "redis":
        # Redis keeps the time to live itself; check it was set rather than wait for it.
        await store.put("ttl", "v", 30)
        await store.add("ttl2", "v", 20)
        client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
        assert 0 < client.pttl("ttl") <= 30_000 and 0 < client.pttl("ttl2") <= 20_000
    else:
        await store.put("gone", "v", 0)
        assert await store.get("gone") is None
        assert await store.add("gone", "again", 60)


async def test_memory_store_is_bounded() -> None:
    store = MemoryStore(max_entries=3)
    for key in "abcd":
        await store.put(key, key, 60)
    assert await store.get("a") is None
    assert [await store.get(k) for k in "bcd"] == ["b", "c", "d"]


async def test_a_callback_is_claimed_once_across_instances(make_store) -> None:
    first, second = CallbackLedger(make_store(), "t"), CallbackLedger(make_store(), "t")
    assert await first.claim("msg:1")
    assert not await second.claim("msg:1")
    assert not await first.claim("msg:1")
    assert await second.claim("msg:2")


async def test_a_retry_waits_for_the_first_delivery_and_gets_its_reply(make_store) -> None:
    first, retry = CallbackLedger(make_store(), "t"), CallbackLedger(make_store(), "t")
    assert await first.claim("msg:7")
    loop = asyncio.get_running_loop()
    waiting = asyncio.ensure_future(retry.outcome("msg:7", loop.time() + 60))
    await asyncio.sleep(0)
    assert not waiting.done()
    await first.settle("msg:7", "<xml>reply</xml>")
    assert await waiting == "<xml>reply</xml>"
    # A later retry gets the same reply at once.
    assert await retry.outcome("msg:7", loop.time()) == "<xml>reply</xml>"


async def test_a_retry_gets_no_reply_when_the_first_is_still_running_at_its_deadline(make_store) -> None:
    ledger = CallbackLedger(make_store(), "t")
    assert await ledger.claim("msg:8")
    assert await ledger.outcome("msg:8", asyncio.get_running_loop().time()) == ""
    await ledger.settle("msg:8", "")
    assert await ledger.outcome("msg:8", asyncio.get_running_loop().time() + 60) == ""


def test_tokens_are_reused_until_shortly_before_expiry() -> None:
    assert cache_lifetime(7200) == 7200 - REFRESH_MARGIN_SECONDS
    assert cache_lifetime(400) == 200
    assert cache_lifetime(0) == 1


@pytest.fixture
def token_api():
    api = FakeTencentApi(WECHAT, free_port(), "wxapp", "right-secret").start()
    yield api
    api.stop()


def client(api: FakeTencentApi, store, secret: str = "right-secret") -> TencentApiClient:
    endpoint = TokenEndpoint("/cgi-bin/token", {"grant_type": "client_credential", "appid": "wxapp", "secret": secret})
    return TencentApiClient(api.base_url, endpoint, store, "test:wxapp:access_token")


async def send(api_client: TencentApiClient, user: str, text: str) -> dict:
    return await api_client.post("/cgi-bin/message/custom/send",
                                 {"touser": user, "msgtype": "text", "text": {"content": text}})


async def test_instances_sharing_a_store_fetch_one_token(make_store, token_api: FakeTencentApi) -> None:
    clients = [client(token_api, make_store()) for _ in range(3)]
    try:
        await asyncio.gather(*(send(c, "openid-1", f"第{n}条") for n, c in enumerate(clients, 1)))
    finally:
        for c in clients:
            await c.close()
    assert token_api.token_requests == 1
    assert sorted(token_api.texts_to("openid-1")) == ["第1条", "第2条", "第3条"]


async def test_a_rejected_token_is_replaced_and_the_call_repeated_once(make_store, token_api: FakeTencentApi) -> None:
    api_client = client(token_api, make_store())
    try:
        await send(api_client, "openid-2", "一")
        token_api.revoke_token_on_next_call()
        await send(api_client, "openid-2", "二")
    finally:
        await api_client.close()
    assert token_api.token_requests == 2
    assert token_api.texts_to("openid-2") == ["一", "二"]


async def test_api_errors_are_reported_without_secrets(make_store, token_api: FakeTencentApi) -> None:
    api_client = client(token_api, make_store(), secret="wrong-secret")
    try:
        with pytest.raises(TencentApiError) as raised:
            await send(api_client, "openid-3", "x")
    finally:
        await api_client.close()
    assert raised.value.errcode == 40013
    assert "wrong-secret" not in str(raised.value)


async def test_an_unreachable_host_is_an_api_error_without_the_url(make_store) -> None:
    endpoint = TokenEndpoint("/cgi-bin/token", {"appid": "a", "secret": "very-secret"})
    api_client = TencentApiClient(f"http://127.0.0.1:{free_port()}", endpoint, make_store(), "test:none")
    try:
        with pytest.raises(TencentApiError) as raised:
            await api_client.access_token()
    finally:
        await api_client.close()
    assert raised.value.errcode is None
    assert "very-secret" not in str(raised.value) and "127.0.0.1" not in str(raised.value)


async def test_content_over_the_text_limit_is_refused_like_tencent_does(make_store, token_api: FakeTencentApi) -> None:
    api_client = client(token_api, make_store())
    try:
        with pytest.raises(TencentApiError) as raised:
            await send(api_client, "openid-4", "长" * 683)  # 2049 bytes
    finally:
        await api_client.close()
    assert raised.value.errcode == 45002


async def test_a_signed_timestamp_and_nonce_serve_one_body_across_instances(make_store) -> None:
    now = 1_800_000_000.0
    first, second = (ReplayGuard(make_store(), "xinfang:test", 300, clock=lambda: now) for _ in range(2))
    sent = str(int(now) - 10)
    assert await first.refusal(sent, "n1", b"<xml>a</xml>") is None
    assert await second.refusal(sent, "n1", b"<xml>a</xml>") is None  # the same request: a retry
    assert await second.refusal(sent, "n1", b"<xml>b</xml>") == REUSED
    assert await first.refusal(sent, "n2", b"<xml>b</xml>") is None
    assert await first.refusal(str(int(now) - 301), "n3", b"x") == STALE
    assert await first.refusal(str(int(now) + 301), "n4", b"x") == STALE
    assert await first.refusal("17e8", "n5", b"x") == BAD_TIMESTAMP
