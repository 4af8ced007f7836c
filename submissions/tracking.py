"""Tracking numbers: ``XF`` or ``JY`` + Shanghai date ``YYYYMMDD`` + 6 random characters.

The random part is drawn with :mod:`secrets` from 32 characters: upper-case letters and digits
without the look-alikes 0/O and 1/I, so a number read over the phone cannot be mistyped into
another valid number. 32**6 ≈ 1.07 billion possibilities per kind and day; together with the
mobile's last four digits and lookup throttling a number cannot be guessed.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Callable, Optional

from core.textnorm import to_halfwidth_alnum
from core.timeutil import to_shanghai
from submissions.workflow import Kind

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RANDOM_LENGTH = 6
TRACKING_PATTERN = re.compile(r"^(XF|JY)(\d{8})([A-Z0-9]{6})$", re.ASCII)

NumberGenerator = Callable[[Kind, datetime], str]


def new_tracking_number(kind: Kind, moment: datetime) -> str:
    """A fresh random number for ``kind`` dated by ``moment``'s day in Shanghai."""
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return f"{kind.prefix}{to_shanghai(moment):%Y%m%d}{random_part}"


# What citizens type between a number's parts: spaces, dashes, underscores.
_SEPARATOR = r"[\s\-－_]"


def normalize_tracking_number(text: Optional[str]) -> Optional[str]:
    """The canonical form of what a citizen typed (spaces, dashes, case, full-width ignored), or None."""
    if not text:
        return None
    candidate = re.sub(_SEPARATOR, "", to_halfwidth_alnum(text)).upper()
    return candidate if TRACKING_PATTERN.match(candidate) else None


def kind_of(tracking_number: str) -> Kind:
    return Kind.PETITION if tracking_number.startswith(Kind.PETITION.prefix) else Kind.SUGGESTION


_IN_TEXT = re.compile(rf"(?<![A-Za-z0-9])(XF|JY){_SEPARATOR}*(\d{{8}}){_SEPARATOR}*([A-Za-z0-9]{{6}})(?![A-Za-z0-9])",
                      re.ASCII | re.IGNORECASE)


def _canonical(match: re.Match[str]) -> str:
    return "".join(match.groups()).upper()


def join_tracking_numbers(text: str) -> str:
    """``text`` with every tracking number in its canonical form: citizens copy them with spaces or
    dashes and in lower case ("jy 20261208-k7q2mx"); the rest of the text is left as it is."""
    return _IN_TEXT.sub(_canonical, to_halfwidth_alnum(text))


def find_tracking_number(text: Optional[str]) -> Optional[str]:
    """The first tracking number written anywhere in ``text`` ("查一下 jy 20261122-k7q2mx 尾号…")."""
    if not text:
        return None
    match = _IN_TEXT.search(to_halfwidth_alnum(text))
    return _canonical(match) if match else None
