"""Latin letters the classifier was never taught are not small talk.

The training data holds a few English courtesies ("hello", "thank you"), so a string of Latin
letters ("asdkjh qwpeoiu zmxnb") can come out as ``thank`` or ``greet`` with confidence and get
"不客气". A message without Chinese characters that the classifier files as small talk, and that is
none of those courtesies, becomes ``nlu_fallback``: the two-stage fallback asks to rephrase, then
offers people. A message made only of English courtesy words ("ok thx, bye~") gets the courtesy's
intent whatever the classifier said (it filed that one as off-topic).
"""
from __future__ import annotations

import re
from typing import Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.forced_intent import IntentGuard, predicted_intent

SMALL_TALK_INTENTS = frozenset({"greet", "goodbye", "thank", "bot_challenge", "ask_capabilities", "affirm", "deny", "stop"})
_CHINESE = re.compile(r"[\u4e00-\u9fff]")
_LATIN_COURTESY = re.compile(
    r"^(hi|hello|hey|hallo|thanks|thank you|thx|ty|bye|goodbye|bye bye|see you|ok|okay|yes|yep|no|nope|sure"
    r"|who are you|are you a (bot|robot|human)|what can you do)"
    r"( (very much|so much|there|a lot))?[\s!.?,~]*$",
    re.IGNORECASE,
)


# English courtesies strung together ("ok thx, bye~") that the classifier was not taught as a whole.
_COURTESY_WORDS = frozenset(
    "ok okay thx thanks thank you u ty bye goodbye see hi hello hey very much so a lot great cool".split())
_COURTESY_INTENTS = (("goodbye", frozenset({"bye", "goodbye", "see"})), ("thank", frozenset({"thx", "thanks", "thank", "ty"})),
                     ("greet", frozenset({"hi", "hello", "hey"})))


def courtesy_intent(text: str) -> Optional[Text]:
    """The small-talk intent of a message made only of English courtesy words, or None."""
    words = re.findall(r"[A-Za-z]+", text)
    lowered = {word.lower() for word in words}
    if not words or _CHINESE.search(text) or not lowered <= _COURTESY_WORDS:
        return None
    return next((intent for intent, markers in _COURTESY_INTENTS if lowered & markers), None)


def is_latin_courtesy(text: str) -> bool:
    """"hello", "Thank you!", "bye": the English courtesies the classifier was taught."""
    return bool(_LATIN_COURTESY.match(text.strip()))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class LatinTextGuard(IntentGuard):
    """Turns small talk heard in untaught Latin letters into ``nlu_fallback``, and English courtesy
    words into their small-talk intent."""

    def forced_intent(self, message: Message) -> Optional[Text]:
        text = message.get(TEXT) or ""
        courtesy = courtesy_intent(text)
        if courtesy is not None:
            return courtesy if courtesy != predicted_intent(message) else None
        if predicted_intent(message) not in SMALL_TALK_INTENTS or _CHINESE.search(text) or is_latin_courtesy(text):
            return None
        return DEFAULT_NLU_FALLBACK_INTENT_NAME
