"""Private Redis and PostgreSQL servers for the tests, each started at most once per session
(the fixtures are in tests/conftest.py; the connector, cluster and submissions tests share them).

A missing or broken server is reported with the reason: ``REQUIRE_REDIS=1`` /
``REQUIRE_POSTGRES=1`` (``make test`` sets them) make that a failure, otherwise the tests that
need the server are skipped.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, NoReturn

import pytest

from tests.submissions.postgres_cluster import PostgresCluster, PostgresUnavailable, ensure_installed
from tests.support.stack import free_port

REDIS_START_DEADLINE_SECONDS = 20  # only stops a redis-server that never answers from hanging the suite


def unavailable(what: str, variable: str, problem: str) -> NoReturn:
    """Fail when ``variable`` requires ``what``, else skip; either way with the reason."""
    if os.environ.get(variable, "") == "1":
        pytest.fail(f"{what} unavailable: {problem} ({variable}=1)", pytrace=False)
    pytest.skip(f"{what} unavailable: {problem} (set {variable}=1 to make this a failure)")


@dataclass(frozen=True)
class Service:
    """A started server (``problem`` empty) or why there is none (``problem`` says why)."""

    problem: str = ""
    redis_url: str = ""  # database 0; tests that must not share keys pick another number
    postgres: PostgresCluster | None = None


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def private_redis() -> Iterator[Service]:
    """A redis-server on a free port of 127.0.0.1, without persistence, stopped afterwards."""
    binary = shutil.which("redis-server")
    if not binary:
        yield Service(problem="redis-server not installed (scripts/ensure_system_packages.sh redis-server)")
        return
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="redis-test-")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + REDIS_START_DEADLINE_SECONDS
        while not redis_answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                yield Service(problem=f"redis-server did not answer PING (exit code {process.poll()})")
                return
            time.sleep(0.1)
        yield Service(redis_url=f"redis://127.0.0.1:{port}/0")
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def private_postgres() -> Iterator[Service]:
    """A throw-away PostgreSQL cluster (postgres_cluster.py), stopped and deleted afterwards."""
    cluster = None
    try:
        cluster = PostgresCluster(ensure_installed())
        cluster.start()
    except (PostgresUnavailable, OSError) as exc:
        if cluster is not None:
            cluster.stop()
        yield Service(problem=str(exc))
        return
    try:
        yield Service(postgres=cluster)
    finally:
        cluster.stop()
