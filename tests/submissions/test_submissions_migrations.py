"""Alembic migrations on SQLite and a real PostgreSQL: a new database, a database made by the
code before migrations (with rows), several processes upgrading at once, a database from a newer
version, the baseline's downgrade, the command line, and models.py never drifting from them."""
from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
import tomli
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine

from core.database import create_database_engine
from core.settings import PROJECT_ROOT, load_settings
from launch.launcher import StartupError, prepare_database
from legacy_schema import LEGACY_METADATA
from submission_samples import MOBILE, petition, suggestion
from submissions import Status, SubmissionStore
from submissions.desk import CaseDesk
from submissions.models import Base
from submissions.schema import (
    BASELINE_REVISION,
    SchemaMismatch,
    SchemaTooNew,
    current_revision,
    downgrade_schema,
    head_revision,
    model_differences,
    upgrade_schema,
)
from tests.submissions.command_line import cli, cli_process
from web.staff.audit import AuditLog

CONSENT = datetime(2025, 3, 1, 1, 59, tzinfo=timezone.utc)
MODEL_TABLES = set(Base.metadata.tables)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url)
    yield engine
    engine.dispose()


def revision_of(engine: Engine) -> Any:
    with engine.connect() as connection:
        return current_revision(connection)


def differences(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        return model_differences(connection)


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every legacy table, in id order."""
    with engine.connect() as connection:
        return {
            name: [tuple(row) for row in connection.execute(select(table).order_by(table.c.id))]
            for name, table in LEGACY_METADATA.tables.items()
        }


def make_legacy_database_with_rows(engine: Engine) -> dict[str, str]:
    """What the code before migrations left behind: create_all's tables (no alembic_version) and
    rows written by the store, with status history and an audit event. Today's store writes them
    into a scratch database (same data key) and their legacy columns are copied over, since its
    models have columns the legacy tables lack."""
    LEGACY_METADATA.create_all(engine)
    with tempfile.TemporaryDirectory() as scratch:
        store = SubmissionStore.from_settings(load_settings({**os.environ, "DATABASE_URL": f"sqlite:///{scratch}/scratch.db"}))
        try:
            first = store.create_submission(petition(), channel="rest", sender_id="a", consent_at=CONSENT, idempotency_key="k1")
            second = store.create_submission(suggestion(), channel="wechat", sender_id="b", consent_at=CONSENT)
            store.update_status(first.tracking_number, Status.ACCEPTED, actor="王科员", note="已登记")
            store.record_audit_event("王科员", "export_reveal", "2 records")
            with store.engine.connect() as source, engine.begin() as target:
                for table in LEGACY_METADATA.sorted_tables:
                    columns = [Base.metadata.tables[table.name].c[column.name] for column in table.columns]
                    rows = [dict(row._mapping) for row in source.execute(select(*columns))]
                    if rows:
                        target.execute(table.insert(), [{key: _naive_utc(value) for key, value in row.items()} for row in rows])
        finally:
            store.close()
    assert "alembic_version" not in table_names(engine)
    return {"petition": first.tracking_number, "suggestion": second.tracking_number}


def _naive_utc(value: Any) -> Any:
    return value.astimezone(timezone.utc).replace(tzinfo=None) if isinstance(value, datetime) and value.tzinfo else value


# --- a new database ----------------------------------------------------------------------------

def test_a_new_database_is_migrated_to_head_and_serves(engine: Engine) -> None:
    store = SubmissionStore.from_settings(load_settings())
    try:
        number = store.create_submission(petition(), channel="rest", sender_id="a", consent_at=CONSENT).tracking_number
        assert store.get_record(number).mobile == MOBILE
    finally:
        store.close()
    assert revision_of(engine) == head_revision()
    assert table_names(engine) == MODEL_TABLES | {"alembic_version"}


def test_models_and_migrations_never_drift(engine: Engine) -> None:
    """A change to models.py without a migration (or a migration the models do not have) fails here."""
    assert upgrade_schema(engine) == head_revision()
    assert differences(engine) == []


def test_the_staff_audit_log_migrates_a_new_database_too(database_url: str, engine: Engine) -> None:
    audit = AuditLog(database_url)
    try:
        audit.record("王科员", "update", "policy-a 修改")
        assert [entry.action for entry in audit.recent()] == ["knowledge.update"]
    finally:
        audit.close()
    assert revision_of(engine) == head_revision()
    assert differences(engine) == []


def test_upgrading_twice_changes_nothing(engine: Engine) -> None:
    upgrade_schema(engine)
    store = SubmissionStore.from_settings(load_settings())
    number = store.create_submission(petition(), channel="rest", sender_id="a", consent_at=CONSENT).tracking_number
    store.close()
    before = snapshot(engine)
    assert upgrade_schema(engine) == head_revision()
    assert snapshot(engine) == before
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    with SubmissionStore.from_settings(load_settings()) as reopened:
        assert reopened.get_record(number).status is Status.SUBMITTED


# --- a database made before migrations ---------------------------------------------------------

def test_a_database_made_by_create_all_is_adopted_with_its_rows_intact(engine: Engine) -> None:
    numbers = make_legacy_database_with_rows(engine)
    before = snapshot(engine)
    assert sum(len(rows) for rows in before.values()) >= 5

    store = SubmissionStore.from_settings(load_settings())  # what every server does at start
    try:
        record = store.get_record(numbers["petition"])
        assert record.mobile == MOBILE and record.status is Status.ACCEPTED
        assert [change.note for change in record.history][-1] == "已登记"
        # 0002 took the acceptance date from the history: the 60-day clock runs from it
        clocks = CaseDesk(store, ["市信访办"]).open_case(numbers["petition"]).clocks
        assert [clock.name for clock in clocks] == ["受理告知", "办理"] and clocks[1].start == clocks[0].stopped
        assert store.get_record(numbers["suggestion"]).kind.value == "suggestion"
        # the idempotency key given before the upgrade still finds the first record
        again = store.create_submission(petition(), channel="rest", sender_id="a", consent_at=CONSENT, idempotency_key="k1")
        assert (again.tracking_number, again.created) == (numbers["petition"], False)
    finally:
        store.close()
    assert snapshot(engine) == before
    assert revision_of(engine) == head_revision()
    assert differences(engine) == []


def test_a_database_with_some_of_the_tables_is_refused_and_left_alone(engine: Engine) -> None:
    LEGACY_METADATA.tables["submissions"].create(engine)
    LEGACY_METADATA.tables["audit_events"].create(engine)
    with engine.begin() as connection:
        connection.execute(LEGACY_METADATA.tables["audit_events"].insert(), {"at": datetime(2025, 1, 1), "actor": "a", "action": "x", "detail": ""})
    with pytest.raises(SchemaMismatch) as refused:
        upgrade_schema(engine)
    assert "缺少表 lookup_failures" in str(refused.value) and "数据未做任何改动" in str(refused.value)
    assert table_names(engine) == {"submissions", "audit_events"}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_events")).scalar_one() == 1


def test_a_legacy_table_with_a_different_column_is_refused(engine: Engine) -> None:
    LEGACY_METADATA.create_all(engine)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE audit_events ADD COLUMN origin VARCHAR(8)"))
    with pytest.raises(SchemaMismatch, match="audit_events 多出列 origin"):
        upgrade_schema(engine)
    assert "alembic_version" not in table_names(engine)


def test_unrelated_tables_in_the_same_database_are_ignored(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255))"))
    assert upgrade_schema(engine) == head_revision()
    assert table_names(engine) == MODEL_TABLES | {"alembic_version", "events"}


# --- a database from a newer version -----------------------------------------------------------

def test_a_database_at_an_unknown_newer_revision_stops_start_up(engine: Engine) -> None:
    upgrade_schema(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaTooNew, match="9999.*更新版本的程序"):
        SubmissionStore.from_settings(load_settings())
    with pytest.raises(StartupError, match="数据库无法使用.*9999"):
        prepare_database(load_settings())
    assert revision_of(engine) == "9999"  # nothing was changed


# --- several processes at once -----------------------------------------------------------------

UPGRADE_WHEN_TOLD = """
import os, sys, time
from core.database import create_database_engine
from core.settings import load_settings
from submissions.schema import upgrade_schema
go, ready = sys.argv[1], sys.argv[2]
engine = create_database_engine(load_settings().database_url)
open(ready, "w").close()
deadline = time.monotonic() + 60
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.01)
print(upgrade_schema(engine))
"""


@pytest.mark.parametrize("start", ["empty", "made before migrations"])
def test_several_processes_upgrading_at_once_all_succeed(engine: Engine, tmp_path: Path, start: str) -> None:
    if start == "made before migrations":
        make_legacy_database_with_rows(engine)
    before = snapshot(engine) if start != "empty" else None
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{number}" for number in range(3)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", UPGRADE_WHEN_TOLD, str(go), str(flag)], cwd=PROJECT_ROOT, env=dict(os.environ),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for flag in ready
    ]
    deadline = time.monotonic() + 120  # a guard against a hang only
    while not all(flag.exists() for flag in ready) and time.monotonic() < deadline:
        time.sleep(0.05)
    go.touch()  # all of them start upgrading together
    results = [process.communicate(timeout=180) for process in processes]
    for process, (out, err) in zip(processes, results):
        assert process.returncode == 0, err[-2000:]
        assert out.strip() == head_revision()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head_revision()]
    assert differences(engine) == []
    if before is not None:
        assert snapshot(engine) == before


# --- downgrade ---------------------------------------------------------------------------------

def test_the_baseline_downgrades_an_empty_database_and_upgrades_again(engine: Engine) -> None:
    upgrade_schema(engine)
    assert downgrade_schema(engine, "base") is None
    assert table_names(engine) - {"alembic_version"} == set()
    assert upgrade_schema(engine) == head_revision()
    assert differences(engine) == []


# --- the command line --------------------------------------------------------------------------

def test_the_command_line_migrates_shows_and_goes_back_only_when_told(engine: Engine) -> None:
    assert "没有迁移记录" in cli("current").stdout
    assert table_names(engine) == set()  # showing does not migrate

    history = cli("history")
    assert history.returncode == 0 and history.stdout.startswith(f"{head_revision()}（最新）")
    assert f"{BASELINE_REVISION}" in history.stdout and "Baseline" in history.stdout

    migrated = cli("migrate")
    assert migrated.returncode == 0 and migrated.stdout.strip() == f"数据库结构版本：无 → {head_revision()}"
    assert cli("current").stdout.strip() == f"{head_revision()}（最新）"
    assert "无需迁移" in cli("migrate").stdout

    refused = cli("migrate", "--to", "base")
    assert refused.returncode == 1 and "--downgrade" in refused.stderr
    assert revision_of(engine) == head_revision()
    unknown = cli("migrate", "--to", "0999")
    assert unknown.returncode == 1 and "没有版本 0999" in unknown.stderr

    back = cli("migrate", "--to", "base", "--downgrade")
    assert back.returncode == 0 and back.stdout.strip() == f"数据库结构版本：{head_revision()} → 无"
    assert table_names(engine) - {"alembic_version"} == set()


def test_the_command_line_reports_a_newer_database(engine: Engine) -> None:
    upgrade_schema(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    for command in ("current", "migrate", "list"):
        # "list" as a real process too: the store's start-up fails there, and a process shows
        # whether the message comes alone or at the end of a traceback.
        for result in (cli(command), *([cli_process(command)] if command == "list" else [])):
            assert result.returncode == 1 and "9999" in result.stderr and "更新版本的程序" in result.stderr, (command, result.stderr)
            assert "Traceback" not in result.stderr, (command, result.stderr)


# --- packaging ---------------------------------------------------------------------------------

def test_a_non_editable_install_ships_every_migration_file() -> None:
    """Each directory of migrations is a package (so packages.find takes its modules) and every
    other file in it is package data."""
    config = tomli.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    include = config["packages"]["find"]["include"]
    package_data: dict[str, list[str]] = config.get("package-data", {})
    root = PROJECT_ROOT / "submissions" / "migrations"
    files = [path for path in root.rglob("*") if path.is_file() and "__pycache__" not in path.parts]
    assert any(path.parent.name == "versions" and path.suffix == ".py" and path.stem != "__init__" for path in files)
    for path in files:
        package = ".".join(path.parent.relative_to(PROJECT_ROOT).parts)
        if path.suffix == ".py":
            assert (path.parent / "__init__.py").is_file(), path
            assert any(fnmatch.fnmatch(package, pattern) for pattern in include), package
        else:
            assert any(fnmatch.fnmatch(path.name, pattern) for pattern in package_data.get(package, [])), path
