"""Keeps the assistant's servers running: one process per server, restarted when it dies.

A server that exits unexpectedly (a crash, ``kill -9``, an ``exit`` deep inside Rasa) is
replaced; the other servers keep running and citizens keep talking to them:

* with a warm standby (``WARM_STANDBY``, see :mod:`core.standby`) the loaded spare is promoted
  at once and serves within about a second, and a new spare starts loading;
* otherwise (or when no spare is ready) the server is started again after a back-off of 1, 2,
  4 … 30 s; a server that then stays up for a minute starts again from 1 s.

Every server's output goes to one sink, each line prefixed with its name (``[rasa]``;
``[rasa standby]`` for a spare until promoted); the supervisor's own lines start with
``[supervisor]``. Each process runs in its own process group, which is killed as a whole.
"""
from __future__ import annotations

import http.client
import os
import signal
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence, TextIO

from core import standby

POLL_SECONDS = 0.2
BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
STABLE_SECONDS = 60.0
_COLOURS = {"actions": "\033[36m", "rasa": "\033[35m", "web": "\033[32m", "supervisor": "\033[33m"}


@dataclass(frozen=True)
class Service:
    name: str
    command: list[str]
    health_url: str  # answers 200 once the server serves
    env: Mapping[str, str] = field(default_factory=dict)  # on top of the supervisor's environment
    has_standby: bool = True  # understands standby.FLAG (nginx does not: it restarts in a moment)


def backoff_seconds(failures: int) -> float:
    """Wait before the ``failures``-th restart in a row (0 for the first)."""
    return min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** failures)


def is_healthy(url: str) -> bool:
    """True only for an HTTP 200. Anything else -- refused, timed out, or not HTTP at all (a poll of
    a port nobody listens on yet can connect to itself and read back its own request) -- is "not yet"."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (OSError, http.client.HTTPException):
        return False


@dataclass
class _Process:
    popen: subprocess.Popen[bytes]
    label: str  # the prefix of its output lines
    loaded: threading.Event = field(default_factory=threading.Event)  # a spare printed READY_LINE

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None


@dataclass
class _Slot:
    """One server: the process serving, its spare, and its restart state."""

    service: Service
    active: _Process | None = None
    spare: _Process | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None
    spare_failures: int = 0
    spare_at: float = 0.0


class Supervisor:
    def __init__(self, services: Sequence[Service], env: Mapping[str, str], cwd: Path, sink: TextIO,
                 colour: bool = False, warm_standby: bool = False) -> None:
        self._slots = {s.name: _Slot(s) for s in services}
        self._env = dict(env)
        self._cwd = cwd
        self._sink = sink
        self._colour = colour
        self._warm_standby = warm_standby
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start every server (not yet supervised: see :meth:`supervise`)."""
        with self._lock:
            for slot in self._slots.values():
                self._start_active(slot)

    def wait_until_ready(self, timeout: float) -> bool:
        """True once every server answers its health check; False when one exits first or the
        time runs out (a server that cannot start at all is a configuration problem)."""
        deadline = time.monotonic() + timeout
        pending = list(self._slots.values())
        while pending and time.monotonic() < deadline:
            for slot in list(pending):
                process = slot.active
                if process is None or not process.alive:
                    code = process.popen.returncode if process else None
                    self.say(f"{slot.service.name} exited during start-up (code {code})")
                    return False
                if is_healthy(slot.service.health_url):
                    self.say(f"{slot.service.name} is ready")
                    pending.remove(slot)
            time.sleep(0.5)
        return not pending

    def supervise(self) -> None:
        """Start watching: replace servers that die, keep spares loaded (in a daemon thread)."""
        if self._watcher is None:
            self._watcher = threading.Thread(target=self._watch, name="supervisor", daemon=True)
            self._watcher.start()

    def wait_for_spares(self, timeout: float) -> bool:
        """True once every server has a loaded spare (always True without warm standby)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._warm_standby or all(s.spare and s.spare.loaded.is_set()
                                                 for s in self._slots.values() if s.service.has_standby):
                    return True
            time.sleep(POLL_SECONDS)
        return False

    def set_warm_standby(self, enabled: bool) -> None:
        """Keep loaded spares from now on, or stop the spares and keep none."""
        spares: list[_Process] = []
        with self._lock:
            self._warm_standby = enabled
            if not enabled:
                for slot in self._slots.values():
                    if slot.spare is not None:
                        spares.append(slot.spare)
                        slot.spare = None
        _end(spares, grace_seconds=5.0)

    def stop(self, grace_seconds: float = 15.0) -> None:
        """Stop watching, then every server and spare: SIGTERM, SIGKILL after ``grace_seconds``."""
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join()
        with self._lock:
            processes = [p for s in self._slots.values() for p in (s.active, s.spare) if p]
        _end(processes, grace_seconds)

    # -- state --------------------------------------------------------------------------------

    def pids(self) -> dict[str, int]:
        """Pid of each server's serving process (missing while it restarts)."""
        with self._lock:
            return {name: s.active.popen.pid for name, s in self._slots.items() if s.active and s.active.alive}

    def spare_pids(self) -> dict[str, int]:
        with self._lock:
            return {name: s.spare.popen.pid for name, s in self._slots.items() if s.spare and s.spare.alive}

    def say(self, message: str) -> None:
        self._write("supervisor", message)

    # -- internals ----------------------------------------------------------------------------

    def _watch(self) -> None:
        while not self._stopping.wait(POLL_SECONDS):
            with self._lock:
                if self._stopping.is_set():
                    return
                for slot in self._slots.values():
                    self._check(slot, time.monotonic())

    def _check(self, slot: _Slot, now: float) -> None:
        name = slot.service.name
        if slot.active is not None and not slot.active.alive:
            self.say(f"{name} stopped unexpectedly (exit code {slot.active.popen.returncode}); the other servers keep running")
            _signal_group(slot.active.popen, signal.SIGKILL)  # whatever it left behind
            slot.active = None
            if slot.spare is None:
                slot.restart_at = now + backoff_seconds(slot.failures)
                self.say(f"restarting {name} in {slot.restart_at - now:.0f} s")
                slot.failures += 1
        if slot.spare is not None and not slot.spare.alive:
            self.say(f"{name}'s standby exited (code {slot.spare.popen.returncode})")
            _signal_group(slot.spare.popen, signal.SIGKILL)
            slot.spare = None
            slot.spare_at = now + backoff_seconds(slot.spare_failures)
            slot.spare_failures += 1
        if slot.active is None:
            if slot.spare is not None:  # promoted as soon as it has loaded
                if slot.spare.loaded.is_set():
                    self._promote(slot, now)
            elif now >= (slot.restart_at if slot.restart_at is not None else now):  # no spare (any more)
                self._start_active(slot)
        elif slot.failures and now - slot.started_at > STABLE_SECONDS:
            slot.failures = 0
        if (self._warm_standby and slot.service.has_standby and slot.spare is None and slot.active is not None
                and now >= slot.spare_at):
            self._start_spare(slot)

    def _promote(self, slot: _Slot, now: float) -> None:
        spare = slot.spare
        assert spare is not None
        os.kill(spare.popen.pid, standby.PROMOTE_SIGNAL)
        spare.label = slot.service.name
        slot.active, slot.spare = spare, None
        slot.started_at, slot.restart_at = now, None
        slot.spare_failures = 0
        self.say(f"{slot.service.name}: standby (pid {spare.popen.pid}) promoted")

    def _start_active(self, slot: _Slot) -> None:
        slot.active = self._spawn(slot.service, slot.service.command, slot.service.name)
        slot.started_at, slot.restart_at = time.monotonic(), None
        if slot.failures:
            self.say(f"{slot.service.name} started again (pid {slot.active.popen.pid})")

    def _start_spare(self, slot: _Slot) -> None:
        slot.spare = self._spawn(slot.service, [*slot.service.command, standby.FLAG], f"{slot.service.name} standby")

    def _spawn(self, service: Service, command: list[str], label: str) -> _Process:
        popen = subprocess.Popen(
            command, cwd=self._cwd, env={**self._env, **service.env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: Ctrl-C reaches only the launcher
        )
        process = _Process(popen, label)
        threading.Thread(target=self._relay, args=(process,), name=f"relay-{label}", daemon=True).start()
        return process

    def _relay(self, process: _Process) -> None:
        assert process.popen.stdout is not None
        for raw in iter(process.popen.stdout.readline, b""):
            line = raw.decode("utf-8", "replace")
            if not process.loaded.is_set() and standby.READY_LINE in line:
                process.loaded.set()
            self._write(process.label, line)

    def _write(self, label: str, line: str) -> None:
        name = label.split()[0].split("-")[0]  # rasa-2 (make cluster) is coloured as rasa
        prefix = f"{_COLOURS.get(name, '')}[{label}]\033[0m " if self._colour else f"[{label}] "
        self._sink.write(prefix + line.rstrip("\n") + "\n")
        self._sink.flush()


def _end(processes: Sequence[_Process], grace_seconds: float) -> None:
    """SIGTERM to each process group, SIGKILL to those still running after ``grace_seconds``."""
    running = [p for p in processes if p.alive]
    for process in running:
        _signal_group(process.popen, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    for process in running:
        try:
            process.popen.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(process.popen, signal.SIGKILL)
            process.popen.wait()


def stop_launcher(launcher: subprocess.Popen[bytes], grace_seconds: float = 120.0) -> None:
    """Stop a launcher started in its own session (``python -m launch.launcher run``, as tests
    and benchmarks start it): SIGTERM to it alone, so it stops its servers in order; SIGKILL to its
    whole process group when it has not exited after ``grace_seconds``."""
    launcher.send_signal(signal.SIGTERM)
    try:
        launcher.wait(grace_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(launcher.pid, signal.SIGKILL)
        launcher.wait(30)


def stop_process_group(popen: subprocess.Popen[bytes], grace_seconds: float = 30.0) -> None:
    """SIGTERM to a process started in its own session and its children; SIGKILL to the group when
    it has not exited after ``grace_seconds``."""
    _end([_Process(popen, "")], grace_seconds)


def _signal_group(popen: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(popen.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass
