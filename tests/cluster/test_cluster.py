"""Several instances behind nginx, as ``make cluster`` starts them: 2 Rasa servers and 2 action
servers with a real Redis (Rasa's lock store), a real PostgreSQL (tracker store and submissions)
and a real nginx in front.

50 citizens file a suggestion at the same time through nginx's REST address while one Rasa server
is killed (SIGKILL) in the middle. A client whose request broke sends the same message again
with the same ``message_id``. Afterwards: every citizen holds exactly one tracking number, of one
stored submission; every conversation in the tracker store holds each of the citizen's messages
exactly once, in order; the surviving server answered the killed one's citizens.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import aiohttp
import pytest
from sqlalchemy import create_engine, text

from benchmarks.citizens import DISTRICTS, NAMES, SUGGESTIONS, mobile_for
from bot.connectors.rest import UNAVAILABLE, conversation_id
from core.settings import PROJECT_ROOT, load_settings
from launch import launcher
from launch.cluster import INSTANCE_HEADER, Layout
from launch.supervisor import is_healthy
from submissions.tracking import find_tracking_number
from tests.submissions.postgres_cluster import PostgresCluster
from tests.support.instance import REST_WEBHOOK_PATH, Instance, reply_text, started_instance

CITIZENS = 50
KILLED = "rasa-1"
SURVIVOR = "rasa-2"
KILL_AFTER_ANSWERS = 120  # of 9 turns x 50 citizens: well inside the load
REQUESTS_WHILE_FROZEN = 20  # sent between freezing the killed server and killing it
LOCK_LIFETIME_SECONDS = 15  # a conversation whose turn died with its server waits at most this
RETRIED_STATUSES = {502, 503, 504}
REQUEST_TIMEOUT_SECONDS = 120.0  # guards against a hang only
CITIZEN_DEADLINE_SECONDS = 900.0


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, redis_url: str, postgres: PostgresCluster,
            nginx: str) -> Iterator[Instance]:
    env = {
        "CLUSTER_RASA": "2",
        "CLUSTER_ACTIONS": "2",
        "REDIS_URL": redis_url,
        "TRACKER_STORE_URL": postgres.create_database(),
        "DATABASE_URL": postgres.create_database(),
        "LOCK_LIFETIME_SECONDS": str(LOCK_LIFETIME_SECONDS),
        "WARM_STANDBY": "0",  # a killed server is started again; no spares (memory, CPU)
        "LOG_LEVEL": "INFO",
    }
    with started_instance(tmp_path_factory.mktemp("cluster"), env, several_instances=True) as running:
        yield running


def form_turns(number: int) -> list[str]:
    """A suggestion filed from start to confirmation, with a mobile number no other citizen uses."""
    title, content = SUGGESTIONS[number % len(SUGGESTIONS)]
    return ["我想提个建议", "同意", NAMES[number % len(NAMES)], mobile_for(number, run_tag=3),
            DISTRICTS[number % len(DISTRICTS)], "跳过", title, content, "确认"]


def post_turn(instance: Instance, body: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(instance.rasa_url + REST_WEBHOOK_PATH, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
            return response.status, json.loads(response.read().decode() or "[]")
    except urllib.error.HTTPError as problem:
        return problem.code, json.loads(problem.read().decode() or "null")


def query(url: str, sql: str, **parameters: Any) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql), parameters))
    finally:
        engine.dispose()


def stored_message_ids(instance: Instance, sender: str) -> list[str]:
    """The ``message_id`` of every user message of ``sender``'s conversation, in stored order."""
    rows = query(instance.settings.tracker_store_url,
                 "SELECT data FROM events WHERE sender_id = :sender AND type_name = 'user' ORDER BY id",
                 sender=conversation_id(sender))
    return [json.loads(row[0]).get("message_id") for row in rows]


def submission_numbers(instance: Instance) -> Counter[str]:
    return Counter(row[0] for row in query(instance.settings.database_url, "SELECT tracking_number FROM submissions"))


def test_nginx_serves_socketio_websockets(cluster: Instance) -> None:
    async def open_packet() -> str:
        url = cluster.rasa_url + "/socket.io/?EIO=4&transport=websocket"
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(url, timeout=30) as socket:
                message = await socket.receive(timeout=30)
                return str(message.data)

    packet = asyncio.run(open_packet())
    assert packet.startswith("0{") and '"sid"' in packet  # engine.io's open packet, through nginx


def test_a_message_sent_again_after_a_lost_reply_is_answered_once(cluster: Instance) -> None:
    sender = f"retry-{uuid.uuid4().hex[:10]}"
    turns = form_turns(900)
    sent_ids: list[str] = []
    replies: list[str] = []
    for number, message in enumerate(turns):
        sent_ids.append(f"m{number}")
        status, reply = post_turn(cluster, {"sender": sender, "message": message, "message_id": sent_ids[-1]})
        assert status == 200, reply
        replies.append(reply_text(reply))
    tracking_number = find_tracking_number(replies[-1])
    assert tracking_number, replies[-1]
    filed = submission_numbers(cluster)

    # The reply to "确认" was lost: the client sends it again, with the same id.
    status, again = post_turn(cluster, {"sender": sender, "message": turns[-1], "message_id": sent_ids[-1]})
    assert status == 200, again
    assert find_tracking_number(reply_text(again)) == tracking_number, reply_text(again)
    assert stored_message_ids(cluster, sender) == sent_ids  # the retry added no turn
    assert submission_numbers(cluster) == filed
    assert filed[tracking_number] == 1

    status, refusal = post_turn(cluster, {"sender": sender, "message": "确认", "message_id": "x" * 65})
    assert status == 400 and refusal["code"] == "invalid_message_id" and "message_id" in refusal["message"]
    assert stored_message_ids(cluster, sender) == sent_ids


@dataclass
class Answered:
    citizen: int
    turn: int
    sent_at: float
    answered_at: float
    served_by: str
    messages: list[dict[str, Any]]
    failures: list[str] = field(default_factory=list)  # broken attempts before the answer


@dataclass
class Load:
    instance: Instance
    answers: list[Answered] = field(default_factory=list)
    sent: int = 0  # requests sent, retries included
    killed_at: float | None = None
    killed_back_at: float | None = None  # the supervisor's new KILLED answers again

    def answered(self) -> int:
        return len(self.answers)


async def send_until_answered(session: aiohttp.ClientSession, load: Load, citizen: int, turn: int,
                              sender: str, message: str) -> Answered:
    """One turn; after a broken connection, a gateway error or the apology for a failed turn, the
    same message again, with the same id."""
    body = {"sender": sender, "message": message, "message_id": f"{sender}-{turn}"}
    failures: list[str] = []
    sent_at = time.monotonic()
    deadline = sent_at + CITIZEN_DEADLINE_SECONDS
    while True:
        load.sent += 1
        try:
            async with session.post(load.instance.rasa_url + REST_WEBHOOK_PATH, json=body,
                                    timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)) as response:
                if response.status not in RETRIED_STATUSES:
                    assert response.status == 200, f"{sender} turn {turn}: HTTP {response.status} {await response.text()}"
                    messages = await response.json(content_type=None)
                    if UNAVAILABLE not in reply_text(messages):
                        return Answered(citizen, turn, sent_at, time.monotonic(),
                                        response.headers.get(INSTANCE_HEADER, ""), messages, failures)
                    failures.append("apology")  # the turn failed inside the assistant: "请稍后再发一次"
                else:
                    failures.append(f"HTTP {response.status}")
        except (aiohttp.ClientError, asyncio.TimeoutError) as problem:
            failures.append(type(problem).__name__)
        assert time.monotonic() < deadline, f"{sender} turn {turn} never answered: {failures}"
        await asyncio.sleep(0.5)


async def citizen_files(session: aiohttp.ClientSession, load: Load, citizen: int, sender: str) -> None:
    for turn, message in enumerate(form_turns(citizen)):
        load.answers.append(await send_until_answered(session, load, citizen, turn, sender, message))
        await asyncio.sleep(1.0 + (citizen % 5) / 5)  # reading the reply, typing the next message


async def kill_in_the_middle(load: Load, killed_health_url: str) -> None:
    """SIGKILL one Rasa server with requests in progress on it: it is first frozen (SIGSTOP) until
    the citizens have sent more requests than the survivor alone would take under least_conn, so
    some of them wait on the frozen server when it dies, however fast turns are."""
    while load.answered() < KILL_AFTER_ANSWERS:
        await asyncio.sleep(0.05)
    pid = load.instance.supervisor.pids()[KILLED]
    os.killpg(pid, signal.SIGSTOP)
    sent_when_frozen, frozen_at = load.sent, time.monotonic()
    while load.sent < sent_when_frozen + REQUESTS_WHILE_FROZEN and time.monotonic() < frozen_at + 30:
        await asyncio.sleep(0.05)  # (the 30 s only guards against a hang; the assertions judge)
    os.killpg(pid, signal.SIGKILL)
    load.killed_at = time.monotonic()
    while load.answered() < CITIZENS * len(form_turns(0)):
        if await asyncio.to_thread(is_healthy, killed_health_url):
            load.killed_back_at = time.monotonic()
            return
        await asyncio.sleep(0.5)


async def run_load(load: Load, senders: list[str]) -> None:
    killed_port = Layout.of(load.instance.settings).rasa_ports[0]
    connector = aiohttp.TCPConnector(limit=CITIZENS * 2)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(
            kill_in_the_middle(load, f"http://127.0.0.1:{killed_port}/"),
            *(citizen_files(session, load, number, sender) for number, sender in enumerate(senders)),
        )


def test_fifty_citizens_file_while_a_rasa_server_is_killed(cluster: Instance) -> None:
    senders = [f"crowd-{uuid.uuid4().hex[:8]}-{n:02d}" for n in range(CITIZENS)]
    filed_before = submission_numbers(cluster)
    load = Load(cluster)
    asyncio.run(run_load(load, senders))
    assert load.killed_at is not None

    # Every citizen got exactly one tracking number, of exactly one new stored submission.
    numbers: dict[int, str] = {}
    for answer in load.answers:
        found = find_tracking_number(reply_text(answer.messages))
        if found:
            assert answer.citizen not in numbers, f"citizen {answer.citizen} got a second tracking number"
            numbers[answer.citizen] = found
        last_turn = len(form_turns(answer.citizen)) - 1
        assert bool(found) == (answer.turn == last_turn), (
            f"citizen {answer.citizen} turn {answer.turn} (served by {answer.served_by!r}, after {answer.failures}): "
            + reply_text(answer.messages))
    assert sorted(numbers) == list(range(CITIZENS))
    new_rows = submission_numbers(cluster) - filed_before
    assert new_rows == Counter(numbers.values())  # one row each, no other row

    # No conversation lost or duplicated: each holds every message once, in the order sent.
    for number, sender in enumerate(senders):
        expected = [f"{sender}-{turn}" for turn in range(len(form_turns(number)))]
        assert stored_message_ids(cluster, sender) == expected

    # The kill hit the load: requests broke and were answered on the retry, and the survivor took
    # over the conversations the killed server had been answering.
    before = {a.citizen for a in load.answers if a.served_by == KILLED and a.answered_at < load.killed_at}
    broken = [a for a in load.answers if a.failures]
    while_down = [a for a in load.answers if a.sent_at > load.killed_at
                  and (load.killed_back_at is None or a.answered_at < load.killed_back_at)]
    assert before, "the killed server had answered nobody before it was killed"
    assert broken, "no request was in progress on the killed server"
    assert while_down and {a.served_by for a in while_down} == {SURVIVOR}
    assert before & {a.citizen for a in while_down if a.served_by == SURVIVOR}
    assert {a.served_by for a in broken if load.killed_back_at is None or a.answered_at < load.killed_back_at} <= {SURVIVOR}
    logs = Path(cluster.log_path).read_text(encoding="utf-8", errors="replace")
    assert f"{KILLED} stopped unexpectedly" in logs


def test_missing_redis_and_postgresql_are_named(tmp_path: Path) -> None:
    from launch import cluster as cluster_mode

    settings = load_settings({"DATA_DIR": str(tmp_path), "REDIS_URL": "", "CLUSTER_RASA": "0"})
    with pytest.raises(launcher.StartupError) as refused:
        cluster_mode.check(settings)
    message = str(refused.value)
    for named in ("REDIS_URL", "TRACKER_STORE_URL", "DATABASE_URL", "CLUSTER_RASA", "多实例模式无法启动"):
        assert named in message


def test_the_generated_nginx_configuration_is_valid_for_other_layouts(tmp_path: Path, nginx: str) -> None:
    from launch.cluster import write_nginx_config

    settings = load_settings({"DATA_DIR": str(tmp_path), "CLUSTER_RASA": "3", "CLUSTER_ACTIONS": "1",
                              "BIND_HOST": "0.0.0.0", "RASA_PORT": "15005", "ACTION_PORT": "15055"})
    prefix, config = write_nginx_config(settings, Layout.of(settings))
    checked = subprocess.run([nginx, "-t", "-p", str(prefix), "-c", str(config), "-e", "stderr"],
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    text = config.read_text(encoding="utf-8")
    assert "listen 15005;" in text and "listen 127.0.0.1:15055;" in text
    assert all(f"server 127.0.0.1:{port} " in text for port in (15006, 15007, 15008, 15056))
    assert "15009" not in text and "15057" not in text


def test_the_launcher_names_what_is_missing_without_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "DATA_DIR": str(tmp_path), "REDIS_URL": "", "TRACKER_STORE_URL": "", "DATABASE_URL": ""}
    finished = subprocess.run([sys.executable, "-m", "launch.launcher", "cluster"], cwd=PROJECT_ROOT, env=env,
                              capture_output=True, text=True, timeout=120, check=False)
    output = finished.stdout + finished.stderr
    assert finished.returncode == 1, output
    assert "未设置 REDIS_URL" in output and "TRACKER_STORE_URL" in output and "Traceback" not in output
