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

from core import launcher
from core.settings import PROJECT_ROOT, Settings, load_settings
from core.supervisor import Supervisor


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


def instance_environment(data_dir: Path, extra_env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment with a data directory and free ports of the instance's own."""
    shared = load_settings()  # the model and index that ``make run`` would use, wherever they are
    return {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "MODEL_DIR": str(shared.model_dir),
        "INDEX_DIR": str(shared.index_dir),
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
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
                     only: Collection[str] | None = None) -> Iterator[Instance]:
    """Prepare (index, model), start every server (with ``only``, the servers of those names)
    and wait until all answer (and, with ``WARM_STANDBY``, until every spare has loaded, so
    nothing is still loading when the caller starts measuring); stop them on exit."""
    env = instance_environment(data_dir, extra_env)
    settings = load_settings(env)
    began = time.perf_counter()
    model = launcher.prepare(settings)
    prepared = time.perf_counter()
    log_path = data_dir / "servers.log"
    with open(log_path, "w", encoding="utf-8") as log_stream:
        servers = launcher.supervisor_for(settings, model, env, log_stream, only=only)
        try:
            servers.start()
            if not servers.wait_until_ready(launcher.STARTUP_TIMEOUT_SECONDS):
                raise RuntimeError("the assistant did not start:\n" + log_path.read_text(encoding="utf-8")[-6000:])
            ready = time.perf_counter()
            servers.supervise()
            if not servers.wait_for_spares(launcher.STARTUP_TIMEOUT_SECONDS):
                raise RuntimeError("the standby servers did not load:\n" + log_path.read_text(encoding="utf-8")[-6000:])
            yield Instance(settings, env, servers.pids(), prepared - began, ready - prepared, log_path, servers)
        finally:
            servers.stop()
