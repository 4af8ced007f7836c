"""Supervision (issue 12 item 2): a server that dies is replaced while the others keep running;
the web service's ``/healthz`` reports all three servers.

The supervisor is exercised on stand-in servers (``fake_server.py``), which start in a moment;
``test_faults.py`` kills the real ones under load.
"""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest
from aiohttp import web

from core.settings import PROJECT_ROOT, load_settings
from launch.launcher import child_environment
from launch.supervisor import Service, Supervisor, backoff_seconds
from tests.hardening.hostile import Client
from tests.support.stack import RunningAssistant, free_port
from web import health
from web.app import SETTINGS_KEY

FAKE_SERVER = str(Path(__file__).with_name("fake_server.py"))


def eventually(condition: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


URLS = {"one": f"http://127.0.0.1:{free_port()}/", "two": f"http://127.0.0.1:{free_port()}/"}


@pytest.fixture
def start_fakes(tmp_path: Path) -> Iterator[Callable[..., Supervisor]]:
    started: list[Supervisor] = []

    def start(warm_standby: bool = False) -> Supervisor:
        services = [Service(name, [sys.executable, FAKE_SERVER, url.rsplit(":", 1)[1].strip("/")], url)
                    for name, url in URLS.items()]
        sink = open(tmp_path / "servers.log", "w", encoding="utf-8")
        supervisor = Supervisor(services, child_environment(), PROJECT_ROOT, sink, warm_standby=warm_standby)
        started.append(supervisor)
        supervisor.start()
        assert supervisor.wait_until_ready(30)
        supervisor.supervise()
        return supervisor

    yield start
    for supervisor in started:
        supervisor.stop(grace_seconds=5)


def serves(name: str) -> bool:
    try:
        return Client(URLS[name], timeout=2).request("GET", "/").status == 200
    except OSError:
        return False


def test_backoff_doubles_up_to_thirty_seconds() -> None:
    assert [backoff_seconds(n) for n in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_killed_server_is_restarted_with_backoff_and_the_others_keep_running(
        start_fakes: Callable[..., Supervisor], tmp_path: Path) -> None:
    supervisor = start_fakes()
    first = supervisor.pids()
    os.kill(first["one"], signal.SIGKILL)
    assert eventually(lambda: supervisor.pids().get("one", first["one"]) != first["one"] and serves("one"))
    second = supervisor.pids()["one"]
    os.kill(second, signal.SIGKILL)  # again at once: the next restart waits longer
    assert eventually(lambda: supervisor.pids().get("one", second) != second and serves("one"))
    assert supervisor.pids()["two"] == first["two"] and serves("two")
    log = (tmp_path / "servers.log").read_text(encoding="utf-8")
    assert "[supervisor] one stopped unexpectedly (exit code -9)" in log
    assert "restarting one in 1 s" in log and "restarting one in 2 s" in log


def test_a_loaded_spare_is_promoted_at_once_and_a_new_one_loads(start_fakes: Callable[..., Supervisor]) -> None:
    supervisor = start_fakes(warm_standby=True)
    assert supervisor.wait_for_spares(30)
    active, spare = supervisor.pids()["one"], supervisor.spare_pids()["one"]
    os.kill(active, signal.SIGKILL)
    assert eventually(lambda: supervisor.pids().get("one") == spare and serves("one"), timeout=10)
    assert eventually(lambda: supervisor.spare_pids().get("one") not in (None, spare) and supervisor.wait_for_spares(1))
    os.kill(supervisor.spare_pids()["two"], signal.SIGKILL)  # a spare that dies is replaced too
    assert eventually(lambda: supervisor.wait_for_spares(1))


def test_stop_ends_every_server_and_spare(start_fakes: Callable[..., Supervisor]) -> None:
    supervisor = start_fakes(warm_standby=True)
    assert supervisor.wait_for_spares(30)
    pids = [*supervisor.pids().values(), *supervisor.spare_pids().values()]
    supervisor.stop(grace_seconds=5)
    assert not any(_running(pid) for pid in pids)


def test_a_service_gets_its_own_environment_and_may_have_no_spare(tmp_path: Path) -> None:
    """As make cluster runs nginx (no standby) and actions-k (its own ACTION_PORT)."""
    port = free_port()
    own_port = [sys.executable, "-c", "import os, runpy, sys; sys.argv = [sys.argv[0], os.environ['FAKE_PORT']]; "
                f"runpy.run_path({FAKE_SERVER!r}, run_name='__main__')"]
    services = [Service("proxy", own_port, f"http://127.0.0.1:{port}/", env={"FAKE_PORT": str(port)}, has_standby=False),
                Service("one", [sys.executable, FAKE_SERVER, URLS["one"].rsplit(":", 1)[1].strip("/")], URLS["one"])]
    with open(tmp_path / "servers.log", "w", encoding="utf-8") as sink:
        supervisor = Supervisor(services, child_environment(), PROJECT_ROOT, sink, warm_standby=True)
        try:
            supervisor.start()
            assert supervisor.wait_until_ready(30)
            supervisor.supervise()
            assert supervisor.wait_for_spares(30)
            assert set(supervisor.spare_pids()) == {"one"}
        finally:
            supervisor.stop(grace_seconds=5)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_healthz_reports_servers_that_are_down(aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    app = web.Application()
    app[SETTINGS_KEY] = load_settings({"RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port())})
    health.register(app)
    client = await aiohttp_client(app)
    reply = await client.get("/healthz")
    assert reply.status == 503
    assert await reply.json() == {"status": "degraded", "services": {"web": "ok", "rasa": "down", "actions": "down"}}
    assert (await client.get("/livez")).status == 200


@pytest.mark.server
def test_healthz_of_the_running_assistant_reports_all_three(assistant: RunningAssistant) -> None:
    reply = Client(assistant.web_url).request("GET", "/healthz")
    assert reply.status == 200
    assert reply.json() == {"status": "ok", "services": {"web": "ok", "rasa": "ok", "actions": "ok"}}
