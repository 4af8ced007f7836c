"""Background, incremental index builds after staff publish a change, with visible progress.

The build itself runs where the embedding model is, in the action server
(:meth:`index.model_client.RemoteKnowledge.build`); this side keeps the queue and the progress.

One build runs at a time, in one worker thread. Each change asks for a build and gets a
*ticket* (1, 2, 3 …); changes that arrive during a build are covered by one more build right
after it. ``completed`` in :meth:`Publisher.status` is the highest ticket whose change is live:
built, published (``CURRENT`` swapped) and loaded by the action server's searcher.

``build_index`` never fails because of one broken document (it is skipped and listed under
``problems``); if a build fails for another reason the previous version stays live, the error
is shown, and the next change (or :meth:`Publisher.request` from "重建索引") tries again.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any, Callable

from core.settings import Settings
from index.builder import stale_reasons
from index.store import current_version

log = logging.getLogger(__name__)

# Shown in the console; the state names are the API's.
STAGES = {
    "idle": "索引已是最新",
    "queued": "等待更新索引",
    "checking": "正在检查改动",
    "building": "正在更新索引",
    "failed": "索引更新失败",
}


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Publisher:
    """Runs :func:`index.build_index` in the background and reports where it is."""

    def __init__(self, cfg: Settings, build: Callable[[], dict[str, Any]]):
        self._cfg = cfg
        self._build = build  # builds, publishes and loads the new version; returns its summary
        self._cond = threading.Condition()
        self._requested = 0  # the latest ticket handed out
        self._attempted = 0  # the ticket the latest build (successful or not) covered
        self._completed = 0  # the ticket whose change is live
        self._state = "idle"
        self._changes: list[str] = []
        self._started_at: str | None = None
        self._started_clock = 0.0
        self._finished_at: str | None = None
        self._last_error: str | None = None
        self._last_build: dict | None = None
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self._cond:
            if self._thread is None:
                self._stopping = False
                self._thread = threading.Thread(target=self._run, name="index-publisher", daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 60.0) -> None:
        """Let a running build finish (it is atomic either way), then end the worker."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    def request(self) -> int:
        """Ask for a build covering every change saved so far; returns the change's ticket."""
        with self._cond:
            self._requested += 1
            if self._state in ("idle", "failed"):
                self._state = "queued"
            self._cond.notify_all()
            return self._requested

    def status(self) -> dict:
        with self._cond:
            elapsed = time.monotonic() - self._started_clock if self._state in ("checking", "building") else None
            return {
                "state": self._state,
                "message": STAGES[self._state],
                "version": current_version(self._cfg.index_dir),
                "requested": self._requested,
                "completed": self._completed,
                "progress": {
                    "changes": list(self._changes),
                    "started_at": self._started_at,
                    "finished_at": self._finished_at,
                    "elapsed_seconds": round(elapsed, 1) if elapsed is not None else None,
                },
                "last_error": self._last_error,
                "last_build": self._last_build,
            }

    # --- the worker ----------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and self._requested == self._attempted:
                    self._cond.wait()
                if self._stopping:
                    return
                target = self._requested
                self._state, self._changes = "checking", []
                self._started_at, self._started_clock, self._finished_at = _now_iso(), time.monotonic(), None
            self._build_once(target)

    def _build_once(self, target: int) -> None:
        try:
            changes = stale_reasons(self._cfg)
            with self._cond:
                self._changes, self._state = changes, "building"
            summary = self._build()
        except Exception as exc:  # noqa: BLE001 - shown to staff; the previous version stays live
            log.exception("index build failed")
            with self._cond:
                self._attempted = target
                self._state = "failed"
                self._last_error = f"索引更新失败，助手继续使用上一版知识库。原因：{' '.join(str(exc).split())[:300]}"
                self._finished_at = _now_iso()
                self._cond.notify_all()
            return
        with self._cond:
            self._attempted = self._completed = target
            self._last_error = None
            self._finished_at = _now_iso()
            self._last_build = summary
            self._state = "queued" if self._requested > target else "idle"
            self._cond.notify_all()

