"""What the assistant said in one turn, turned into plain text for a WeChat-family chat.

Texts are kept as written (the ``来源：…`` line, links as plain text); buttons become one numbered
list at the end; images and attachments become their links; the handoff custom payload of
``bot/actions/handoff.py`` is noted; other custom payloads are ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from .options import MAX_OPTIONS, Option, options_from_buttons, render_options

# Characters XML 1.0 cannot carry; they would make a reply that Tencent rejects.
_NOT_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Outgoing:
    text: str
    options: list[Option] = field(default_factory=list)
    handoff: bool = False


def _is_handoff(custom: Any) -> bool:
    if not isinstance(custom, dict):
        return False
    data = custom.get("data", custom)
    return isinstance(data, dict) and data.get("type") == "handoff"


def compose(messages: Iterable[dict[str, Any]]) -> Outgoing:
    """One turn's collected Rasa messages (``CollectingOutputChannel.messages``) as one reply."""
    texts: list[str] = []
    options: list[Option] = []
    handoff = False
    for message in messages:
        for key in ("text", "image", "attachment"):
            value = message.get(key)
            if isinstance(value, str) and value.strip():
                texts.append(value.strip())
        options.extend(options_from_buttons(message.get("buttons") or []))
        handoff = handoff or _is_handoff(message.get("custom"))
    options = options[:MAX_OPTIONS]
    body = "\n\n".join(texts)
    if options:
        body = f"{body}\n\n{render_options(options)}" if body else render_options(options)
    return Outgoing(text=_NOT_XML_CHARS.sub("", body), options=options, handoff=handoff)
