"""Last step of the NLU pipeline: unmistakable emergencies override every other prediction.

The classifier learns emergencies from examples, but a threat to life must never depend on a
confidence score or fall into the fallback. Phrases that can only mean "danger now" force the
``emergency`` intent, so the 110 / 120 / 119 answer comes first in every state of the conversation.
"""
from __future__ import annotations

from typing import Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.emergency import EMERGENCY_INTENT, is_emergency
from bot.nlu.forced_intent import IntentGuard


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EmergencyGuard(IntentGuard):
    """Forces the ``emergency`` intent (confidence 1.0) when an emergency phrase is present."""

    def forced_intent(self, message: Message) -> Optional[Text]:
        return EMERGENCY_INTENT if is_emergency(message.get(TEXT) or "") else None
