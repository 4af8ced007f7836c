"""Text normalisation shared by NLU, retrieval and the channels.

Citizens type Traditional or Simplified characters, full-width letters and digits from Chinese
input methods, stray whitespace, and sometimes paste very long text. Everything that
*understands* text (intent classification, retrieval) first passes it through :func:`normalize`.
Everything that *shows* user text back passes it through :func:`display_safe`.
"""
from __future__ import annotations

import re
import threading
import unicodedata

import opencc

_converter_lock = threading.Lock()
_converter: opencc.OpenCC | None = None

# Full-width ASCII letters and digits (Ａ-Ｚ, ａ-ｚ, ０-９) map to their half-width forms by a fixed offset.
_FULLWIDTH_OFFSET = 0xFEE0
_FULLWIDTH_ALNUM = {
    code: code - _FULLWIDTH_OFFSET
    for code in list(range(0xFF10, 0xFF1A)) + list(range(0xFF21, 0xFF3B)) + list(range(0xFF41, 0xFF5B))
}
_FULLWIDTH_ALNUM[0x3000] = 0x20  # ideographic space
# Variant characters OpenCC keeps but Simplified text never uses (妳 is common in Taiwan).
_FULLWIDTH_ALNUM[ord("妳")] = ord("你")
_WHITESPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u2028-\u202e\ufeff]")


def _t2s() -> opencc.OpenCC:
    global _converter
    with _converter_lock:
        if _converter is None:
            _converter = opencc.OpenCC("t2s")
        return _converter


def to_simplified(text: str) -> str:
    """Traditional Chinese characters to Simplified (OpenCC ``t2s``); other text is unchanged."""
    return _t2s().convert(text) if text else text


def to_halfwidth_alnum(text: str) -> str:
    """Full-width letters, digits and spaces to half-width; Chinese punctuation is kept."""
    return text.translate(_FULLWIDTH_ALNUM)


def clean_whitespace(text: str) -> str:
    """Drop control and zero-width characters, collapse runs of whitespace, trim."""
    return _WHITESPACE.sub(" ", _CONTROL.sub("", text)).strip()


def cap_length(text: str, max_chars: int) -> str:
    """At most ``max_chars`` characters: the start and the end of a longer message.

    A long pasted story usually ends with the actual question, so both ends are kept.
    """
    if max_chars <= 0 or len(text) <= max_chars:
        return text
    head = max_chars // 3
    tail = max_chars - head - 1
    return f"{text[:head]}…{text[-tail:]}"


def normalize(text: str | None, max_chars: int = 0) -> str:
    """The form of a message that models and indexes see."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = clean_whitespace(to_halfwidth_alnum(text))
    return to_simplified(cap_length(text, max_chars))


_SCRIPT_BLOCK = re.compile(r"<(script|style)\b[^>]*>.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?/?>|<!--.*?-->", re.DOTALL)
_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\(\s*((?:[^()]|\([^()]*\))*)\)")  # one level of parentheses inside
_SCRIPT_URL = re.compile(r"(javascript|vbscript|data):[^\s，。？！,?!]*", re.IGNORECASE)


def _link_label(link: re.Match) -> str:
    """A markdown link's label, or nothing when it is bait for a script URL."""
    return " " if _SCRIPT_URL.match(link.group(2)) else link.group(1)


def strip_markup(text: str) -> str:
    """The words of a message without HTML tags, scripts and markdown links (a link's label kept,
    unless the link runs a script).

    Citizens do not write markup; a pasted or hostile ``<script>…</script>复核要多久`` should be
    understood as the question it carries. When nothing but markup is left, the text is kept as it
    was (there is no question to find, and the reply never echoes it: see :func:`display_safe`).
    """
    stripped = _SCRIPT_URL.sub(" ", _MARKDOWN_LINK.sub(_link_label, _TAG.sub(" ", _SCRIPT_BLOCK.sub(" ", text))))
    stripped = clean_whitespace(stripped)
    return stripped or text


_ANGLE = str.maketrans({"<": "＜", ">": "＞"})


def display_safe(text: str | None) -> str:
    """User text made inert for echoing in replies: no markup survives, nothing is lost.

    Angle brackets become their full-width look-alikes, so ``<img onerror=…>`` can never be
    rendered as HTML by a channel that treats replies as markup, yet the citizen still sees
    exactly what they wrote.
    """
    return clean_whitespace(text or "").translate(_ANGLE)
