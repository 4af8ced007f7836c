"""One process holds the embedding model: the action server.

The assistant is started the way ``make run`` starts it (``python -m launch.launcher run``), on a
small knowledge base whose index does not exist yet, so the preparation has to build it with the
model. Then the staff console's try-a-question search, the unanswered-questions grouping and the
recurring-problems grouping are used through the web service, and every process's memory map is
read: torch is mapped into the action server only — not into the web service, not into the
launcher. The staff preview shows the very reply a citizen gets through Rasa's REST channel.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

from benchmarks.servers import listening_pid
from core.settings import PROJECT_ROOT, Settings, load_settings
from index.model_client import ENCODE_PATH
from launch.launcher import child_environment
from launch.supervisor import stop_launcher
from tests.insights.test_unanswered_api import DOGS, seed
from tests.staff.support import SAMPLE_DOCUMENTS, TOKEN, staff_env
from tests.support.instance import REST_WEBHOOK_PATH, free_port, reply_text

pytestmark = pytest.mark.server

START_DEADLINE_SECONDS = 900  # only stops a hung start from hanging the suite (a loaded machine is slow)
QUESTION = "信访事项的办理期限是多久？"


def torch_mapped(pid: int) -> bool:
    """Whether the process has torch's native library mapped (it imported torch)."""
    maps = Path(f"/proc/{pid}/maps").read_text(encoding="utf-8", errors="replace")
    return "libtorch" in maps


class Launched:
    def __init__(self, process: subprocess.Popen, settings: Settings, log_path: Path):
        self.process, self.settings, self.log_path = process, settings, log_path

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.web_port}"

    def call(self, method: str, path: str, payload: Any = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.web_url + path, method=method, data=None if payload is None else json.dumps(payload).encode(),
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def pid(self, port: int) -> int:
        found = listening_pid(port)
        assert found is not None, f"nothing listens on {port}"
        return found


@pytest.fixture(scope="module")
def launched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launched]:
    root = tmp_path_factory.mktemp("model-holder")
    (root / "knowledge").mkdir()
    for doc_id in SAMPLE_DOCUMENTS:
        shutil.copy(PROJECT_ROOT / "knowledge" / f"{doc_id}.md", root / "knowledge" / f"{doc_id}.md")
    env = {**os.environ, **staff_env(root), "MODEL_DIR": str(load_settings().model_dir),
           "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()), "WEB_PORT": str(free_port()),
           "WARM_STANDBY": "0", "LOG_LEVEL": "INFO", "STARTUP_TIMEOUT_SECONDS": str(START_DEADLINE_SECONDS)}
    settings = load_settings(env)
    assert not (settings.index_dir / "CURRENT").exists()  # the preparation must build the index
    log_path = root / "launcher.log"
    with open(log_path, "w", encoding="utf-8") as log_stream:
        process = subprocess.Popen([sys.executable, "-m", "launch.launcher", "run"], cwd=PROJECT_ROOT,
                                   env=child_environment(env), stdout=log_stream, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    running = Launched(process, settings, log_path)
    try:
        deadline = time.monotonic() + 2 * START_DEADLINE_SECONDS  # preparation (index build) + start
        while "assistant ready" not in log_path.read_text(encoding="utf-8", errors="replace"):
            assert process.poll() is None, log_path.read_text(encoding="utf-8")[-6000:]
            assert time.monotonic() < deadline, log_path.read_text(encoding="utf-8")[-6000:]
            time.sleep(1)
        yield running
    finally:
        stop_launcher(process)


def test_only_the_action_server_holds_the_model(launched: Launched) -> None:
    settings = launched.settings
    assert (settings.index_dir / "CURRENT").is_file()  # built during the preparation

    status, preview = launched.call("POST", "/api/search", {"query": QUESTION})
    assert status == 200, preview
    assert preview["confident"] and preview["answer"]["doc_id"] == "xfgzl-deadline"

    seed(settings)  # unanswered questions, grouped by meaning with the model's vectors
    status, queue = launched.call("GET", "/api/unanswered/groups")
    assert status == 200, queue
    assert max(group["count"] for group in queue["groups"]) == len(DOGS)
    status, problems = launched.call("GET", "/api/problems/groups")
    assert status == 200, problems

    web_pid, actions_pid = launched.pid(settings.web_port), launched.pid(settings.action_port)
    assert not torch_mapped(web_pid), "the web service loaded torch"
    assert not torch_mapped(launched.process.pid), "the launcher kept torch"
    assert torch_mapped(actions_pid)  # the one model holder


def test_the_preview_shows_the_reply_citizens_get(launched: Launched) -> None:
    status, preview = launched.call("POST", "/api/search", {"query": QUESTION})
    assert status == 200 and preview["answer"] is not None, preview
    body = json.dumps({"sender": "model-holder-test", "message": QUESTION}).encode()
    request = urllib.request.Request(launched.settings.rasa_url + REST_WEBHOOK_PATH, data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        messages = json.loads(response.read())
    assert preview["answer"]["reply"] == messages[0]["text"]
    assert preview["answer"]["reply"] in reply_text(messages)


def test_the_model_routes_refuse_callers_without_the_secret(launched: Launched) -> None:
    request = urllib.request.Request(launched.settings.action_server_url + ENCODE_PATH, method="POST",
                                     data=json.dumps({"texts": ["信访"]}).encode(),
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 401
