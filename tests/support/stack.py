"""The real assistant for tests: Rasa server, action server (and web service), on free ports.

Servers run exactly as ``make run`` starts them (same launcher code), with their data (tracker,
submissions database, runtime files) in a temporary directory. The trained model and the
knowledge index are shared with ``make run`` through ``var/``: both are keyed by their inputs.
"""
from __future__ import annotations

import json
import os
import socket
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from core import launcher
from core.settings import PROJECT_ROOT, Settings, load_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shared_dir() -> Path:
    """The steering repository's shared/ folder (evaluation script and cases), beside the project."""
    candidates = [os.environ.get("SHARED_DIR", ""), str(PROJECT_ROOT.parent / "shared")]
    for candidate in filter(None, candidates):
        if (Path(candidate) / "eval" / "converse.py").is_file():
            return Path(candidate)
    raise FileNotFoundError("../shared/eval/converse.py not found beside the project; set SHARED_DIR")


@dataclass
class RunningAssistant:
    settings: Settings
    env: dict[str, str]
    log_path: Path

    @property
    def rasa_url(self) -> str:
        return self.settings.rasa_url

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.web_port}"

    def send(self, text: str, sender: str | None = None) -> list[dict[str, Any]]:
        """One turn through Rasa's REST channel; returns the bot's messages."""
        body = json.dumps({"sender": sender or new_sender(), "message": text}).encode()
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read().decode() or "[]")

    def logs(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def reply_text(messages: list[dict[str, Any]]) -> str:
    """All text and button titles of a reply, as converse.py reads it."""
    parts = []
    for message in messages:
        if message.get("text"):
            parts.append(message["text"])
        parts.extend(str(b.get("title", "")) for b in message.get("buttons") or [])
    return "\n".join(parts)


@contextmanager
def running_assistant(data_dir: Path, extra_env: Mapping[str, str] | None = None) -> Iterator[RunningAssistant]:
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "MODEL_DIR": os.environ.get("MODEL_DIR", str(PROJECT_ROOT / "var" / "models")),
        "INDEX_DIR": os.environ.get("INDEX_DIR", str(PROJECT_ROOT / "var" / "index")),
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "WEB_PORT": str(free_port()),
        "LOG_LEVEL": "INFO",
        **(extra_env or {}),
    }
    settings = load_settings(env)
    model = launcher.prepare(settings)
    services = launcher.services(settings, model)
    log_path = data_dir / "servers.log"
    child_env = launcher.child_environment(env)
    with open(log_path, "w", encoding="utf-8") as log_stream:
        try:
            for service in services:
                launcher.start(service, child_env, sink=log_stream)
            if not launcher.wait_until_ready(services):
                raise RuntimeError("assistant did not start:\n" + log_path.read_text(encoding="utf-8")[-6000:])
            yield RunningAssistant(settings, env, log_path)
        finally:
            launcher.stop(services)


class Conversation:
    """One citizen talking to the running assistant through the REST channel."""

    def __init__(self, assistant: RunningAssistant, sender: str | None = None):
        self.assistant = assistant
        self.sender = sender or new_sender()
        self.messages: list[dict[str, Any]] = []

    def say(self, text: str) -> str:
        """Send one message; return the reply's text and button titles (as converse.py reads them)."""
        self.messages = self.assistant.send(text, self.sender)
        return reply_text(self.messages)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [b for m in self.messages for b in m.get("buttons") or []]

    @property
    def custom_payloads(self) -> list[dict[str, Any]]:
        return [m["custom"] for m in self.messages if m.get("custom")]
