"""Masked forms of personal data, for lists, exports and logs seen by others.

Masks keep the length recognisable but never enough to reconstruct the value.
"""
from __future__ import annotations

import re
from typing import Optional

from core.textnorm import to_halfwidth_alnum


def mask_mobile(mobile: Optional[str]) -> str:
    """``13611111111`` → ``136****1111``; anything shorter than 8 characters is fully masked."""
    if not mobile:
        return ""
    if len(mobile) < 8:
        return "*" * len(mobile)
    return mobile[:3] + "*" * (len(mobile) - 7) + mobile[-4:]


def mask_id_number(id_number: Optional[str]) -> str:
    """``31010119900101123X`` → ``3101**********123X`` (first 4 and last 4 kept)."""
    if not id_number:
        return ""
    if len(id_number) < 12:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_name(name: Optional[str]) -> str:
    """``赵六`` → ``赵*``, ``欧阳娜娜`` → ``欧***``; a one-character name becomes ``*``."""
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    return name[0] + "*" * (len(name) - 1)


def mask_email(email: Optional[str]) -> str:
    """``zhangsan@example.com`` → ``z***@example.com`` (the domain is kept)."""
    if not email:
        return ""
    local, at, domain = email.partition("@")
    if not at:
        return "*" * len(email)
    return (local[:1] if len(local) > 1 else "") + "***@" + domain


def mask_address(address: Optional[str], keep: int = 6) -> str:
    """Keep the first ``keep`` characters (district, street) and hide the rest: ``徐汇区漕溪北路***``."""
    if not address:
        return ""
    if len(address) <= keep:
        return "*" * len(address)
    return address[:keep] + "***"


# A mobile number or an 18-character ID number inside free text, written with or without
# separators (spaces, dashes) between digit groups; not part of a longer run of digits.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})[\s\-]?(\d{8})[\s\-]?(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[\s\-]?)?(1[3-9]\d)[\s\-]?(\d{4})[\s\-]?(\d{4})(?!\d)")


def redact_personal_numbers(text: Optional[str]) -> str:
    """Mask every mobile and ID number in free text (conversation transcripts, logs)."""
    if not text:
        return text or ""
    text = to_halfwidth_alnum(text)
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number("".join(m.groups())), text)
    return _MOBILE_IN_TEXT.sub(lambda m: mask_mobile("".join(m.groups())), text)
