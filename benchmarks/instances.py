"""``python -m benchmarks --instances 1,2``: the same citizens against 1 Rasa server + 1 action
server and against 2 + 2, each started as ``make cluster`` starts them (behind nginx, with the
Redis lock store and PostgreSQL for conversations and submissions), one after the other on this
machine.

Redis and PostgreSQL come from ``REDIS_URL``, ``TRACKER_STORE_URL`` and ``DATABASE_URL`` when all
three are set (PostgreSQL URLs); otherwise a private redis-server and PostgreSQL server are
started for the run (the tests' helper, ``tests/submissions/postgres_cluster.py``) and removed
afterwards, each instance count getting fresh databases.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

import redis
from sqlalchemy.engine import make_url

from benchmarks.summary import LoadSummary
from tests.support.instance import free_port, started_instance

MeasureLoad = Callable[[str, dict[str, int]], list[LoadSummary]]


@dataclass(frozen=True)
class InstancesRun:
    instances: int  # Rasa servers, and as many action servers
    startup_seconds: float
    summaries: list[LoadSummary]


def _configured() -> dict[str, str] | None:
    names = ("REDIS_URL", "TRACKER_STORE_URL", "DATABASE_URL")
    values = {name: os.environ.get(name, "").strip() for name in names}
    if all(values.values()) and all(make_url(values[n]).get_backend_name() == "postgresql" for n in names[1:]):
        return values
    return None


@contextmanager
def _private_redis() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError("redis-server 未安装：请运行 bash scripts/ensure_system_packages.sh redis-server，或设置 REDIS_URL")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="bench-redis-")
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis.from_url(url, socket_timeout=1).ping()
                break
            except redis.RedisError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def backing_stores() -> Iterator[Callable[[], dict[str, str]]]:
    """A function giving the stores of one run: the configured ones, or fresh private databases."""
    configured = _configured()
    if configured is not None:
        yield lambda: dict(configured)
        return
    from tests.submissions.postgres_cluster import PostgresCluster, ensure_installed

    postgres = PostgresCluster(ensure_installed())
    postgres.start()
    try:
        with _private_redis() as redis_url:
            yield lambda: {"REDIS_URL": redis_url, "TRACKER_STORE_URL": postgres.create_database(),
                           "DATABASE_URL": postgres.create_database()}
    finally:
        postgres.stop()


def measure_instances(counts: Sequence[int], measure_load: MeasureLoad, log: Callable[[str], None]) -> list[InstancesRun]:
    """Start each cluster in turn, run ``measure_load`` against its nginx address, stop it."""
    runs: list[InstancesRun] = []
    with backing_stores() as stores:
        for count in counts:
            env = {**stores(), "CLUSTER_RASA": str(count), "CLUSTER_ACTIONS": str(count), "WARM_STANDBY": "0"}
            with tempfile.TemporaryDirectory(prefix="bench-cluster-") as data_dir:
                log(f"starting {count} Rasa server(s) + {count} action server(s) behind nginx")
                with started_instance(Path(data_dir), env, several_instances=True) as started:
                    log(f"ready in {started.startup_seconds:.1f} s")
                    pids = {name: pid for name, pid in started.server_pids.items() if name != "web"}
                    runs.append(InstancesRun(count, started.startup_seconds, measure_load(started.rasa_url, pids)))
    return runs


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def instances_table(runs: Sequence[InstancesRun]) -> list[str]:
    """One row per instance count and load run: throughput, latency, and CPU per turn of all Rasa servers."""
    header = ["Rasa + action servers", "citizens", "think time", "turns", "errors", "turns/s", "p50 ms", "p95 ms",
              "p99 ms", "CPU ms/turn, all Rasa"]
    rows = []
    for run in runs:
        for s in run.summaries:
            low, high = s.think_seconds
            rasa_cpu = sum(u.cpu_seconds for name, u in s.servers.items() if name.startswith("rasa"))
            rows.append([f"{run.instances} + {run.instances}", str(s.citizens), "none" if high == 0 else f"{low:g}–{high:g} s",
                         str(s.turns), str(s.errors), f"{s.turns_per_second:.1f}", _ms(s.latency.p50_ms),
                         _ms(s.latency.p95_ms), _ms(s.latency.p99_ms), _ms(rasa_cpu * 1000 / s.turns if s.turns else None)])
    return ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|",
            *("| " + " | ".join(row) + " |" for row in rows)]
