"""Last step of the NLU pipeline: unmistakable emergencies override every other prediction.

The classifier learns emergencies from examples, but a threat to life must never depend on a
confidence score or fall into the fallback. Phrases that can only mean "danger now" force the
``emergency`` intent, so the 110 / 120 / 119 answer comes first in every state of the conversation.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

EMERGENCY_INTENT = "emergency"

# Present-tense danger: fire, violence, self-harm, medical collapse, gas, people trapped.
EMERGENCY_PATTERNS: tuple[str, ...] = (
    r"(着|起|失)火(了|啦)|火灾|烧起来了",
    r"救命",
    r"(有人|正在|在)(打架|斗殴|打人|行凶|砍人|捅人|杀人)",
    r"(拿|持)(刀|枪|棍)",
    r"(跳楼|跳河|轻生|自杀|不想活)",
    r"(晕倒|昏迷|没有?呼吸|心脏骤停|大出血|流了很多血)",
    r"(有人|好多人|孩子|老人|我)(受伤|流血)了",
    r"(煤气|燃气|天然气)泄漏",
    r"出车祸",
    r"(被困|困在).{0,4}(电梯|火|水)",
    r"(落水|溺水)",
    r"(家暴|在打我|打我了|被人打了)",
    r"(绑架|被抢走|劫持)",
    r"(闯进|闯入)我家|砸我家",
)
_EMERGENCY = re.compile("|".join(f"(?:{p})" for p in EMERGENCY_PATTERNS))


def is_emergency(text: str) -> bool:
    """True when the (normalised) text describes danger happening now."""
    return bool(_EMERGENCY.search(text or ""))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EmergencyGuard(GraphComponent, IntentClassifier):
    """Forces the ``emergency`` intent (confidence 1.0) when an emergency phrase is present."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = config

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "EmergencyGuard":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if is_emergency(message.get(TEXT) or ""):
                _force_intent(message, EMERGENCY_INTENT)
        return messages


def _force_intent(message: Message, intent_name: str) -> None:
    forced = {INTENT_NAME_KEY: intent_name, PREDICTED_CONFIDENCE_KEY: 1.0}
    ranking = [
        {**entry, PREDICTED_CONFIDENCE_KEY: 0.0}
        for entry in message.get(INTENT_RANKING_KEY) or []
        if entry.get(INTENT_NAME_KEY) != intent_name
    ]
    message.set(INTENT, forced, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [forced, *ranking], add_to_output=True)
