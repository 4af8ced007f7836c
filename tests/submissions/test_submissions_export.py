"""Export writers called in-process, as the staff web service will call them."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone

import pytest

from submission_samples import MOBILE, petition
from submissions import SubmissionStore
from submissions.errors import UnknownValue
from submissions.export import EXPORT_COLUMNS, export_submissions

CONSENT = datetime(2025, 3, 1, 1, 59, tzinfo=timezone.utc)


def test_empty_exports_are_well_formed(store: SubmissionStore) -> None:
    as_json, as_csv = io.StringIO(), io.StringIO()
    assert export_submissions(store, as_json, fmt="json") == 0
    assert json.loads(as_json.getvalue()) == []
    assert export_submissions(store, as_csv, fmt="csv") == 0
    assert next(csv.reader(io.StringIO(as_csv.getvalue()))) == list(EXPORT_COLUMNS)


def test_export_argument_errors(store: SubmissionStore) -> None:
    with pytest.raises(UnknownValue):
        export_submissions(store, io.StringIO(), fmt="xml")
    with pytest.raises(ValueError):
        export_submissions(store, io.StringIO(), fmt="json", reveal=True)
    with pytest.raises(UnknownValue):
        export_submissions(store, io.StringIO(), fmt="json", reveal=True, actor="李四", kind="complaint")
    assert store.audit_events() == []


def test_export_many_records_in_batches(store: SubmissionStore) -> None:
    numbers = {
        store.create_submission(petition(mobile=f"135{index:08d}"), channel="rest", sender_id="s", consent_at=CONSENT).tracking_number
        for index in range(7)
    }
    output = io.StringIO()
    records = list(store.iter_records(batch_size=3))
    assert {record.tracking_number for record in records} == numbers and len(records) == 7
    assert export_submissions(store, output, fmt="json", reveal=True, actor="李四") == 7
    assert {item["mobile"] for item in json.loads(output.getvalue())} == {f"135{index:08d}" for index in range(7)}
    assert MOBILE not in output.getvalue()
