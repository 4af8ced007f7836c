"""Personal data at rest, in logs, in repr and in exceptions; the data key."""
from __future__ import annotations

import io
import logging
import os
import stat
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from core.personal_data.protection import KEY_FILE_NAME, DataKeyError, DataProtector, resolve_data_key
from core.settings import load_settings
from submission_samples import ADDRESS, EMAIL, ID_NUMBER, MOBILE, NAME, petition
from submissions import IdempotencyConflict, InvalidSubmission, SubmissionStore
from submissions.export import export_submissions

CONSENT = datetime(2025, 3, 1, 1, 59, tzinfo=timezone.utc)
SECRETS = (MOBILE, ID_NUMBER, EMAIL, ADDRESS)


def _file(store: SubmissionStore, **options: object) -> str:
    options.setdefault("idempotency_key", None)
    return store.create_submission(
        petition(), channel="rest", sender_id="wx-openid-oABC123", consent_at=CONSENT, **options  # type: ignore[arg-type]
    ).tracking_number


def test_no_plaintext_personal_data_in_the_tables(store: SubmissionStore) -> None:
    _file(store, idempotency_key="confirm-1")
    store.lookup("XF20250301ABCDEF", "0000", requester="wx-openid-oABC123")
    with store.engine.connect() as connection:
        dump = []
        for table in ("submissions", "submission_status_history", "lookup_failures", "audit_events"):
            for row in connection.execute(text(f"SELECT * FROM {table}")):
                dump.extend(str(value) for value in row)
    everything = "\n".join(dump)
    for secret in (*SECRETS, NAME, "wx-openid-oABC123", "confirm-1"):
        assert secret not in everything
    assert "徐汇区" in everything  # the district stays readable for statistics
    assert "油烟" in everything  # content is not encrypted (see report)


@pytest.fixture
def sqlite_store() -> Iterator[SubmissionStore]:
    with SubmissionStore.from_settings() as store:  # DATABASE_URL is this test's SQLite file
        yield store


def test_sqlite_files_on_disk_hold_no_plaintext(sqlite_store: SubmissionStore, isolated_settings: Path) -> None:
    _file(sqlite_store)
    files = [path for path in isolated_settings.iterdir() if path.name.startswith("assistant.db")]
    assert files  # the database and its WAL file
    raw = b"".join(path.read_bytes() for path in files)
    assert "油烟".encode() in raw  # proves the check reads real data
    for secret in (*SECRETS, NAME):
        assert secret.encode() not in raw


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_store: SubmissionStore) -> None:
    assert sqlite_store.engine.dialect.name == "sqlite"
    with sqlite_store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar_one() >= 1000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1


def test_logs_repr_and_exceptions_hold_no_full_mobile_or_id(
    store: SubmissionStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # statements (parameters hidden)
    try:
        data = petition()
        receipt = store.create_submission(data, channel="rest", sender_id="s", consent_at=CONSENT, idempotency_key="k")
        store.create_submission(data, channel="rest", sender_id="s", consent_at=CONSENT, idempotency_key="k")
        found = store.lookup(receipt.tracking_number, MOBILE[-4:], "s")
        store.lookup(receipt.tracking_number, "0000", "s")
        store.update_status(receipt.tracking_number, "accepted", actor="李四")
        record = store.get_record(receipt.tracking_number)
        masked_export = io.StringIO()
        export_submissions(store, masked_export, fmt="json")
        errors = []
        with pytest.raises(IdempotencyConflict) as conflict:
            store.create_submission(petition(name="孙八"), channel="rest", sender_id="s", consent_at=CONSENT, idempotency_key="k")
        errors.append(conflict.value)
        with pytest.raises(InvalidSubmission) as invalid:
            store.create_submission(petition(content="短"), channel="rest", sender_id="s", consent_at=CONSENT)
        errors.append(invalid.value)
        with pytest.raises(InvalidSubmission) as invalid_mobile:
            store.create_submission(petition(mobile=MOBILE + "9"), channel="rest", sender_id="s", consent_at=CONSENT)
        errors.append(invalid_mobile.value)
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)

    assert "INSERT INTO submissions" in caplog.text  # SQL logging really ran
    assert receipt.tracking_number in caplog.text
    texts = {
        "logs": caplog.text,
        "input": repr(data),
        "receipt": repr(receipt),
        "lookup": repr(found),
        "record": repr(record) + str(record),
        "store": repr(store),
        "export": masked_export.getvalue(),
        "errors": " ".join(f"{error!r} {error}" for error in errors),
    }
    for where, shown in texts.items():
        for secret in (MOBILE, ID_NUMBER, MOBILE + "9"):
            assert secret not in shown, f"{secret} leaked into {where}"
    assert "136****1111" in repr(record) and "1101**********002X" in repr(record)


def test_generated_key_file_is_private_and_reused(isolated_settings: Path) -> None:
    settings = load_settings()
    assert settings.data_key == ""
    first = resolve_data_key(settings.data_key, settings.data_dir)
    key_file = isolated_settings / KEY_FILE_NAME
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert resolve_data_key("", isolated_settings) == first
    Fernet(first)  # a usable key
    assert [path.name for path in isolated_settings.iterdir() if path.name.startswith(".secret-key")] == []


def test_records_survive_a_restart_with_the_generated_key(make_store: Callable[..., SubmissionStore]) -> None:
    number = _file(make_store())
    assert make_store().get_record(number).id_number == ID_NUMBER


def test_data_key_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch, isolated_settings: Path) -> None:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("DATA_KEY", key)
    with SubmissionStore.from_settings() as store:
        number = _file(store)
        assert store.get_record(number).mobile == MOBILE
    assert not (isolated_settings / KEY_FILE_NAME).exists()
    with store.engine.connect() as connection:
        token = connection.execute(text("SELECT mobile_enc FROM submissions")).scalar_one()
    assert Fernet(key.encode()).decrypt(token.encode()).decode() == MOBILE


def test_wrong_key_gives_a_clear_error_not_garbage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_KEY", Fernet.generate_key().decode())
    with SubmissionStore.from_settings() as store:
        number = _file(store)
    monkeypatch.setenv("DATA_KEY", Fernet.generate_key().decode())
    with SubmissionStore.from_settings() as store:
        with pytest.raises(DataKeyError) as raised:
            store.get_record(number)
    assert "DATA_KEY" in str(raised.value)


@pytest.mark.parametrize("bad_key", ["not-a-key", "c2hvcnQ=", "x" * 44])
def test_invalid_data_key_is_rejected(monkeypatch: pytest.MonkeyPatch, bad_key: str) -> None:
    monkeypatch.setenv("DATA_KEY", bad_key)
    with pytest.raises(DataKeyError) as raised:
        SubmissionStore.from_settings()
    assert "Fernet" in str(raised.value) and bad_key not in str(raised.value)


def test_keyed_hashes_depend_on_purpose_and_key() -> None:
    key = Fernet.generate_key()
    protector = DataProtector(key)
    assert protector.keyed_hash("sender", "x") == DataProtector(key).keyed_hash("sender", "x")
    assert protector.keyed_hash("sender", "x") != protector.keyed_hash("requester", "x")
    assert protector.keyed_hash("sender", "x") != DataProtector(Fernet.generate_key()).keyed_hash("sender", "x")
    assert key.decode() not in repr(protector)
