"""The action server accepts only the Rasa server (issue 12 item 3): a client on the network
posting a made-up tracker to ``/webhook`` is refused, and the server listens on loopback only."""
from __future__ import annotations

import json
import stat

import psutil
import pytest

from core.action_auth import HEADER, SECRET_FILE_NAME
from tests.hardening.hostile import JSON, Client, Reply
from tests.support.stack import Conversation, RunningAssistant

pytestmark = pytest.mark.server

# What an attacker would post: run the filing action on a tracker of their own making.
MADE_UP_CALL = {
    "next_action": "action_submit", "sender_id": "wechat:oVictim002", "version": "3.6.21",
    "tracker": {"sender_id": "wechat:oVictim002", "slots": {"confirm": "confirmed"}, "latest_message": {},
                "events": [], "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": None},
    "domain": {},
}


def call_action_server(assistant: RunningAssistant, method: str, path: str, secret: str | None) -> Reply:
    headers = {**JSON, **({HEADER: secret} if secret is not None else {})}
    body = json.dumps(MADE_UP_CALL).encode() if method == "POST" else None
    return Client(assistant.settings.action_server_url).request(method, path, body, headers)


@pytest.mark.parametrize("secret", [None, "", "guessed-secret"], ids=["no-secret", "empty", "wrong"])
@pytest.mark.parametrize(("method", "path"), [("POST", "/webhook"), ("GET", "/actions")])
def test_a_request_without_the_secret_is_refused(assistant: RunningAssistant, method: str, path: str,
                                                 secret: str | None) -> None:
    reply = call_action_server(assistant, method, path, secret)
    assert reply.status == 401
    assert "未授权" in reply.json()["error"]


def test_the_secret_is_private_and_the_rasa_server_uses_it(assistant: RunningAssistant) -> None:
    data_dir = assistant.settings.data_dir
    for path in (data_dir / SECRET_FILE_NAME, data_dir / "runtime" / "endpoints.yml"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    secret = (data_dir / SECRET_FILE_NAME).read_text().strip()
    assert call_action_server(assistant, "GET", "/actions", secret).status == 200
    chat = Conversation(assistant)
    chat.say("我有个建议想提交")
    assert "姓名" in chat.say("同意")  # the form's actions ran on the action server


def test_the_action_server_listens_on_loopback_only(assistant: RunningAssistant) -> None:
    pid = assistant.supervisor.pids()["actions"]
    addresses = {c.laddr.ip for c in psutil.Process(pid).net_connections(kind="inet") if c.status == psutil.CONN_LISTEN}
    assert addresses == {"127.0.0.1"}
