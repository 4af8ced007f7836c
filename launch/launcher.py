"""Start the whole assistant: migrate the database, prepare the knowledge index and the model, then run the servers.

    python -m launch.launcher run       # prepare, then serve until Ctrl-C
    python -m launch.launcher cluster   # the same with several Rasa and action servers behind nginx (launch/cluster.py)
    python -m launch.launcher prepare   # only migrate the database, build the index and train the model if needed

The preparation runs in a child process that exits before the servers start (building the index
loads the embedding model: the launcher, which stays for the whole run, never holds it). Each
server runs in its own process group; its output is prefixed with its name. Ctrl-C (or
SIGTERM) stops every server. A server that dies is replaced (:mod:`launch.supervisor`) while the
others keep serving.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Collection, Mapping, TextIO

from core.settings import PROJECT_ROOT, Settings, load_settings
from launch.rasa_files import write_runtime_files
from launch.supervisor import Service, Supervisor
from launch.training import ensure_model

log = logging.getLogger("launcher")


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


class StartupError(RuntimeError):
    """Start-up cannot go on; the message says why and what to do."""


def prepare(settings: Settings) -> Path:
    """Migrate the database, build the knowledge index if stale and train the model if its inputs changed."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    prepare_database(settings)
    prepare_index(settings)
    return ensure_model(settings)


def prepare_in_child(env: Mapping[str, str] | None = None) -> Path:
    """:func:`prepare` in a child process (``python -m launch.launcher prepare``) that exits when
    done, so the model it may load for an index build leaves memory with it. Its log lines pass
    through; it prints the model's path last."""
    finished = subprocess.run([sys.executable, "-m", "launch.launcher", "prepare"], cwd=PROJECT_ROOT,
                              env=child_environment(env), stdout=subprocess.PIPE, text=True)
    lines = finished.stdout.strip().splitlines()
    if finished.returncode != 0 or not lines:
        raise StartupError("准备工作（数据库、知识库索引、对话模型）未完成，见上面的日志。")
    return Path(lines[-1])


def prepare_database(settings: Settings) -> None:
    """Bring ``DATABASE_URL`` to the newest schema revision before any server opens it, so a
    database this version cannot use stops start-up here (the servers would upgrade it too)."""
    from core.database import create_database_engine
    from submissions.schema import SchemaError, upgrade_schema

    engine = create_database_engine(settings.database_url, settings.sqlite_busy_timeout_seconds)
    try:
        log.info("database schema at revision %s", upgrade_schema(engine))
    except SchemaError as exc:
        raise StartupError(f"数据库无法使用：{exc}") from exc
    finally:
        engine.dispose()


def prepare_index(settings: Settings) -> None:
    from index import build_index, is_stale  # imported here: only preparation needs it

    if is_stale(settings):
        log.info("building the knowledge index from %s", settings.knowledge_dir)
        report = build_index(settings)
        log.info("knowledge index ready: %s", report)
    else:
        log.info("knowledge index is up to date")


ACTION_SERVER_COMMAND = [sys.executable, "-m", "bot.action_server"]  # rasa-sdk's server behind the shared secret


def rasa_command(settings: Settings, model: Path, runtime_files: tuple[Path, Path], interface: str, port: int) -> list[str]:
    """Rasa's own command line, with the changes of bot/rasa_server.py installed first."""
    endpoints_file, credentials_file = runtime_files
    return [
        sys.executable, "-m", "bot.rasa_server", "run", "--model", str(model),
        "--endpoints", str(endpoints_file), "--credentials", str(credentials_file),
        "--interface", interface, "--port", str(port),
        "--cors", *settings.cors_origin_list,
    ]


def web_services(settings: Settings) -> list[Service]:
    if (PROJECT_ROOT / "web" / "__main__.py").is_file():
        return [Service("web", [sys.executable, "-m", "web"], f"http://127.0.0.1:{settings.web_port}/livez")]
    return []


def services(settings: Settings, model: Path) -> list[Service]:
    runtime_files = write_runtime_files(settings)
    return [
        Service("actions", ACTION_SERVER_COMMAND, f"{settings.action_server_url}/health"),
        Service("rasa", rasa_command(settings, model, runtime_files, settings.bind_host, settings.rasa_port),
                f"http://127.0.0.1:{settings.rasa_port}/"),
        *web_services(settings),
    ]


def server_environment(settings: Settings, env: Mapping[str, str]) -> dict[str, str]:
    """Every server's environment: :func:`child_environment` and the lock lifetime Rasa reads."""
    return {**child_environment(env), "TICKET_LOCK_LIFETIME": str(settings.lock_lifetime_seconds)}


def supervisor_for(settings: Settings, model: Path, env: Mapping[str, str], sink: TextIO, colour: bool = False,
                   only: Collection[str] | None = None) -> Supervisor:
    """The supervisor of every server of ``settings`` (not started yet); with ``only``, of the
    servers of those names alone (a test instance that borrows another instance's servers)."""
    chosen = [service for service in services(settings, model) if only is None or service.name in only]
    return Supervisor(chosen, server_environment(settings, env), PROJECT_ROOT, sink, colour,
                      warm_standby=settings.warm_standby)


def run(settings: Settings, several_instances: bool = False) -> int:
    """Serve until Ctrl-C; ``several_instances``: the servers of :mod:`launch.cluster` behind nginx."""
    from launch import cluster  # it builds on this module

    build_supervisor = cluster.supervisor_for if several_instances else supervisor_for
    startup_timeout = cluster.startup_timeout_seconds(settings) if several_instances else settings.startup_timeout_seconds
    try:
        if several_instances:
            cluster.check(settings)  # before the long preparation
        model = prepare_in_child()
        servers = build_supervisor(settings, model, os.environ, sys.stdout, colour=sys.stdout.isatty())
    except StartupError as exc:
        log.error("%s", exc)
        return 1
    stopping = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("stopping (signal %s)", signum)
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    servers.start()
    try:
        if not servers.wait_until_ready(startup_timeout):
            log.error("the assistant did not start; see the messages above")
            return 1
        servers.supervise()
        log.info("助手已启动 / assistant ready: REST %s/webhooks/rest/webhook", settings.rasa_url)
        log.info("演示页 / demo page: http://127.0.0.1:%s/ (health: /healthz)", settings.web_port)
        log.info("按 Ctrl-C 停止 / press Ctrl-C to stop")
        while not stopping.wait(1.0):  # a timeout, so the signal handler runs promptly
            pass
        return 0
    finally:
        servers.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m launch.launcher", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["run", "cluster", "prepare"])
    args = parser.parse_args(argv)
    settings = load_settings()
    logging.basicConfig(level=settings.log_level, format="[launcher] %(message)s")
    if args.command == "prepare":
        try:
            print(prepare(settings))
        except StartupError as exc:
            log.error("%s", exc)
            return 1
        return 0
    return run(settings, several_instances=args.command == "cluster")


if __name__ == "__main__":
    # Run as launch.launcher, not __main__: launch.cluster raises launch.launcher.StartupError.
    from launch.launcher import main as launcher_main

    sys.exit(launcher_main())
