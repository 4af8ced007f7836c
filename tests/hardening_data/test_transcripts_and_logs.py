"""What the running assistant keeps of a conversation: transcripts, logs and data files, as a
citizen (or a hostile client) leaves them through Rasa's REST channel."""
from __future__ import annotations

import json
import sqlite3
import stat
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.instance import REST_WEBHOOK_PATH
from tests.support.stack import Conversation, RunningAssistant
from tests.support.stored_text import MIN_RAW_SEARCH_CHARS, stored_bytes, texts_in

pytestmark = pytest.mark.server
NAME, ADDRESS, EMAIL = "王小明", "世纪大道100弄2号301室", "wang.xm@example.com"
CONTENT = "小区楼下饭店每天凌晨两点还在营业，油烟和噪音严重影响休息，多次反映无果。"
REQUEST = "希望有关部门督促饭店整改，控制营业时间和油烟排放。"
PETITION = ["我叫赵敏", "赵敏", "同意", NAME, "139—8765—4321", "浦东", f"浦东新区{ADDRESS}", "3101 0419 8503 1212 35", EMAIL, CONTENT, REQUEST]
NEVER_STORED = (NAME, "赵敏", "13987654321", "8765", "310104198503121235", "0419", ADDRESS, "100弄", "wang.xm", CONTENT[:10],
                REQUEST[:10])


def absent(raw: bytes, text: str) -> bool:
    return text.encode("utf-8") not in raw and json.dumps(text)[1:-1].encode("ascii") not in raw


def post_raw(assistant: RunningAssistant, body: bytes) -> int:
    request = urllib.request.Request(assistant.rasa_url + REST_WEBHOOK_PATH, data=body,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_cancelled_petition_leaves_no_personal_data_in_the_transcript(assistant: RunningAssistant) -> None:
    chat = Conversation(assistant)
    chat.say("我要投诉")
    for answer in PETITION:
        summary = chat.say(answer)
    assert "139****4321" in summary and "确认" in summary
    assert "不会保存" in chat.say("取消")
    with sqlite3.connect(assistant.settings.data_dir / "tracker.db") as db:
        rows = [json.loads(data) for (data,) in db.execute("SELECT data FROM events WHERE sender_id = ?", (chat.conversation_id,))]
    kept = "\n".join(texts_in(rows))
    assert "我要投诉" in kept  # the conversation itself is kept ...
    assert [text for text in NEVER_STORED if text in kept] == []  # ... without anything typed into the form
    whole_file = stored_bytes(assistant.settings.data_dir, "tracker.db")  # the write-ahead log included
    assert [text for text in NEVER_STORED if len(text) >= MIN_RAW_SEARCH_CHARS and not absent(whole_file, text)] == []


def test_personal_data_in_an_intent_payload_stays_out_of_the_logs(assistant: RunningAssistant) -> None:
    Conversation(assistant).say('/inform{"mobile":"13800138000","email":"li.si@example.com"}')
    Conversation(assistant).say('/inform{"full_name":"欧阳娜娜"} 我住在漕溪北路100弄')
    Conversation(assistant).say("我叫李四，手机 139 1234 5678")
    logs = assistant.logs()
    assert "Failed to parse arguments in line '〔消息已隐去〕'" in logs  # Rasa's warning, without the message
    for secret in ("13800138000", "li.si@", "欧阳娜娜", "100弄", "13912345678", "139 1234 5678"):
        assert secret not in logs


def test_data_files_are_readable_by_their_owner_only(assistant: RunningAssistant) -> None:
    Conversation(assistant).say("查询进度 XF20260101ABCDEF 尾号1234")  # the action server opens assistant.db
    data_dir = assistant.settings.data_dir
    private = [path for path in data_dir.iterdir() if path.name.startswith(("assistant.db", "tracker.db", "secret.key"))]
    private += list((data_dir / "runtime").iterdir())
    assert {p.name for p in private} >= {"assistant.db", "tracker.db", "secret.key", "endpoints.yml"}
    assert {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in private} == {p.name: "0o600" for p in private}
