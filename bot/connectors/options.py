"""Buttons as numbered options: WeChat text has no buttons, so the citizen answers with a number.

The options of the latest reply are remembered per citizen for a while; a reply of just "1"
(half- or full-width, optionally "1." or "第1个") then stands for the first option's payload.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable

from core.textnorm import to_halfwidth_alnum

from .kvstore import KeyValueStore

OPTIONS_TTL_SECONDS = 30 * 60
MAX_OPTIONS = 20
_CHOICE = re.compile(r"^\s*(?:第\s*)?(\d{1,2})\s*(?:个|项|条)?\s*[.。、,，)）]?\s*$")


@dataclass(frozen=True)
class Option:
    title: str
    payload: str


def options_from_buttons(buttons: Iterable[Any]) -> list[Option]:
    """Rasa button dicts to options; buttons without a usable title or payload are dropped."""
    found: list[Option] = []
    for button in buttons:
        if not isinstance(button, dict):
            continue
        title = str(button.get("title") or "").strip()
        payload = str(button.get("payload") or "").strip() or title
        if title:
            found.append(Option(title, payload))
    return found[:MAX_OPTIONS]


def render_options(options: list[Option]) -> str:
    """The block appended to a reply: ``回复数字选择：`` then one numbered line per option."""
    if not options:
        return ""
    lines = ["回复数字选择："] + [f"{number}. {option.title}" for number, option in enumerate(options, 1)]
    return "\n".join(lines)


def chosen_option(text: str, options: list[Option]) -> Option | None:
    """The option a reply like "2" picks, or None (not a number, or out of range)."""
    match = _CHOICE.match(to_halfwidth_alnum(text or ""))
    if not match:
        return None
    number = int(match.group(1))
    return options[number - 1] if 1 <= number <= len(options) else None


class OptionMemory:
    """The options last offered to each citizen, in the channel's key-value store."""

    def __init__(self, store: KeyValueStore, namespace: str, ttl_seconds: float = OPTIONS_TTL_SECONDS):
        self._store = store
        self._namespace = namespace
        self._ttl = ttl_seconds

    def _key(self, user_id: str) -> str:
        return f"{self._namespace}:options:{user_id}"

    async def remember(self, user_id: str, options: list[Option]) -> None:
        """Keep these options (an empty list forgets the previous ones)."""
        if not options:
            await self._store.delete(self._key(user_id))
            return
        value = json.dumps([[o.title, o.payload] for o in options], ensure_ascii=False)
        await self._store.put(self._key(user_id), value, self._ttl)

    async def recall(self, user_id: str) -> list[Option]:
        raw = await self._store.get(self._key(user_id))
        if not raw:
            return []
        try:
            return [Option(str(title), str(payload)) for title, payload in json.loads(raw)]
        except (ValueError, TypeError):
            return []

    async def resolve(self, user_id: str, text: str) -> str:
        """``text``, or the payload of the option it picks."""
        if not _CHOICE.match(to_halfwidth_alnum(text or "")):
            return text
        option = chosen_option(text, await self.recall(user_id))
        return option.payload if option else text
