"""The staff command line (``python -m submissions``) for the tests: in this process, through
the very function ``__main__`` calls (``submissions.cli.run``), or as a real subprocess.

In-process saves starting Python and importing SQLAlchemy, Alembic and the submissions package
for every command (about a second each on a busy machine); each test file still runs the real
``python -m submissions`` at least once (:func:`cli_process`).
"""
from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout

from core.settings import PROJECT_ROOT
from submissions.cli import run


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m submissions ARGS`` run in this process, with the environment of this test
    (``DATA_DIR`` / ``DATABASE_URL``); exit status, standard output and standard error as a
    subprocess would give them (argparse's usage errors exit with 2)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        try:
            status = run(list(args))
        except SystemExit as exit_:
            status = exit_.code if isinstance(exit_.code, int) else 1
    return subprocess.CompletedProcess(["python", "-m", "submissions", *args], status, stdout.getvalue(), stderr.getvalue())


def cli_process(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m submissions ARGS`` as a real subprocess with this test's environment."""
    return subprocess.run(
        [sys.executable, "-m", "submissions", *args], cwd=PROJECT_ROOT, env=dict(os.environ),
        capture_output=True, text=True, timeout=120, check=False,
    )
