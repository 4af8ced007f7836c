"""The SQLite transcript store: open connections in write-ahead-log mode, no personal data in the
file, no exit on a failed write."""
from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Iterator

import pytest
from cryptography.fernet import Fernet
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.pool import QueuePool

from bot.actions.form_fields import ALL_FORM_SLOTS
from bot.tracker_store import RedactingSQLTrackerStore
from core.personal_data.protection import DataProtector
from core.settings import PROJECT_ROOT
from tests.support.stored_text import MIN_RAW_SEARCH_CHARS, stored_bytes, texts_in

NAME, ADDRESS, EMAIL = "王小明", "漕溪北路100弄2号301室", "wang.xm@example.com"
CONTENT = "小区门口的餐馆每天深夜排放油烟，噪声也很大，已经持续三个月。"
SECRETS = (NAME, "赵敏", "13987654321", "8765", ADDRESS, "100弄", "wang.xm", CONTENT[:12])


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "bot" / "domain"))


@pytest.fixture
def store(tmp_path: Path, domain: Domain) -> Iterator[RedactingSQLTrackerStore]:
    store = RedactingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "tracker.db"),
                                     protector=DataProtector(Fernet.generate_key()))
    yield store
    store.engine.dispose()


def user(text: str) -> UserUttered:
    return UserUttered(text, parse_data={"intent": {"name": "inform", "confidence": 0.4}, "entities": []})


async def turn(store: RedactingSQLTrackerStore, sender: str, *events: Event) -> DialogueStateTracker:
    """One turn as Rasa runs it: read the tracker back, add the turn's events, save."""
    tracker = await store.get_or_create_tracker(sender)
    for item in events:
        tracker.update(item)
    await store.save(tracker)
    return await store.retrieve(sender)


def assert_absent(tmp_path: Path, *texts: str) -> None:
    """None of ``texts`` in the database's strings; the longer ones not in its files' bytes either."""
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        kept = "\n".join(texts_in([json.loads(data) for (data,) in db.execute("SELECT data FROM events")]))
    raw = stored_bytes(tmp_path, "tracker.db")
    for text in texts:
        assert text not in kept, text
        if len(text) >= MIN_RAW_SEARCH_CHARS:
            for form in (text.encode("utf-8"), json.dumps(text)[1:-1].encode("ascii")):
                assert form not in raw, text


async def test_sqlite_store_keeps_connections_in_wal_mode_and_masks(store: RedactingSQLTrackerStore, tmp_path: Path) -> None:
    assert isinstance(store.engine.pool, QueuePool)
    for number in range(3):
        tracker = await turn(store, "citizen", user(f"手机139—1234—5678 第{number}次"), BotUttered("好的"))
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == [f"手机139****5678 第{i}次" for i in range(3)]
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("SELECT count(*) FROM events WHERE sender_id = 'citizen'").fetchone() == (7,)


async def test_a_form_leaves_no_answer_in_the_file_and_a_cancelled_one_leaves_no_value(
        store: RedactingSQLTrackerStore, tmp_path: Path) -> None:
    def asks(slot: str, question: str) -> list[Event]:
        return [ActionExecuted("petition_form"), SlotSet("requested_slot", slot), BotUttered(question)]

    sender = "form-citizen"
    await turn(store, sender, user(f"我要投诉，我叫{NAME}"), ActionExecuted("action_start_petition"),
               *[SlotSet(slot, None) for slot in ALL_FORM_SLOTS], ActiveLoop("petition_form"),
               *asks("consent", "同意吗？"))
    await turn(store, sender, user("赵敏"), SlotSet("consent", None), BotUttered("请回复“同意”继续"),
               *asks("consent", "同意吗？"))  # a name typed before consent is given
    await turn(store, sender, user("同意"), SlotSet("consent", "2026-11-29T01:00:00+00:00"), *asks("full_name", "姓名？"))
    await turn(store, sender, user(NAME), SlotSet("full_name", NAME), *asks("mobile", "手机？"))
    await turn(store, sender, user("139—8765—4321"), SlotSet("mobile", "enc:gAAAA-ciphertext"), *asks("address", "地址？"))
    await turn(store, sender, user(ADDRESS), SlotSet("address", ADDRESS), *asks("petition_content", "内容？"))
    await turn(store, sender, user("信访事项的办理期限是多久？"), ActionExecuted("action_answer_question"),
               BotUttered("60日"), *asks("petition_content", "内容？"))
    await turn(store, sender, user(CONTENT), SlotSet("petition_content", CONTENT), *asks("email", "邮箱？"))
    summary = f"请核对：\n姓名：{NAME}\n详细地址：{ADDRESS}\n事项内容：{CONTENT}"
    tracker = await turn(store, sender, user(EMAIL), SlotSet("email", "enc:gAAAA-email"), *asks("confirm", summary))

    # The form still has its answers (the store opens what it sealed) ...
    assert (tracker.get_slot("full_name"), tracker.get_slot("address")) == (NAME, ADDRESS)
    # ... but the file holds none of them, and a question asked meanwhile is kept as text.
    assert_absent(tmp_path, *SECRETS)
    texts = [e.text for e in tracker.events if isinstance(e, UserUttered)]
    assert texts[1:3] == ["〔已隐去：对个人信息说明的答复〕"] * 2
    assert texts[3:] == ["〔已隐去：姓名〕", "〔已隐去：手机号码〕", "〔已隐去：详细地址〕", "信访事项的办理期限是多久？",
                         "〔已隐去：事项内容〕", "〔已隐去：电子邮箱〕"]
    assert texts[0] == "我要投诉，我叫王**"
    stored_summary = [e.text for e in tracker.events if isinstance(e, BotUttered)][-1]
    assert stored_summary == "请核对：\n姓名：〔已隐去：姓名〕\n详细地址：〔已隐去：详细地址〕\n事项内容：〔已隐去：事项内容〕"

    tracker = await turn(store, sender, user("取消"), ActionExecuted("petition_form"), SlotSet("confirm", "cancelled"),
                         SlotSet("requested_slot", None), ActiveLoop(None), ActionExecuted("action_submit"),
                         BotUttered("已取消本次填写"), *[SlotSet(slot, None) for slot in ALL_FORM_SLOTS])
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        kept = [json.loads(row[0]) for row in db.execute("SELECT data FROM events WHERE type_name = 'slot'")]
    assert [e for e in kept if e["name"] in ("full_name", "mobile", "address", "email", "petition_content")
            and e["value"] is not None] == []
    assert all(tracker.get_slot(slot) is None for slot in ("full_name", "address", "petition_content"))


async def test_a_lone_surrogate_in_a_sender_id_neither_stops_the_server_nor_the_conversation(
        store: RedactingSQLTrackerStore) -> None:
    tracker = await turn(store, "\udfff", user("hi\udfff"), BotUttered("您好"))
    tracker = await turn(store, "\udfff", user("再见"), BotUttered("再见"))
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["hi\ufffd", "再见"]


async def test_a_failed_write_is_logged_without_personal_data_and_the_conversation_goes_on(
        store: RedactingSQLTrackerStore, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    await turn(store, "citizen", user("你好"))
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        db.execute("DROP TABLE events")
    tracker = DialogueStateTracker.from_events("citizen-13987654321", [user("我的手机13987654321")])
    with caplog.at_level(logging.INFO):
        await store.save(tracker)  # neither raises nor exits
    assert "not saved (OperationalError)" in caplog.text
    assert "13987654321" not in caplog.text and "我的手机" not in caplog.text
