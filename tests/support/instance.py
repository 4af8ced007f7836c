"""A separate instance of the assistant, as the tests and the benchmark start it.

The servers run exactly as ``make run`` starts them (same launcher and supervisor), on free
ports, with their data (tracker store, submissions database, runtime files, logs) in a directory of their
own. The trained model and the knowledge index are shared with ``make run`` through ``var/``:
both are keyed by their inputs, so an instance never retrains what ``make run`` already has.
"""
from __future__ import annotations

import os
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Collection, Iterator, Mapping, Sequence

from core.settings import PROJECT_ROOT, Settings, load_settings
from launch import launcher
from launch.supervisor import Supervisor


REST_WEBHOOK_PATH = "/webhooks/rest/webhook"


def reply_text(messages: Sequence[dict[str, Any]]) -> str:
    """All texts and button titles of a REST reply, as ``../shared/eval/converse.py`` reads them."""
    parts: list[str] = []
    for message in messages:
        if message.get("text"):
            parts.append(str(message["text"]))
        parts.extend(str(b.get("title", "")) for b in message.get("buttons") or [])
    return "\n".join(parts)


def find_shared_dir() -> Path | None:
    """The steering repository's shared/ folder (evaluation script and cases): ``SHARED_DIR``,
    else ``../shared`` beside the project; None when neither has ``eval/converse.py``."""
    candidates = [os.environ.get("SHARED_DIR", ""), str(PROJECT_ROOT.parent / "shared")]
    for candidate in filter(None, candidates):
        if (Path(candidate) / "eval" / "converse.py").is_file():
            return Path(candidate)
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port_block(size: int) -> int:
    """The first of ``size`` consecutive ports that are free now (``make cluster`` puts instance
    *k* on port + *k*)."""
    for _ in range(200):
        first = free_port()
        if first + size < 65536 and all(_is_free(first + k) for k in range(1, size)):
            return first
    raise RuntimeError(f"no {size} consecutive free ports found")


def instance_environment(data_dir: Path, extra_env: Mapping[str, str] | None = None, port_block: int = 1) -> dict[str, str]:
    """This process's environment with a data directory and free ports of the instance's own
    (``port_block`` consecutive ones from RASA_PORT and from ACTION_PORT)."""
    shared = load_settings()  # the model and index that ``make run`` would use, wherever they are
    return {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "MODEL_DIR": str(shared.model_dir),
        "INDEX_DIR": str(shared.index_dir),
        "RASA_PORT": str(free_port_block(port_block)),
        "ACTION_PORT": str(free_port_block(port_block)),
        "WEB_PORT": str(free_port()),
        **(extra_env or {}),
    }


@dataclass(frozen=True)
class Instance:
    settings: Settings
    env: dict[str, str]
    server_pids: dict[str, int]  # service name -> pid of its process when the instance was ready
    prepare_seconds: float  # index and model check (and build/training when their inputs changed)
    startup_seconds: float  # from starting the servers until every one answers its health check
    log_path: Path  # every server's output, each line prefixed by the server's name
    supervisor: Supervisor  # restarts a server that dies; current pids

    @property
    def rasa_url(self) -> str:
        return self.settings.rasa_url

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.web_port}"


@contextmanager
def started_instance(data_dir: Path, extra_env: Mapping[str, str] | None = None,
                     *, several_instances: bool = False, only: Collection[str] | None = None) -> Iterator[Instance]:
    """Prepare (index, model), start every server (with ``only``, the servers of those names)
    and wait until all answer (and, with ``WARM_STANDBY``, until every spare has loaded, so
    nothing is still loading when the caller starts measuring); stop them on exit.
    ``several_instances``: as ``make cluster`` starts them (:mod:`launch.cluster`, nginx on
    RASA_PORT and ACTION_PORT)."""
    from launch import cluster

    sizes = load_settings({**os.environ, **(extra_env or {})})
    port_block = 1 + max(sizes.cluster_rasa, sizes.cluster_actions) if several_instances else 1
    env = instance_environment(data_dir, extra_env, port_block)
    settings = load_settings(env)
    if several_instances:
        cluster.check(settings)
    began = time.perf_counter()
    model = launcher.prepare_in_child(env)  # as `make run` does: the model (if loaded) leaves with the child
    prepared = time.perf_counter()
    log_path = data_dir / "servers.log"
    startup_timeout = (cluster.startup_timeout_seconds(settings) if several_instances
                       else settings.startup_timeout_seconds)
    with open(log_path, "w", encoding="utf-8") as log_stream:
        servers = (cluster.supervisor_for(settings, model, env, log_stream) if several_instances
                   else launcher.supervisor_for(settings, model, env, log_stream, only=only))
        try:
            servers.start()
            if not servers.wait_until_ready(startup_timeout):
                raise RuntimeError("the assistant did not start:\n" + log_path.read_text(encoding="utf-8")[-6000:])
            ready = time.perf_counter()
            servers.supervise()
            if not servers.wait_for_spares(startup_timeout):
                raise RuntimeError("the standby servers did not load:\n" + log_path.read_text(encoding="utf-8")[-6000:])
            yield Instance(settings, env, servers.pids(), prepared - began, ready - prepared, log_path, servers)
        finally:
            servers.stop()
