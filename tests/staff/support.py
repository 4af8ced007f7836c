"""Helpers shared by the staff tests (fixtures are in conftest.py)."""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support import shared_env

# A few real documents: enough to rank against, quick to embed.
SAMPLE_DOCUMENTS = ("xfgzl-review", "xfgzl-deadline", "xfgzl-channels", "rmjy-what-is", "hotline-12345")
TOKEN = shared_env.STAFF_TOKENS["tester"]
OTHER_TOKEN = shared_env.STAFF_TOKENS["reviewer"]
PUBLISH_DEADLINE_SECONDS = 300  # only stops a hung build from hanging the suite; not a speed check


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def staff_env(root: Path) -> dict[str, str]:
    return {
        "DATA_DIR": str(root / "data"),
        "KNOWLEDGE_DIR": str(root / "knowledge"),
        "INDEX_DIR": str(root / "data" / "index"),
        "STAFF_TOKENS": shared_env.ENV["STAFF_TOKENS"],
    }


@dataclass
class Published:
    status: dict[str, Any]
    at: float  # time.monotonic() when the API first reported the change live


async def wait_published(client, ticket: int) -> Published:
    """Poll ``GET /api/index`` until the change with ``ticket`` is live; fail if the build fails."""
    deadline = time.monotonic() + PUBLISH_DEADLINE_SECONDS
    while True:
        response = await client.get("/api/index", headers=auth())
        assert response.status == 200
        status = await response.json()
        if status["completed"] >= ticket:
            return Published(status, time.monotonic())
        assert status["state"] != "failed" or status["requested"] > ticket, status["last_error"]
        assert time.monotonic() < deadline, f"publishing did not finish: {status}"
        await asyncio.sleep(0.2)


def document_text(title: str, body: str, questions: list[str] | None = None, **extra: str) -> str:
    """A valid knowledge document."""
    questions = questions or [f"{title}是什么？", f"{title}怎么办理？", f"{title}在哪里办？"]
    lines = ["---", f"title: {title}", "source: 测试专用文件", "issuer: 测试机关", "date: 2024-03-01",
             "region: 上海市", "tags: [测试专用]", "questions:", *[f"  - {q}" for q in questions]]
    lines += [f"{key}: {value}" for key, value in extra.items()]
    return "\n".join([*lines, "---", "", body, ""])


def web_app(cfg):
    """The web application with the model holder in this process: the action server's own
    :class:`index.live.LiveKnowledge`, called directly instead of over local HTTP (the real
    processes are covered by tests/staff/test_model_holder.py)."""
    from index.live import LiveKnowledge
    from web.app import create_app

    return create_app(cfg, knowledge=LiveKnowledge(cfg))
