"""Start the whole assistant: prepare the knowledge index and the model, then run the servers.

    python -m core.launcher run       # prepare, then serve until Ctrl-C
    python -m core.launcher prepare   # only build the index and train the model if needed

Each server runs in its own process group; its output is prefixed with its name. Ctrl-C (or
SIGTERM) stops every server; if one server dies, the others are stopped too.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, TextIO

from core.rasa_files import write_runtime_files
from core.settings import PROJECT_ROOT, Settings, load_settings
from core.training import ensure_model

log = logging.getLogger("launcher")
STARTUP_TIMEOUT_SECONDS = 300
_COLOURS = {"actions": "\033[36m", "rasa": "\033[35m", "web": "\033[32m"}


@dataclass
class Service:
    name: str
    command: list[str]
    health_url: str
    process: subprocess.Popen[bytes] | None = None


def child_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a server process: ``base`` (default: ours) plus offline and logging flags."""
    env = dict(os.environ if base is None else base)
    env.update({
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH", "")])),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TF_CPP_MIN_LOG_LEVEL": env.get("TF_CPP_MIN_LOG_LEVEL", "2"),
        "PYTHONUNBUFFERED": "1",
        "TOKENIZERS_PARALLELISM": "false",
    })
    return env


def prepare(settings: Settings) -> Path:
    """Build the knowledge index if stale and train the model if its inputs changed."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    prepare_index(settings)
    return ensure_model(settings)


def prepare_index(settings: Settings) -> None:
    from index import build_index, is_stale  # imported here: only preparation needs it

    if is_stale(settings):
        log.info("building the knowledge index from %s", settings.knowledge_dir)
        report = build_index(settings)
        log.info("knowledge index ready: %s", report)
    else:
        log.info("knowledge index is up to date")


def services(settings: Settings, model: Path) -> list[Service]:
    endpoints_file, credentials_file = write_runtime_files(settings)
    found = [
        Service(
            "actions",
            [sys.executable, "-m", "bot.action_server"],  # rasa-sdk's server behind the shared secret
            f"{settings.action_server_url}/health",
        ),
        Service(
            "rasa",
            [
                # Rasa's own command line, with the fix of bot/action_results.py installed first.
                sys.executable, "-m", "bot.rasa_server", "run", "--model", str(model),
                "--endpoints", str(endpoints_file), "--credentials", str(credentials_file),
                "--interface", settings.bind_host, "--port", str(settings.rasa_port),
                "--cors", settings.cors_origins,
            ],
            f"http://127.0.0.1:{settings.rasa_port}/",
        ),
    ]
    if (PROJECT_ROOT / "web" / "__main__.py").is_file():
        found.append(Service("web", [sys.executable, "-m", "web"], f"http://127.0.0.1:{settings.web_port}/healthz"))
    return found


def _relay_output(service: Service, sink: TextIO, colour: bool) -> None:
    assert service.process and service.process.stdout
    prefix = f"{_COLOURS.get(service.name, '')}[{service.name}]\033[0m " if colour else f"[{service.name}] "
    for raw in iter(service.process.stdout.readline, b""):
        sink.write(prefix + raw.decode("utf-8", "replace"))
        sink.flush()


def _is_healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def start(service: Service, env: dict[str, str], sink: TextIO = sys.stdout, colour: bool = False) -> None:
    """Start ``service``; its output goes to ``sink``, each line prefixed with its name."""
    service.process = subprocess.Popen(
        service.command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: Ctrl-C reaches only the launcher
    )
    threading.Thread(target=_relay_output, args=(service, sink, colour), daemon=True).start()


def stop(all_services: list[Service], grace_seconds: float = 15.0) -> None:
    running = [s for s in all_services if s.process and s.process.poll() is None]
    for service in running:
        os.killpg(service.process.pid, signal.SIGTERM)  # type: ignore[union-attr]
    deadline = time.monotonic() + grace_seconds
    for service in running:
        try:
            service.process.wait(max(0.1, deadline - time.monotonic()))  # type: ignore[union-attr]
        except subprocess.TimeoutExpired:
            os.killpg(service.process.pid, signal.SIGKILL)  # type: ignore[union-attr]
            service.process.wait()  # type: ignore[union-attr]


def wait_until_ready(all_services: list[Service], timeout: float = STARTUP_TIMEOUT_SECONDS) -> bool:
    deadline = time.monotonic() + timeout
    pending = list(all_services)
    while pending and time.monotonic() < deadline:
        for service in list(pending):
            if service.process and service.process.poll() is not None:
                log.error("%s exited during start-up (code %s)", service.name, service.process.returncode)
                return False
            if _is_healthy(service.health_url):
                log.info("%s is ready", service.name)
                pending.remove(service)
        time.sleep(0.5)
    return not pending


def run(settings: Settings) -> int:
    model = prepare(settings)
    all_services = services(settings, model)
    env = child_environment()
    colour = sys.stdout.isatty()
    stopping = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("stopping (signal %s)", signum)
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    for service in all_services:
        start(service, env, colour=colour)
    try:
        if not wait_until_ready(all_services):
            log.error("the assistant did not start; see the messages above")
            return 1
        log.info("助手已启动 / assistant ready: REST %s/webhooks/rest/webhook", settings.rasa_url)
        if any(s.name == "web" for s in all_services):
            log.info("演示页 / demo page: http://127.0.0.1:%s/", settings.web_port)
        log.info("按 Ctrl-C 停止 / press Ctrl-C to stop")
        while not stopping.is_set():
            for service in all_services:
                if service.process and service.process.poll() is not None:
                    log.error("%s stopped unexpectedly (code %s); stopping the others",
                              service.name, service.process.returncode)
                    return 1
            stopping.wait(1.0)
        return 0
    finally:
        stop(all_services)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.launcher", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["run", "prepare"])
    args = parser.parse_args(argv)
    settings = load_settings()
    logging.basicConfig(level=settings.log_level, format="[launcher] %(message)s")
    if args.command == "prepare":
        print(prepare(settings))
        return 0
    return run(settings)


if __name__ == "__main__":
    sys.exit(main())
