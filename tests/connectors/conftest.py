"""Fixtures of the WeChat / WeCom channel tests: fake Tencent API hosts, peers, Redis, turn counts.

The fake API hosts listen on the ports the session's assistant was configured with
(``tests/support/shared_env.py``). Redis tests use a private ``redis-server``; with
``REQUIRE_REDIS=1`` a missing Redis fails them, otherwise they are skipped.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text

from core.settings import Settings
from tests.support import shared_env
from tests.support.stack import RunningAssistant, free_port

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


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _start_redis() -> tuple[subprocess.Popen[bytes] | None, str, str]:
    """(process, url, problem): a private redis-server on a free port, or why there is none."""
    binary = shutil.which("redis-server")
    if not binary:
        return None, "", "redis-server not installed (scripts/ensure_system_packages.sh redis-server)"
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="redis-test-")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return None, "", f"redis-server exited with code {process.returncode}"
        if _redis_answers(port):
            return process, f"redis://127.0.0.1:{port}/0", ""
        time.sleep(0.1)
    process.terminate()
    process.wait(10)
    return None, "", "redis-server did not answer PING"


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """URL of a private Redis server, or "" when there is none and none is required."""
    process, url, problem = _start_redis()
    if problem and os.environ.get("REQUIRE_REDIS", "") == "1":
        pytest.fail(f"Redis unavailable: {problem} (REQUIRE_REDIS=1)", pytrace=False)
    yield url
    if process is not None:
        process.terminate()
        process.wait(10)


@pytest.fixture
def redis_url(redis_server: str) -> str:
    if not redis_server:
        pytest.skip("Redis unavailable (set REQUIRE_REDIS=1 to make this a failure)")
    return redis_server
