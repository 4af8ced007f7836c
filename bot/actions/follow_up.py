"""Short follow-ups to an answered question: "那复核呢？", "要是超过了呢", "在哪交".

Said alone they name no subject, and the classifier files them anywhere (off-topic, a goodbye, a
greeting). Right after a cited answer they mean the question before, so the two are searched
together; the answer is given only when that search is confident, and every other reply path
stays as it was.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import knowledge
from core.textnorm import normalize
from index import Answer
from index.answer import CITATION_PREFIX

# Longer messages carry their own subject.
MAX_FOLLOW_UP_CHARS = 12
_OPENING = re.compile(r"^(那么|那要是|那如果|那万一|那还|那|要是|如果|假如|万一|还有|另外)")
_CLOSING = re.compile(r"呢[?？。.!！~～\s]*$")
_BARE_ASK = re.compile(r"^(在哪|去哪|到哪|找谁|向谁|交给谁|交到哪|多久|几天|多少天|然后呢|之后呢|接下来)")
# What is left of "那好的呢" or "谢谢呢" is a courtesy, not a question.
_COURTESY = re.compile(r"^(你好|您好|好的?|行|可以|谢谢|多谢|再见|拜拜|知道了|明白了|没有了|没了|嗯+|哦+|是的?|对)$")
_PUNCTUATION = re.compile(r"[?？。.!！~～,，\s]+")


def is_follow_up(text: Text) -> bool:
    """A short message that asks on from the previous question instead of naming its own subject."""
    normalised = normalize(text).strip()
    if not normalised or len(normalised) > MAX_FOLLOW_UP_CHARS:
        return False
    if not (_OPENING.match(normalised) or _CLOSING.search(normalised) or _BARE_ASK.match(normalised)):
        return False
    core = _PUNCTUATION.sub("", _CLOSING.sub("", _OPENING.sub("", normalised)))
    return len(core) >= 2 and not _COURTESY.match(core)


def previous_answered_question(events: List[Dict[Text, Any]]) -> Optional[Text]:
    """The citizen's message before the latest one, when the assistant answered it with a source."""
    cited = False
    users_seen = 0
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            users_seen += 1
            if users_seen == 2:
                return (event.get("text") or None) if cited else None
        elif kind == "bot" and users_seen == 1 and CITATION_PREFIX in (event.get("text") or ""):
            cited = True
    return None


async def answer_in_context(tracker: Tracker) -> Optional[Answer]:
    """The confident answer to the latest message read with the question before it, or None."""
    text = tracker.latest_message.get("text") or ""
    if not is_follow_up(text):
        return None
    previous = previous_answered_question(tracker.events)
    if previous is None:
        return None
    result = await knowledge.search(f"{previous.rstrip()} {text.strip()}")
    return result if result.confident else None


async def answered_as_follow_up(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Answer the latest message as a follow-up when it is one and that answer is confident."""
    result = await answer_in_context(tracker)
    if result is None:
        return False
    knowledge.send_answer(dispatcher, result)
    return True
