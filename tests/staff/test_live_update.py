"""End to end: knowledge published through the staff API reaches the running assistant.

On the suite's assistant (its knowledge base and index are copies: ``tests/conftest.py``): a
document added through the API is answered through Rasa's REST channel soon after the API
reports it published, without restarting anything; once retired, the answer goes away again. A
conversation in the middle of a form carries on across the swap. How long each took is recorded
(``record_property``), not asserted: a busy machine is no fault of the assistant.
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any, Iterator

import pytest

from tests.staff.support import TOKEN, document_text
from tests.support.stack import RunningAssistant, new_sender, reply_text

pytestmark = pytest.mark.server

PUBLISH_DEADLINE_SECONDS = 300  # only stops a hung build from hanging the suite
ANSWER_DEADLINE_SECONDS = 120  # only stops a test whose answer never changes from hanging the suite
DOC_ID = "test-songbai-council"
FACT_MARK = "第二个周三"
QUESTION = "松柏社区议事会什么时候召开？"
DOCUMENT = document_text(
    "测试专用：松柏社区议事会的召开时间",
    "## 议事会召开时间\n\n测试专用：松柏社区议事会每月第二个周三下午召开。会议地点在松柏社区活动中心二楼。",
    questions=[QUESTION, "松柏社区议事会每月几号开会？", "松柏社区议事会在哪里开会？"],
)


@pytest.fixture(scope="module")
def live(assistant: RunningAssistant) -> Iterator[RunningAssistant]:
    """The suite's assistant; whatever this module published is retired afterwards, so the
    tests after it find the knowledge base they expect."""
    yield assistant
    for doc_id in (DOC_ID, RECEPTION_DOC_ID):
        status, found = call(assistant, "GET", f"/api/documents/{doc_id}")
        if status != 200 or found["document"]["status"] == "retired":
            continue
        status, retired = call(assistant, "DELETE", f"/api/documents/{doc_id}",
                               headers={"If-Match": f'"{found["document"]["revision"]}"'})
        assert status == 200, retired
        wait_published(assistant, retired["publish"]["ticket"])


def call(running: RunningAssistant, method: str, path: str, payload: Any = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        running.web_url + path, method=method,
        data=None if payload is None else json.dumps(payload).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_published(running: RunningAssistant, ticket: int) -> tuple[float, dict]:
    """When (monotonic) the API first reports the change with ``ticket`` live."""
    deadline = time.monotonic() + PUBLISH_DEADLINE_SECONDS
    while True:
        status, body = call(running, "GET", "/api/index")
        assert status == 200
        if body["completed"] >= ticket:
            return time.monotonic(), body
        assert body["state"] != "failed", body["last_error"]
        assert time.monotonic() < deadline, body
        time.sleep(0.2)


def ask(running: RunningAssistant) -> str:
    return reply_text(running.send(QUESTION, new_sender()))


def seconds_until(running: RunningAssistant, since: float, answered: bool) -> float:
    """Ask until the fact is (or is no longer) in the reply; how long that took."""
    while True:
        text = ask(running)
        elapsed = time.monotonic() - since
        if (FACT_MARK in text) == answered:
            return elapsed
        assert elapsed <= ANSWER_DEADLINE_SECONDS, f"after {elapsed:.1f} s the assistant still says: {text}"
        time.sleep(0.3)


def test_published_knowledge_is_answered_and_retired_knowledge_is_not(live: RunningAssistant, record_property):
    servers = live.supervisor.pids()
    reloads = live.logs().count("knowledge index reloaded")
    assert FACT_MARK not in ask(live)
    # a citizen in the middle of a form when the new knowledge goes live
    citizen = new_sender()
    assert any(w in reply_text(live.send("我有个建议想提交", citizen)) for w in ("姓名", "称呼", "名字"))

    status, created = call(live, "PUT", f"/api/documents/{DOC_ID}", {"content": DOCUMENT},
                           headers={"If-None-Match": "*"})
    assert status == 201, created
    published_at, index = wait_published(live, created["publish"]["ticket"])
    delay = seconds_until(live, published_at, answered=True)
    record_property("publish_to_answer_seconds", round(delay, 2))
    print(f"\npublished version {index['version']}: answered {delay:.2f} s later")

    reply = reply_text(live.send(QUESTION, new_sender()))
    assert "每月第二个周三下午召开" in reply and "来源：" in reply
    # the form carried on: the next question is asked, nothing was reset
    assert any(w in reply_text(live.send("赵敏", citizen)) for w in ("手机", "电话", "联系方式"))
    # the staff preview agrees with the assistant
    status, preview = call(live, "POST", "/api/search", {"query": QUESTION})
    assert status == 200 and preview["answer"]["doc_id"] == DOC_ID and preview["version"] == index["version"]

    status, retired = call(live, "DELETE", f"/api/documents/{DOC_ID}",
                           headers={"If-Match": f'"{created["document"]["revision"]}"'})
    assert status == 200 and retired["document"]["status"] == "retired", retired
    retired_at, _ = wait_published(live, retired["publish"]["ticket"])
    gone = seconds_until(live, retired_at, answered=False)
    record_property("retire_to_gone_seconds", round(gone, 2))
    print(f"retired: answer gone {gone:.2f} s later")
    # the action server's poller swapped twice, and no server was restarted for it
    assert live.logs().count("knowledge index reloaded") - reloads >= 2
    assert live.supervisor.pids() == servers


RECEPTION_DOC_ID = "test-songbai-reception"
RECEPTION_QUESTION = "松柏社区信访接待日是哪天？"  # the classifier hears a deadline question (ask_deadline)
RECEPTION_FACT = "每周四上午"
RECEPTION_DOCUMENT = document_text(
    "测试专用：松柏社区信访接待日",
    "## 信访接待日\n\n测试专用：松柏社区的信访接待日是每周四上午，地点在松柏社区活动中心一楼。",
    questions=[RECEPTION_QUESTION, "松柏社区哪天接待来访群众？", "松柏社区信访接待在哪里？"],
)
CALCULATOR_PROMPTS = ("哪件事发生", "起算的日期")


def test_published_knowledge_answers_whatever_the_classifier_heard(live: RunningAssistant) -> None:
    """Arbitration: a question the classifier files as a deadline calculation, with no date and no
    request to calculate, is answered by the document staff publish, not by the calculator."""
    before = reply_text(live.send(RECEPTION_QUESTION, new_sender()))
    assert not any(prompt in before for prompt in CALCULATOR_PROMPTS), before
    status, created = call(live, "PUT", f"/api/documents/{RECEPTION_DOC_ID}", {"content": RECEPTION_DOCUMENT},
                           headers={"If-None-Match": "*"})
    assert status == 201, created
    published_at, _ = wait_published(live, created["publish"]["ticket"])
    while True:
        reply = reply_text(live.send(RECEPTION_QUESTION, new_sender()))
        if RECEPTION_FACT in reply:
            break
        assert time.monotonic() - published_at <= ANSWER_DEADLINE_SECONDS, reply
        time.sleep(0.3)
    assert "来源：" in reply and not any(prompt in reply for prompt in CALCULATOR_PROMPTS)
    # a clear request still starts the calculator
    assert any(prompt in reply_text(live.send("帮我算一下复查的截止日期", new_sender())) for prompt in CALCULATOR_PROMPTS)
