"""The staff command line against this test's database: in-process through the function
``python -m submissions`` runs, and as a real subprocess (tests/submissions/command_line.py)."""
from __future__ import annotations

import csv
import io
import json
import os
import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest

from submission_samples import ID_NUMBER, MOBILE, petition, suggestion
from submissions import Status, SubmissionStore
from tests.submissions.command_line import cli, cli_process

CONSENT = datetime(2025, 3, 1, 1, 59, tzinfo=timezone.utc)


@pytest.fixture
def filed(store: SubmissionStore) -> dict[str, str]:
    petition_number = store.create_submission(petition(), channel="rest", sender_id="a", consent_at=CONSENT).tracking_number
    suggestion_number = store.create_submission(
        suggestion(content="=HYPERLINK(\"http://evil\") 建议在每个街道增设社区老年食堂。"),
        channel="wechat", sender_id="b", consent_at=CONSENT,
    ).tracking_number
    return {"petition": petition_number, "suggestion": suggestion_number}


def test_list_shows_masked_rows_and_filters(filed: dict[str, str]) -> None:
    result = cli_process("list")
    assert result.returncode == 0, result.stderr
    assert filed["petition"] in result.stdout and filed["suggestion"] in result.stdout
    assert "136****1111" in result.stdout and "赵*" in result.stdout and "已提交" in result.stdout
    assert MOBILE not in result.stdout and "共 2 条" in result.stdout

    only_suggestions = cli("list", "--kind", "suggestion", "--status", "submitted", "--limit", "5")
    assert only_suggestions.returncode == 0, only_suggestions.stderr
    assert filed["suggestion"] in only_suggestions.stdout and filed["petition"] not in only_suggestions.stdout

    bad = cli("list", "--status", "finished")
    assert bad.returncode == 1 and "未知的状态" in bad.stderr


def test_export_csv_is_masked_by_default(filed: dict[str, str], tmp_path: Path) -> None:
    output = tmp_path / "export.csv"
    result = cli("export", "--format", "csv", "--output", str(output))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(os.stat(output).st_mode) == 0o600
    raw = output.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM so Excel reads UTF-8
    rows = {row["tracking_number"]: row for row in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))}
    assert set(rows) == set(filed.values())
    row = rows[filed["petition"]]
    assert (row["mobile"], row["id_number"], row["name"]) == ("136****1111", "1101**********002X", "赵*")
    assert row["status_label"] == "已提交" and row["created_at"] == "2025-03-01T10:00:00+08:00"
    assert MOBILE.encode() not in raw and ID_NUMBER.encode() not in raw
    assert rows[filed["suggestion"]]["content"].startswith("'=HYPERLINK")  # no formula injection


def test_export_json_reveal_requires_an_actor_and_is_audited(filed: dict[str, str], store: SubmissionStore) -> None:
    refused = cli("export", "--format", "json", "--reveal")
    assert refused.returncode == 2 and "--actor" in refused.stderr
    assert MOBILE not in refused.stdout
    assert store.audit_events() == []

    revealed = cli("export", "--format", "json", "--reveal", "--actor", "李四", "--kind", "petition")
    assert revealed.returncode == 0, revealed.stderr
    items = json.loads(revealed.stdout)
    assert [item["tracking_number"] for item in items] == [filed["petition"]]
    assert items[0]["mobile"] == MOBILE and items[0]["id_number"] == ID_NUMBER
    assert items[0]["history"][0]["status_label"] == "已提交"
    events = store.audit_events()
    assert [(event.actor, event.action) for event in events] == [("李四", "export_reveal")]
    assert "format=json" in events[0].detail and "kind=petition" in events[0].detail


def test_update_status_and_show(filed: dict[str, str], store: SubmissionStore) -> None:
    number = filed["petition"]
    accepted = cli("update-status", number, "已受理", "--actor", "李四", "--note", "转徐汇区信访办")
    assert accepted.returncode == 0, accepted.stderr
    assert "已提交 → 已受理" in accepted.stdout
    assert store.get_record(number).status is Status.ACCEPTED

    forbidden = cli("update-status", number, "closed", "--actor", "李四")
    assert forbidden.returncode == 1
    assert "不能从“已受理”变更为“已办结”" in forbidden.stderr and "办理中" in forbidden.stderr
    assert store.get_record(number).status is Status.ACCEPTED

    missing_actor = cli("update-status", number, "in_progress")
    assert missing_actor.returncode == 2
    unknown = cli("update-status", "XF20250301ZZZZZZ", "accepted", "--actor", "李四")
    assert unknown.returncode == 1 and "没有找到" in unknown.stderr

    shown = cli("show", number)
    assert shown.returncode == 0, shown.stderr
    assert "已受理" in shown.stdout and "李四（转徐汇区信访办）" in shown.stdout
    assert "136****1111" in shown.stdout and MOBILE not in shown.stdout and ID_NUMBER not in shown.stdout

    revealed = cli("show", number, "--reveal", "--actor", "王五")
    assert revealed.returncode == 0 and MOBILE in revealed.stdout and ID_NUMBER in revealed.stdout
    assert [(event.actor, event.action, event.detail) for event in store.audit_events()] == [("王五", "show_reveal", number)]


def test_export_with_a_bad_filter_fails_before_auditing_or_writing(filed: dict[str, str], store: SubmissionStore, tmp_path: Path) -> None:
    output = tmp_path / "never.json"
    result = cli("export", "--format", "json", "--reveal", "--actor", "李四", "--status", "done", "--output", str(output))
    assert result.returncode == 1 and "未知的状态" in result.stderr
    assert not output.exists() and store.audit_events() == []


TYPED_INTO_CONTENT = "我的手机139—8765—4321，身份证3101 0419 8503 1212 35，邮箱 zhang.san@example.com，请联系我。"


def test_masked_exports_and_show_mask_numbers_typed_into_the_free_text(store: SubmissionStore) -> None:
    number = store.create_submission(petition(content=TYPED_INTO_CONTENT), channel="rest", sender_id="a",
                                     consent_at=CONSENT).tracking_number
    store.update_status(number, "accepted", actor="李四", note="已电话联系 13987654321")
    as_csv, as_json, shown = cli("export", "--format", "csv"), cli("export", "--format", "json"), cli("show", number)
    for result in (as_csv, as_json, shown):
        assert result.returncode == 0, result.stderr
        flat = result.stdout.replace(" ", "").replace("—", "")
        assert "13987654321" not in flat and "310104198503121235" not in flat and "zhang.san@" not in flat
        assert "139****4321" in result.stdout and "3101**********1235" in result.stdout
    assert "z***@example.com" in as_csv.stdout
    revealed = cli("export", "--format", "json", "--reveal", "--actor", "王五")
    assert json.loads(revealed.stdout)[0]["content"] == TYPED_INTO_CONTENT


def test_a_note_or_actor_with_control_characters_is_refused(filed: dict[str, str], store: SubmissionStore) -> None:
    number = filed["petition"]
    for args in (["--actor", "李四", "--note", "已受理\n2026 INFO audit: export_reveal by 王五"],
                 ["--actor", "李四\x1b[2J", "--note", "已受理"]):
        result = cli("update-status", number, "accepted", *args)
        assert result.returncode == 1 and "控制字符" in result.stderr
    assert store.get_record(number).status is Status.SUBMITTED
