"""Exports of submissions for staff, as CSV or JSON.

Personal data (name, mobile, ID number, e-mail, address) is masked unless ``reveal`` is set, and
so is personal data citizens typed into the free-text fields (title, content, request) and staff
into status notes (:func:`redact_personal_data`); a revealing export needs the staff member's name
and is written to the audit log *before* any data leaves the store.
"""
from __future__ import annotations

import csv
import json
from typing import Any, Iterable, Optional, TextIO, Union

from core.personal_data.masking import (
    mask_address, mask_email, mask_id_number, mask_mobile, mask_name, redact_personal_data,
)
from core.timeutil import to_shanghai
from submissions.errors import UnknownValue
from submissions.records import SubmissionRecord
from submissions.service import SubmissionStore
from submissions.workflow import Kind, Status, parse_kind, parse_status

FORMATS = ("csv", "json")
EXPORT_COLUMNS = (
    "tracking_number", "kind", "kind_label", "status", "status_label", "created_at", "channel",
    "consent_at", "district", "name", "mobile", "id_number", "email", "address", "title",
    "content", "request",
)
REVEAL_ACTION = "export_reveal"
# Cells starting with these make spreadsheet programs evaluate a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def record_to_row(record: SubmissionRecord, *, reveal: bool = False) -> dict[str, str]:
    """One flat row; times in Shanghai (ISO 8601 with +08:00)."""
    personal = {
        "name": record.name if reveal else mask_name(record.name),
        "mobile": record.mobile if reveal else mask_mobile(record.mobile),
        "id_number": (record.id_number or "") if reveal else mask_id_number(record.id_number),
        "email": (record.email or "") if reveal else mask_email(record.email),
        "address": (record.address or "") if reveal else mask_address(record.address),
    }
    return {
        "tracking_number": record.tracking_number,
        "kind": record.kind.value,
        "kind_label": record.kind.label,
        "status": record.status.value,
        "status_label": record.status.label,
        "created_at": to_shanghai(record.created_at).isoformat(timespec="seconds"),
        "channel": record.channel,
        "consent_at": to_shanghai(record.consent_at).isoformat(timespec="seconds"),
        "district": record.district,
        **personal,
        "title": _free_text(record.title, reveal),
        "content": _free_text(record.content, reveal),
        "request": _free_text(record.request, reveal),
    }


def _free_text(text: Optional[str], reveal: bool) -> str:
    return (text or "") if reveal else redact_personal_data(text)


def _history(record: SubmissionRecord, reveal: bool) -> list[dict[str, Any]]:
    return [
        {
            "status": change.status.value,
            "status_label": change.status.label,
            "changed_at": to_shanghai(change.changed_at).isoformat(timespec="seconds"),
            "actor": change.actor,
            "note": _free_text(change.note, reveal),
        }
        for change in record.history
    ]


def _csv_safe(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_csv(records: Iterable[SubmissionRecord], stream: TextIO, *, reveal: bool) -> int:
    """CSV with a header row. Open the stream with ``encoding='utf-8-sig'`` for Excel."""
    writer = csv.DictWriter(stream, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow({key: _csv_safe(value) for key, value in record_to_row(record, reveal=reveal).items()})
        count += 1
    return count


def write_json(records: Iterable[SubmissionRecord], stream: TextIO, *, reveal: bool) -> int:
    """A JSON array of objects; each also carries its status ``history``."""
    count = 0
    stream.write("[")
    for record in records:
        item = {**record_to_row(record, reveal=reveal), "history": _history(record, reveal)}
        stream.write(("\n" if count == 0 else ",\n") + json.dumps(item, ensure_ascii=False))
        count += 1
    stream.write("\n]\n" if count else "]\n")
    return count


def _code(value: Union[Status, Kind, str, None]) -> str:
    return "*" if value is None else str(getattr(value, "value", value))


def export_submissions(
    store: SubmissionStore,
    stream: TextIO,
    *,
    fmt: str,
    reveal: bool = False,
    actor: Optional[str] = None,
    status: Union[Status, str, None] = None,
    kind: Union[Kind, str, None] = None,
) -> int:
    """Write matching submissions to ``stream``; returns how many were written."""
    if fmt not in FORMATS:
        raise UnknownValue(f"未知的导出格式“{fmt}”，可选：{'、'.join(FORMATS)}")
    # Resolve filters first: a typo must fail before anything is audited or written.
    status = parse_status(status) if isinstance(status, str) else status
    kind = parse_kind(kind) if isinstance(kind, str) else kind
    if reveal:
        if not actor:
            raise ValueError("导出完整个人信息（--reveal）必须注明操作人员（--actor）")
        store.record_audit_event(actor, REVEAL_ACTION, f"format={fmt} status={_code(status)} kind={_code(kind)}")
    records = store.iter_records(status=status, kind=kind)
    writer = write_csv if fmt == "csv" else write_json
    return writer(records, stream, reveal=reveal)
