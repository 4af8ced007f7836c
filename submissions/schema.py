"""The database schema's version: Alembic migrations, run at start and from the command line.

Every process that opens the database (:class:`SubmissionStore`, the staff audit log, the
launcher before it starts the servers) calls :func:`upgrade_schema`. When the database is already
at the newest revision that is one query; otherwise the upgrade runs in one transaction that
holds a lock, so several processes starting at once upgrade it once and the others wait:

* PostgreSQL: ``pg_advisory_xact_lock`` (DDL is transactional, a failed upgrade leaves nothing);
* SQLite: ``BEGIN IMMEDIATE`` (the write lock; the others wait up to the busy timeout).

A database made by the code before migrations (``create_all``: the tables, no
``alembic_version``) is recognised when its tables and columns are those of the baseline
revision, marked as that revision and upgraded, its rows untouched. A database at a revision
these scripts do not know (written by a newer version of the application) stops start-up.
"""
from __future__ import annotations

import logging
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Optional

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import Connection, Engine

from core.database import create_database_engine
from submissions.errors import SubmissionError
from submissions.models import Base

log = logging.getLogger(__name__)

SCRIPT_LOCATION = "submissions:migrations"
BASELINE_REVISION = "0001"
VERSION_TABLE = "alembic_version"
# Key of the PostgreSQL advisory lock held while migrating; any fixed number, the same in every process.
ADVISORY_LOCK_KEY = 0x7866_6D69_6772  # "xfmigr"


class SchemaError(SubmissionError):
    """The database's schema cannot be brought to this version of the application."""


class SchemaTooNew(SchemaError):
    def __init__(self, current: str, head: str) -> None:
        super().__init__(
            f"数据库的结构版本 {current} 不在本程序的迁移记录中（本程序最新为 {head}），"
            "数据库可能已由更新版本的程序升级：请使用更新版本的程序，或检查 DATABASE_URL 是否指向正确的数据库"
        )


class SchemaMismatch(SchemaError):
    def __init__(self, differences: list[str]) -> None:
        super().__init__(
            "数据库中已有本程序的表，但没有迁移记录，且表结构与基线版本 "
            f"{BASELINE_REVISION} 不一致（{'；'.join(differences)}）：请人工检查后再迁移，数据未做任何改动"
        )


@dataclass(frozen=True)
class Revision:
    revision: str
    down_revision: Optional[str]
    title: str  # the first line of the migration's docstring


def alembic_config(connection: Optional[Connection] = None) -> Config:
    """Alembic's configuration, without an ini file; env.py migrates ``connection``."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = script_directory().get_current_head()  # raises when the scripts have several heads
    assert head is not None, "submissions/migrations/versions holds no migration"
    return head


def revisions() -> list[Revision]:
    """Every migration, newest first."""
    return [
        Revision(script.revision, script.down_revision, (script.doc or "").strip().splitlines()[0] if script.doc else "")
        for script in script_directory().walk_revisions()
    ]


def current_revision(connection: Connection) -> Optional[str]:
    """The revision the database is at; None when it has no migration history."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    versions = connection.execute(select(text("version_num")).select_from(text(VERSION_TABLE))).scalars().all()
    if len(versions) > 1:
        raise SchemaError(f"数据库的 {VERSION_TABLE} 表中有多个版本（{', '.join(versions)}），请人工检查")
    return versions[0] if versions else None


def _check_known(current: Optional[str]) -> None:
    if current is not None and current not in {revision.revision for revision in revisions()}:
        raise SchemaTooNew(current, head_revision())


@contextmanager
def _migration_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction holding the migration lock; committed when the block succeeds."""
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # pysqlite starts no transaction before DDL by itself; this one also takes the write lock.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        yield connection
        connection.commit()


def _describe_tables(connection: Connection, names: set[str]) -> dict[str, dict[str, bool]]:
    """Table → column → nullable, for those of ``names`` that exist."""
    inspector = inspect(connection)
    existing = set(inspector.get_table_names()) & names
    return {
        table: {column["name"]: bool(column["nullable"]) for column in inspector.get_columns(table)}
        for table in existing
    }


@lru_cache(maxsize=1)
def baseline_tables() -> dict[str, dict[str, bool]]:
    """The tables the baseline revision creates (run on a scratch in-memory SQLite database)."""
    scratch = create_engine("sqlite://", future=True)
    try:
        with scratch.begin() as connection:
            command.upgrade(alembic_config(connection), BASELINE_REVISION)
            names = set(inspect(connection).get_table_names()) - {VERSION_TABLE}
            return _describe_tables(connection, names)
    finally:
        scratch.dispose()


def _baseline_differences(connection: Connection) -> list[str]:
    expected = baseline_tables()
    found = _describe_tables(connection, set(expected))
    differences = [f"缺少表 {table}" for table in sorted(set(expected) - set(found))]
    for table in sorted(found):
        for column in sorted(set(expected[table]) | set(found[table])):
            if column not in found[table]:
                differences.append(f"{table} 缺少列 {column}")
            elif column not in expected[table]:
                differences.append(f"{table} 多出列 {column}")
            elif found[table][column] != expected[table][column]:
                differences.append(f"{table}.{column} 的可否为空与基线不同")
    return differences


def _adopt_unversioned(connection: Connection) -> None:
    """Mark a database created before migrations as the baseline, after checking its tables."""
    if not _describe_tables(connection, set(baseline_tables())):
        return  # none of our tables: a new database, migrated from the start
    differences = _baseline_differences(connection)
    if differences:
        raise SchemaMismatch(differences)
    log.warning("the database has the tables but no migration history; marking it as the baseline revision %s", BASELINE_REVISION)
    command.stamp(alembic_config(connection), BASELINE_REVISION)


def upgrade_schema(engine: Engine, target: str = "head") -> Optional[str]:
    """Bring the database to ``target`` (default: the newest revision); returns where it is.

    Safe to call from several processes at once, and a no-op (one query) when already there.
    """
    if target == "head":
        with engine.connect() as connection:
            if current_revision(connection) == head_revision():
                return head_revision()
    with _migration_transaction(engine) as connection:
        current = current_revision(connection)
        _check_known(current)
        if current is None:
            _adopt_unversioned(connection)
        command.upgrade(alembic_config(connection), target)
        reached = current_revision(connection)
    if reached != current:
        log.info("database schema upgraded from %s to %s", current or "nothing", reached)
    return reached


def downgrade_schema(engine: Engine, target: str) -> Optional[str]:
    """Go back to ``target`` (``base``: no tables at all — every row is lost); returns where it is."""
    with _migration_transaction(engine) as connection:
        _check_known(current_revision(connection))
        command.downgrade(alembic_config(connection), target)
        return current_revision(connection)


def migrate_to(engine: Engine, target: str = "head", *, allow_downgrade: bool = False) -> tuple[Optional[str], Optional[str]]:
    """Upgrade, or with ``allow_downgrade`` go back, to ``target`` (a revision, ``head`` or
    ``base``); returns (before, after)."""
    oldest_first = [revision.revision for revision in reversed(revisions())]
    target = head_revision() if target == "head" else target
    if target != "base" and target not in oldest_first:
        raise SchemaError(f"没有版本 {target}（可用的版本：{'、'.join(oldest_first)}、head、base）")
    with engine.connect() as connection:
        before = current_revision(connection)
    _check_known(before)

    def position(revision: Optional[str]) -> int:
        return -1 if revision in (None, "base") else oldest_first.index(revision)

    if position(target) >= position(before):
        return before, upgrade_schema(engine, target)
    if not allow_downgrade:
        raise SchemaError(
            f"版本 {target} 比数据库当前的版本 {before} 旧：回退会删除之后的版本加入的表和列及其中的数据；"
            "确需回退请加 --downgrade"
        )
    return before, downgrade_schema(engine, target)


def model_differences(connection: Connection) -> list[Any]:
    """What Alembic's autogenerate sees between the database and ``models.py`` (empty: they agree)."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)  # type: ignore[no-any-return]


def new_migration(message: str) -> Optional[Path]:
    """Write a revision script for what changed in ``models.py`` since the newest migration, or
    return None when nothing changed. The script must be reviewed by hand (autogenerate runs on
    SQLite here and misses renames, data moves and server defaults)."""
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_database_engine(f"sqlite:///{Path(scratch) / 'head.db'}")
        try:
            upgrade_schema(engine)
            with engine.begin() as connection:
                if not model_differences(connection):
                    return None
                next_id = f"{int(head_revision()) + 1:04d}"
                script = command.revision(alembic_config(connection), message=message, autogenerate=True, rev_id=next_id)
        finally:
            engine.dispose()
    script_directory.cache_clear()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)
