"""Masked forms of personal data, for lists, exports and logs seen by others.

Masks keep the length recognisable but never enough to reconstruct the value. Free text goes
through :func:`redact_personal_data`; every field written to a log through :func:`log_safe`.
"""
from __future__ import annotations

import hashlib
import re
from typing import Optional

from core.personal_data.patterns import DIGIT_SEPARATORS, EMAIL_PATTERN, ascii_contact_text


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


# Personal data inside free text (transcripts, exports, logs). The mobile and ID numbers are
# found through the separators the validators accept ("139—8765—4321", "3101 0419 8503 1212 35"),
# e-mail addresses with the validator's pattern; names only where a citizen introduces
# themselves ("我叫张三"), addresses only by their house numbers ("漕溪北路100弄2号" keeps the road).
_SEP = f"[{DIGIT_SEPARATORS}]*"
_ID_IN_TEXT = re.compile(rf"(?<!\d)\d(?:{_SEP}\d){{16}}{_SEP}[\dXx](?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(rf"(?<!\d)(?:(?:\+|00)?86{_SEP})?1{_SEP}[3-9](?:{_SEP}\d){{9}}(?!\d)")
_EMAIL_IN_TEXT = re.compile(EMAIL_PATTERN)
_NAME_END = r"(?=$|[\s，。,.!！?？；;、：:）)])"
_NAME_IN_TEXT = re.compile(
    r"(我叫|我的名字(?:是|叫)|我名字(?:是|叫)|姓名(?:是|为)?[:：]?|名字(?:是|叫)[:：]?|本人)\s*"
    rf"([\u3400-\u4dbf\u4e00-\u9fff·]{{2,4}}){_NAME_END}"
    # "我是" introduces other things too ("我是来咨询的"): only a name's length is taken.
    rf"|(我是)\s*([\u3400-\u4dbf\u4e00-\u9fff]{{2,3}}){_NAME_END}"
)
_UNIT = r"(?:号楼|支弄|单元|号|弄|栋|幢|室|层|楼|座)"
_HOUSE_NUMBER = re.compile(
    rf"(?<=[路街巷弄道村里苑园区厦寓])\s*\d+(?:\s*[-－]\s*\d+)*\s*{_UNIT}(?:\s*\d+(?:\s*[-－]\s*\d+)*\s*{_UNIT}?)*"
)
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit() or char in "Xx").upper()


def redact_personal_data(text: Optional[str]) -> str:
    """``text`` with every mobile and ID number, e-mail address, self-introduced name and house
    number masked (digits and letters made half-width; lone surrogates, which no store can encode,
    replaced by U+FFFD)."""
    if not text:
        return text or ""
    text = _SURROGATES.sub("\ufffd", ascii_contact_text(text))
    text = _EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group(0)), text)
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(_digits(m.group(0))), text)
    text = _MOBILE_IN_TEXT.sub(lambda m: mask_mobile(_digits(m.group(0))[-11:]), text)
    text = _NAME_IN_TEXT.sub(lambda m: (m.group(1) or m.group(3)) + mask_name(m.group(2) or m.group(4)), text)
    return _HOUSE_NUMBER.sub("***", text)


# C0 controls other than tab, line feed and carriage return, DEL and the C1 controls: never part
# of text anyone means to write (documents, uploads, notes); ESC among them drives terminals.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# In a one-line field (a log field, a staff note or name), line breaks and tabs forge lines and
# columns too, and Unicode line separators and bidirectional controls make a line read
# differently from what it holds.
NOT_IN_ONE_LINE = re.compile(
    CONTROL_CHARACTERS.pattern + r"|[\t\n\r\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def log_safe(value: object) -> str:
    """``value`` as one inert log field: personal data masked (:func:`redact_personal_data`),
    control characters written as escapes (``\\x1b``, ``\\n``), so a field can neither forge a
    line nor drive the terminal that shows the log."""
    text = redact_personal_data(str(value))
    return NOT_IN_ONE_LINE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def pseudonym(value: str) -> str:
    """A short stable tag of an identifier (a sender id) for logs: the same id, the same tag."""
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:10]
