"""A warm spare of a server: fully loaded but not yet listening, until the supervisor promotes it.

Loading takes the Rasa server and the action server 15–70 s (TensorFlow, the model, the
embedding model and index), far longer than a citizen waits. With ``WARM_STANDBY`` the
supervisor (:mod:`launch.supervisor`) keeps one spare of each server, started with
:data:`FLAG`: the spare loads everything, prints :data:`READY_LINE` and waits; when the server
it stands in for dies, the supervisor sends :data:`PROMOTE_SIGNAL` and the spare binds the port
within a second.
"""
from __future__ import annotations

import signal
import sys
import threading

FLAG = "--standby"
READY_LINE = "standby loaded, waiting for promotion"
PROMOTE_SIGNAL = signal.SIGUSR1


def take_flag(argv: list[str] | None = None) -> bool:
    """Remove :data:`FLAG` from ``argv`` (default ``sys.argv``); True when it was there."""
    args = sys.argv if argv is None else argv
    if FLAG not in args:
        return False
    args.remove(FLAG)
    return True


def wait_for_promotion() -> None:
    """Announce readiness on stdout, then block until :data:`PROMOTE_SIGNAL` arrives.

    Called on the main thread, once everything is loaded and before the port is bound. The
    handler is installed before the announcement, so a promotion can never arrive too early.
    """
    promoted = threading.Event()
    signal.signal(PROMOTE_SIGNAL, lambda _signum, _frame: promoted.set())
    print(READY_LINE, flush=True)
    while not promoted.wait(0.2):  # a short timeout: the Python handler runs between waits
        pass
    print("standby promoted, starting to serve", flush=True)
