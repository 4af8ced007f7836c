"""A private, throw-away PostgreSQL server for tests.

The cluster lives in a temporary directory, listens only on a unix socket inside that directory
(no TCP, no clash with any other server) and is stopped and deleted afterwards. PostgreSQL refuses
to run as root, so when the tests run as root the server commands run as the ``postgres`` user
(created by the Debian package).
"""
from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Optional

import psycopg2

from tests.support.instance import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
ENSURE_SCRIPT = REPO_ROOT / "scripts" / "ensure_system_packages.sh"


class PostgresUnavailable(RuntimeError):
    """PostgreSQL could not be installed or started; the message says why."""


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.parent.name)) or (0,)


def find_bindir() -> Optional[Path]:
    """Directory holding initdb/pg_ctl/postgres: Debian's newest /usr/lib/postgresql/N/bin, else PATH."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=_version_key, reverse=True)
    for initdb in candidates:
        if (initdb.parent / "pg_ctl").exists() and (initdb.parent / "postgres").exists():
            return initdb.parent
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    return None


def ensure_installed() -> Path:
    """The server binaries, installing the Debian package ``postgresql`` first if needed."""
    bindir = find_bindir()
    if bindir:
        return bindir
    result = subprocess.run(
        ["bash", str(ENSURE_SCRIPT), "postgresql"], capture_output=True, text=True, check=False
    )
    bindir = find_bindir()
    if bindir is None:
        raise PostgresUnavailable(
            "PostgreSQL server binaries (initdb, pg_ctl) not found and "
            f"`{ENSURE_SCRIPT.name} postgresql` could not install them (exit {result.returncode}): "
            + (result.stderr.strip()[-800:] or result.stdout.strip()[-800:])
        )
    return bindir


class PostgresCluster:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        # Short path: unix socket paths are limited to ~107 bytes.
        self.base = Path(tempfile.mkdtemp(prefix="pgtest-", dir="/tmp"))
        self.datadir = self.base / "data"
        self.logfile = self.base / "server.log"
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0
        self.started = False

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    def _log_tail(self) -> str:
        try:
            return self.logfile.read_text(errors="replace")[-1500:]
        except OSError:
            return ""

    def start(self) -> None:
        if self._as_postgres:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise PostgresUnavailable("running as root but there is no 'postgres' user to run the server") from exc
            os.chown(self.base, account.pw_uid, account.pw_gid)
        initdb = self._run("initdb", "-D", str(self.datadir), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "-N")
        if initdb.returncode != 0:
            raise PostgresUnavailable(f"initdb failed (exit {initdb.returncode}): {initdb.stderr.strip()[-1500:]}")
        options = f"-F -p {self.port} -k {self.base} -c listen_addresses='' -c max_connections=250"
        started = self._run("pg_ctl", "-D", str(self.datadir), "-l", str(self.logfile), "-w", "-t", "120", "-o", options, "start")
        if started.returncode != 0:
            raise PostgresUnavailable(
                f"pg_ctl start failed (exit {started.returncode}): {started.stderr.strip()[-800:]}\n{self._log_tail()}"
            )
        self.started = True

    def stop(self) -> None:
        if self.started:
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
            self.started = False
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self.base}&port={self.port}"

    def create_database(self) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        connection = psycopg2.connect(dbname="postgres", user="postgres", host=str(self.base), port=self.port)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            connection.close()
        return self.url(name)
