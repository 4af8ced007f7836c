"""Splitting a reply into messages that fit a byte limit, at the most natural boundary available.

Lines are kept whole when they fit (so a ``来源：…`` line or a link is never cut); a longer line is
cut after a sentence mark, then after a clause mark, and only as a last resort between characters.
Concatenating the parts gives back the text, minus the line breaks at the cuts.
"""
from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;…])")
_CLAUSE_END = re.compile(r"(?<=[，、：,:）)】」”])")
# Smallest sensible limit: one character of up to 4 UTF-8 bytes always fits.
MIN_PART_BYTES = 4


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))


def _cut_characters(text: str, max_bytes: int) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in text:
        char_size = utf8_size(char)
        if current and size + char_size > max_bytes:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += char_size
    if current:
        pieces.append("".join(current))
    return pieces


def _pack(units: list[str], max_bytes: int, joiner: str) -> list[str]:
    """Greedily join consecutive units (each already within the limit) into parts."""
    parts: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current}{joiner}{unit}" if current else unit
        if current and utf8_size(candidate) > max_bytes:
            parts.append(current)
            current = unit
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts


def _split_unit(text: str, max_bytes: int, level: int) -> list[str]:
    """Pieces of one line, each within ``max_bytes``, cut at the coarsest boundary that works."""
    if utf8_size(text) <= max_bytes:
        return [text]
    if level == 0:
        units = [u for u in _SENTENCE_END.split(text) if u]
    elif level == 1:
        units = [u for u in _CLAUSE_END.split(text) if u]
    else:
        return _cut_characters(text, max_bytes)
    if len(units) == 1:
        return _split_unit(text, max_bytes, level + 1)
    fitted = [piece for unit in units for piece in _split_unit(unit, max_bytes, level + 1)]
    return _pack(fitted, max_bytes, "")


def split_text(text: str, max_bytes: int) -> list[str]:
    """``text`` as parts of at most ``max_bytes`` UTF-8 bytes each; no part is empty."""
    max_bytes = max(max_bytes, MIN_PART_BYTES)
    text = text.strip("\n")
    if not text:
        return []
    if utf8_size(text) <= max_bytes:
        return [text]
    lines = [piece for line in text.split("\n") for piece in _split_unit(line, max_bytes, 0)]
    # An empty line (paragraph break) stays inside a part but never starts or ends one.
    return [part.strip("\n") for part in _pack(lines, max_bytes, "\n") if part.strip("\n")]
