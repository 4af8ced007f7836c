"""Personal data and control characters kept out of every log line of the Rasa server.

Rasa writes what citizens type into some of its own warnings: ``/inform{"mobile":"13800138000"}``
gives ``UserWarning: Failed to parse arguments in line '/inform{"mobile":"13800138000"}'``, and
at DEBUG level it logs every message. :func:`install` passes each warning and each log record of
the process through :func:`core.personal_data.masking.log_safe` (numbers, e-mail addresses, names and
house numbers masked; line breaks and escape sequences written as ``\\n``, ``\\x1b``), and drops the
message Rasa quotes in its intent-payload warnings altogether.

It is called where the Rasa server builds its tracker store and its WeChat/WeCom channels, so it
runs at start-up, before the first message, whichever of them a deployment uses.
"""
from __future__ import annotations

import logging
import re
import threading
import warnings
from typing import Any, Optional, TextIO, Type

from core.personal_data.masking import log_safe

_lock = threading.Lock()
_installed = False


class RedactingFilter(logging.Filter):
    """Rewrites a record's message through :func:`log_safe` (exception tracebacks are left as they
    are: they hold code, not the message's arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logged as its bare format string
            message = str(record.msg)
        record.msg, record.args = log_safe(message), None
        return True


# Rasa's intent-payload warnings quote the whole message ("Failed to parse arguments in line
# '/inform{...}'", "Continuing without {...}"); the quoted part is dropped, whatever it holds.
_QUOTED_MESSAGE = re.compile(r"(in line ')(.*)('\. )|(Continuing without )(.+?)(\.\s*$)", re.DOTALL)
MESSAGE_HIDDEN = "〔消息已隐去〕"


def without_quoted_messages(text: str) -> str:
    return _QUOTED_MESSAGE.sub(lambda m: (m.group(1) or m.group(4)) + MESSAGE_HIDDEN + (m.group(3) or m.group(6)), text)


def _redacting_showwarning(original: Any) -> Any:
    def showwarning(message: Warning | str, category: Type[Warning], filename: str, lineno: int,
                    file: Optional[TextIO] = None, line: Optional[str] = None) -> None:
        original(log_safe(without_quoted_messages(str(message))), category, filename, lineno, file, line)

    return showwarning


def install() -> None:
    """Redact warnings and the root logger's handlers (idempotent; call after logging is configured)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
        warnings.showwarning = _redacting_showwarning(warnings.showwarning)
        redacting = RedactingFilter()
        for handler in logging.getLogger().handlers:
            handler.addFilter(redacting)
