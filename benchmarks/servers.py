"""The servers' processes: found by pid or by listening port; memory and CPU sampled during a run."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from types import TracebackType

import psutil

MIB = 2**20


def listening_pid(port: int) -> int | None:
    """The process listening on TCP ``port`` on this machine, if it can be seen (same user)."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:
        return None
    for connection in connections:
        if connection.status == psutil.CONN_LISTEN and connection.laddr and connection.laddr.port == port:
            return connection.pid
    return None


def process_tree(pid: int) -> list[psutil.Process]:
    """The process and its descendants (gone processes are left out)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def tree_rss_bytes(pid: int) -> int:
    total = 0
    for process in process_tree(pid):
        try:
            total += process.memory_info().rss
        except psutil.Error:
            pass
    return total


def tree_cpu_seconds(pid: int) -> float:
    total = 0.0
    for process in process_tree(pid):
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


@dataclass(frozen=True)
class ServerUsage:
    peak_rss_mib: float
    cpu_seconds: float


class ResourceSampler:
    """Samples each server's process-tree RSS every ``interval`` seconds while in the ``with`` block."""

    def __init__(self, server_pids: dict[str, int], interval: float = 0.2):
        self.server_pids = dict(server_pids)
        self.interval = interval
        self._peak_bytes = {name: 0 for name in server_pids}
        self._cpu_at_start: dict[str, float] = {}
        self._cpu_seconds: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_stopped, name="rss-sampler", daemon=True)

    def _sample_once(self) -> None:
        for name, pid in self.server_pids.items():
            self._peak_bytes[name] = max(self._peak_bytes[name], tree_rss_bytes(pid))

    def _sample_until_stopped(self) -> None:
        while not self._stop.is_set():
            self._sample_once()
            self._stop.wait(self.interval)

    def __enter__(self) -> "ResourceSampler":
        self._cpu_at_start = {name: tree_cpu_seconds(pid) for name, pid in self.server_pids.items()}
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        self._sample_once()
        self._cpu_seconds = {name: tree_cpu_seconds(pid) - self._cpu_at_start[name]
                             for name, pid in self.server_pids.items()}

    def usage(self) -> dict[str, ServerUsage]:
        return {name: ServerUsage(self._peak_bytes[name] / MIB, self._cpu_seconds.get(name, 0.0))
                for name in self.server_pids}
