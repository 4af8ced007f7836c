"""The real assistant for tests: Rasa server, action server and web service, started as
``make run`` starts them, on free ports, with their data in a temporary directory
(``tests.support.instance``)."""
from __future__ import annotations

import json
import shutil
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Collection, Iterator, Mapping

from bot.connectors.rest import conversation_id
from core.action_auth import action_server_secret
from core.settings import load_settings
from tests.support.instance import REST_WEBHOOK_PATH, Instance, find_shared_dir, free_port, reply_text, started_instance

__all__ = ["Conversation", "RunningAssistant", "borrowed_actions_env", "free_port", "new_sender", "private_knowledge_env",
           "reply_text", "running_assistant", "shared_dir"]


def shared_dir() -> Path:
    """The steering repository's shared/ folder; the tests that use it need it."""
    found = find_shared_dir()
    if found is None:
        raise FileNotFoundError("../shared/eval/converse.py not found beside the project; set SHARED_DIR")
    return found


class RunningAssistant(Instance):
    """A started instance, with helpers to talk to it and read its logs."""

    def send(self, text: str, sender: str | None = None) -> list[dict[str, Any]]:
        """One turn through Rasa's REST channel; returns the bot's messages."""
        body = json.dumps({"sender": sender or new_sender(), "message": text}).encode()
        request = urllib.request.Request(
            self.rasa_url + REST_WEBHOOK_PATH, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read().decode() or "[]")

    def logs(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def borrowed_actions_env(assistant: Instance) -> dict[str, str]:
    """Settings for a stack that runs a Rasa server of its own but sends its actions to the
    action server of ``assistant`` (start it with ``only=("rasa",)``): the action server does
    not read the channel settings such a stack changes, and loading another one costs a minute
    on a busy machine."""
    return {"ACTION_PORT": str(assistant.settings.action_port),
            "ACTION_SERVER_SECRET": action_server_secret(assistant.settings)}


def private_knowledge_env(root: Path) -> dict[str, str]:
    """Settings for a stack whose staff may publish: a copy of the knowledge base and of the
    shared index under ``root`` (brought up to date first, as ``make run`` would, so the copy
    only re-embeds what staff change), never the project's own ``knowledge/``."""
    from launch.launcher import prepare_index

    shared = load_settings()
    prepare_index(shared)
    shutil.copytree(shared.knowledge_dir, root / "knowledge")
    shutil.copytree(shared.index_dir, root / "index", ignore=shutil.ignore_patterns("build.lock", ".*"))
    return {"KNOWLEDGE_DIR": str(root / "knowledge"), "INDEX_DIR": str(root / "index")}


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@contextmanager
def running_assistant(data_dir: Path, extra_env: Mapping[str, str] | None = None,
                      only: Collection[str] | None = None) -> Iterator[RunningAssistant]:
    """Without spares (``WARM_STANDBY=0``) unless ``extra_env`` asks for them: tests that do not
    kill servers need not load each server twice. With ``only`` (server names), just those
    servers start: a stack with settings of its own borrows the others from the suite's
    assistant (see :func:`borrowed_actions_env`)."""
    env = {"LOG_LEVEL": "INFO", "WARM_STANDBY": "0", **(extra_env or {})}
    with started_instance(data_dir, env, only=only) as instance:
        yield RunningAssistant(**vars(instance))


class Conversation:
    """One citizen talking to the running assistant through the REST channel."""

    def __init__(self, assistant: RunningAssistant, sender: str | None = None):
        self.assistant = assistant
        self.sender = sender or new_sender()
        self.messages: list[dict[str, Any]] = []

    @property
    def conversation_id(self) -> str:
        """The tracker's id of this conversation (the REST channel namespaces sender ids)."""
        return conversation_id(self.sender)

    def say(self, text: str) -> str:
        """Send one message; return the reply's text and button titles (as converse.py reads them)."""
        self.messages = self.assistant.send(text, self.sender)
        return reply_text(self.messages)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [b for m in self.messages for b in m.get("buttons") or []]

    @property
    def button_titles(self) -> list[str]:
        return [str(b.get("title", "")) for b in self.buttons]

    @property
    def custom_payloads(self) -> list[dict[str, Any]]:
        return [m["custom"] for m in self.messages if m.get("custom")]
