"""Guessing the mobile's last 4 digits of a status lookup, as a hostile client does it: a new
sender id for every guess, through Rasa's REST channel of the running assistant."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from core.settings import load_settings
from submissions import PetitionInput, SubmissionStore
from tests.support.stack import Conversation, RunningAssistant

pytestmark = pytest.mark.server
LOCKED = "查询失败次数较多"


@pytest.fixture(scope="module")
def store(assistant: RunningAssistant) -> SubmissionStore:
    return SubmissionStore.from_settings(load_settings(assistant.env))


def test_a_new_sender_for_every_guess_locks_the_number_not_the_assistant(
        assistant: RunningAssistant, store: SubmissionStore) -> None:
    petition = PetitionInput(name="赵六", mobile="13612347777", district="徐汇区", address="漕溪北路100弄2号",
                             content="小区门口的餐馆每天深夜排放油烟，噪声也很大。", request="请有关部门督促餐馆安装油烟净化设备。")
    number = store.create_submission(petition, channel="rest", sender_id="citizen",
                                     consent_at=datetime.now(timezone.utc)).tracking_number
    for guess in range(10):
        reply = Conversation(assistant).say(f"查询进度 {number} 手机尾号{guess:04d}")
        assert "没有找到" in reply
    assert LOCKED in Conversation(assistant).say(f"查询进度 {number} 手机尾号7777")  # the right answer, too late
    events = [event for event in store.audit_events() if event.action == "lookup_lockout"]
    assert any(number in event.detail for event in events)
    other = store.create_submission(petition, channel="rest", sender_id="citizen2",
                                    consent_at=datetime.now(timezone.utc)).tracking_number
    assert other in Conversation(assistant).say(f"查询进度 {other} 手机尾号7777")  # others still can
