"""Fixtures of the WeChat / WeCom channel tests: fake Tencent API hosts, peers, Redis, turn counts.

The fake API hosts listen on the ports the session's assistant was configured with
(``tests/support/shared_env.py``). Redis tests use the session's private ``redis-server``
(``tests/support/services.py``); with ``REQUIRE_REDIS=1`` a missing Redis fails them, otherwise
they are skipped.
"""
from __future__ import annotations

import os
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text

from core.settings import Settings
from tests.support import shared_env
from tests.support.services import Service, unavailable
from tests.support.stack import RunningAssistant

from .fake_tencent_api import WECHAT, WECOM, FakeTencentApi
from .tencent_peer import WeChatPeer, WeComPeer


@pytest.fixture(scope="session")
def wechat_api() -> Iterator[FakeTencentApi]:
    env = shared_env.ENV
    api = FakeTencentApi(WECHAT, shared_env.FAKE_WECHAT_API_PORT, env["WECHAT_APPID"], env["WECHAT_SECRET"]).start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def wecom_api() -> Iterator[FakeTencentApi]:
    env = shared_env.ENV
    api = FakeTencentApi(WECOM, shared_env.FAKE_WECOM_API_PORT, env["WECOM_CORP_ID"], env["WECOM_SECRET"],
                         agent_id=int(env["WECOM_AGENT_ID"])).start()
    yield api
    api.stop()


@pytest.fixture
def wechat(assistant: RunningAssistant, wechat_api: FakeTencentApi) -> WeChatPeer:
    return WeChatPeer(assistant.rasa_url, assistant.env)


@pytest.fixture
def wecom(assistant: RunningAssistant, wecom_api: FakeTencentApi) -> WeComPeer:
    return WeComPeer(assistant.rasa_url, assistant.env)


def user_turns(settings: Settings, sender_id: str) -> int:
    """Conversation turns (user events) stored for ``sender_id`` in the assistant's tracker store."""
    if settings.tracker_store_url == "memory":
        pytest.skip("the tracker store is in memory: turns cannot be counted")
    engine = create_engine(settings.tracker_store_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(
                text("SELECT COUNT(*) FROM events WHERE sender_id = :sender AND type_name = 'user'"),
                {"sender": sender_id},
            ).scalar() or 0)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def redis_server(redis_service: Service) -> str:
    """URL of the session's private Redis server, or "" when there is none and none is required."""
    if redis_service.problem and os.environ.get("REQUIRE_REDIS", "") == "1":
        pytest.fail(f"Redis unavailable: {redis_service.problem} (REQUIRE_REDIS=1)", pytrace=False)
    return redis_service.redis_url


@pytest.fixture
def redis_url(redis_service: Service, redis_server: str) -> str:
    if not redis_server:
        unavailable("Redis", "REQUIRE_REDIS", redis_service.problem)
    return redis_server
