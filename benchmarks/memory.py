"""``python -m benchmarks.memory``: resident memory of every process of the running assistant.

Starts the assistant exactly as ``make run`` does (``python -m launch.launcher run``, in a fresh data
directory on free ports, without spares unless ``--standby``), uses every part that needs the
embedding model — a citizen's question, the staff console's try-a-question search, the
unanswered-questions and recurring-problems groupings — and prints each process's resident memory
(RSS, MiB): the launcher itself and each server with its children. ``--rebuild`` starts from an
empty index directory, so the preparation builds the index with the model (the case in which the
launcher used to keep it). Prints figures only; nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psutil

from benchmarks.servers import MIB, listening_pid, tree_rss_bytes
from core.settings import PROJECT_ROOT, load_settings
from launch.supervisor import stop_launcher
from tests.support.instance import REST_WEBHOOK_PATH, free_port

START_DEADLINE_SECONDS = 900  # the servers' start-up, and again for the preparation
TOKEN = "memory-bench-token-3f9a1c7e5b2d8046"
QUESTIONS = ("信访事项的办理期限是多久？", "对处理意见不服可以申请复查吗？", "人民建议可以通过哪些渠道提出？")


def _call(url: str, payload: Any = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, method="GET" if payload is None else "POST",
                                     data=None if payload is None else json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            return response.status, response.read().decode("utf-8", "replace")[:200]
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")[:200]


def exercise(rasa_url: str, web_url: str) -> list[str]:
    """Use every part that needs the model once; returns what each call answered (status)."""
    staff = {"Authorization": f"Bearer {TOKEN}"}
    done = []
    for question in QUESTIONS:
        status, _ = _call(rasa_url + REST_WEBHOOK_PATH, {"sender": "memory-bench", "message": question})
        done.append(f"REST question {status}")
        status, _ = _call(web_url + "/api/search", {"query": question}, staff)
        done.append(f"staff search {status}")
    for path in ("/api/unanswered/groups", "/api/problems/groups"):
        status, _ = _call(web_url + path, headers=staff)
        done.append(f"{path} {status}")
    return done


def measure(rebuild: bool, standby: bool) -> dict[str, Any]:
    shared = load_settings()
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as temporary:
        root = Path(temporary)
        index_dir = root / "index"
        if not rebuild and (shared.index_dir / "CURRENT").is_file():
            shutil.copytree(shared.index_dir, index_dir, ignore=shutil.ignore_patterns("build.lock", ".*"))
        ports = {"RASA_PORT": free_port(), "ACTION_PORT": free_port(), "WEB_PORT": free_port()}
        env = {**os.environ, "DATA_DIR": str(root / "data"), "INDEX_DIR": str(index_dir),
               "MODEL_DIR": str(shared.model_dir), "STAFF_TOKENS": f"bench:{TOKEN}",
               "WARM_STANDBY": "1" if standby else "0", **{k: str(v) for k, v in ports.items()},
               "PYTHONPATH": str(PROJECT_ROOT), "STARTUP_TIMEOUT_SECONDS": str(START_DEADLINE_SECONDS)}
        log_path = root / "launcher.log"
        began = time.perf_counter()
        with open(log_path, "w", encoding="utf-8") as log_stream:
            launcher = subprocess.Popen([sys.executable, "-m", "launch.launcher", "run"], cwd=PROJECT_ROOT, env=env,
                                        stdout=log_stream, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 2 * START_DEADLINE_SECONDS
            while "assistant ready" not in log_path.read_text(encoding="utf-8", errors="replace"):
                if launcher.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the assistant did not start:\n" + log_path.read_text(encoding="utf-8")[-4000:])
                time.sleep(1)
            ready = time.perf_counter() - began
            calls = exercise(f"http://127.0.0.1:{ports['RASA_PORT']}", f"http://127.0.0.1:{ports['WEB_PORT']}")
            time.sleep(2)  # let background work (answer-cache warm-up) settle
            pids = {name: listening_pid(port) for name, port in
                    (("rasa", ports["RASA_PORT"]), ("actions", ports["ACTION_PORT"]), ("web", ports["WEB_PORT"]))}
            resident = {"launcher": psutil.Process(launcher.pid).memory_info().rss / MIB}
            resident.update({name: tree_rss_bytes(pid) / MIB if pid else float("nan") for name, pid in pids.items()})
            if standby:  # the spares are the launcher's other children
                listening = {pid for pid in pids.values() if pid}
                spares = [child for child in psutil.Process(launcher.pid).children() if child.pid not in listening]
                resident["spares"] = sum(tree_rss_bytes(child.pid) for child in spares) / MIB
            return {"rebuild": rebuild, "standby": standby, "ready_seconds": round(ready, 1), "calls": calls,
                    "resident_mib": {name: round(value, 0) for name, value in resident.items()},
                    "total_mib": round(sum(resident.values()), 0)}
        finally:
            stop_launcher(launcher)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="start from an empty index (the preparation builds it)")
    parser.add_argument("--standby", action="store_true", help="with warm spares (WARM_STANDBY=1)")
    args = parser.parse_args(argv)
    figures = measure(args.rebuild, args.standby)
    print(" · ".join(figures["calls"]))
    print("| process | resident MiB |\n|---|---|")
    for name, value in figures["resident_mib"].items():
        print(f"| {name} | {value:.0f} |")
    print(f"| **whole assistant** | **{figures['total_mib']:.0f}** |")
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
