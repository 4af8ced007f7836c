"""Case notices on the citizen's channels: the Rasa server's side of :mod:`submissions.notices`.

* :func:`send_pending`: every channel calls it with a citizen's message before the message is
  processed (the socket.io channel also when a widget resumes its session): the notices of the
  cases this conversation filed go out first, each once.
* :class:`NoticePusher`: the WeChat and WeCom channels' background poller, which sends their
  notices at once as customer-service / application messages (the Rasa server holds the
  credentials), with retries; what cannot be sent waits for the citizen's next message.

The hook is the input channel, not a Rasa action: it runs for every message whatever the
dialogue is doing (inside a form too), needs no rule or training data, comes before the turn's
answer, and also serves a resumed widget session that sends no message at all.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from datetime import timedelta
from typing import Awaitable, Callable, Optional

from rasa.core.channels.channel import OutputChannel

from core.personal_data.masking import log_safe, pseudonym
from core.settings import settings
from submissions.notices import CaseNotices, PushJob
from submissions.service import SubmissionStore

from .tencent_api import TencentApiError

log = logging.getLogger(__name__)

# Refusals that retrying cannot fix: WeChat's 48-hour customer-service window (45015), a citizen
# who unfollowed (43004) or an unknown user (40003; WeCom 60111, 81013). The notice waits for the
# citizen's next message instead.
FINAL_ERRCODES = frozenset({45015, 43004, 40003, 60111, 81013})
PUSH_BATCH = 20

_lock = threading.Lock()
_notices: Optional[CaseNotices] = None


def case_notices() -> CaseNotices:
    """The process's notice table (opened on first use, on ``DATABASE_URL`` with ``DATA_KEY``)."""
    global _notices
    with _lock:
        if _notices is None:
            cfg = settings()
            _notices = CaseNotices(SubmissionStore.from_settings(cfg), timedelta(days=cfg.notice_max_age_days))
        return _notices


async def pending_texts(conversation_id: str) -> list[str]:
    """The texts of the conversation's undelivered notices, now marked delivered ([] on failure:
    a database problem must not cost the citizen the answer)."""
    try:
        notices = await asyncio.to_thread(lambda: case_notices().take_for_conversation(conversation_id))
    except Exception:  # noqa: BLE001
        log.exception("case notices for %s could not be read", pseudonym(conversation_id))
        return []
    if notices:
        log.info("%d case notice(s) given to %s", len(notices), pseudonym(conversation_id))
    return [notice.text for notice in notices]


async def send_pending(conversation_id: str, output: OutputChannel, recipient: Optional[str] = None) -> int:
    """Send the conversation's undelivered notices through ``output`` (to ``recipient``, by
    default the conversation itself); returns how many."""
    texts = await pending_texts(conversation_id)
    for text in texts:
        await output.send_text_message(recipient or conversation_id, text)
    return len(texts)


class NoticePusher:
    """Sends one channel's due notices every ``interval`` seconds, at most :data:`PUSH_BATCH` a round."""

    def __init__(self, channel: str, send: Callable[[str, str], Awaitable[None]], interval: float) -> None:
        self._channel = channel
        self._send = send
        self._interval = max(0.2, interval)
        self._task: Optional[asyncio.Task[None]] = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.push_due()
            except Exception:  # noqa: BLE001 - the poller keeps going
                log.exception("%s case notices: round failed", self._channel)
            await asyncio.sleep(self._interval)

    async def push_due(self) -> int:
        """One round: claim due notices, send each, record the outcome; returns how many went out."""
        notices = await asyncio.to_thread(case_notices)
        jobs = await asyncio.to_thread(notices.claim_pushes, self._channel, PUSH_BATCH)
        sent = 0
        for job in jobs:
            try:
                await self._send(job.user_id, job.notice.text)
            except TencentApiError as exc:
                await self._failed(notices, job, exc)
                continue
            await asyncio.to_thread(notices.pushed, job)
            sent += 1
            log.info("%s case notice %d sent to %s", self._channel, job.notice.id, pseudonym(job.user_id))
        return sent

    async def _failed(self, notices: CaseNotices, job: PushJob, exc: TencentApiError) -> None:
        error = f"errcode={exc.errcode} {exc.errmsg}"
        again = await asyncio.to_thread(notices.push_failed, job, error, retry=exc.errcode not in FINAL_ERRCODES)
        log.warning("%s case notice %d to %s not sent (%s); %s", self._channel, job.notice.id, pseudonym(job.user_id),
                    log_safe(error), f"next try {again:%H:%M:%S}" if again else "it waits for the citizen's next message")
