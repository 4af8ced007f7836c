"""NLU components that run after the classifier and override its prediction on unmistakable words."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message


class IntentGuard(GraphComponent, IntentClassifier):
    """Base of the guards: a subclass says which intent, if any, a message must have."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = config

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "IntentGuard":
        return cls(config)

    def forced_intent(self, message: Message) -> Optional[Text]:
        raise NotImplementedError

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent_name = self.forced_intent(message)
            if intent_name is not None:
                force_intent(message, intent_name)
        return messages


def predicted_intent(message: Message) -> Text:
    return (message.get(INTENT) or {}).get(INTENT_NAME_KEY) or ""


def force_intent(message: Message, intent_name: str) -> None:
    """Make ``intent_name`` the prediction (confidence 1.0) and every other ranked intent 0."""
    forced = {INTENT_NAME_KEY: intent_name, PREDICTED_CONFIDENCE_KEY: 1.0}
    ranking = [
        {**entry, PREDICTED_CONFIDENCE_KEY: 0.0}
        for entry in message.get(INTENT_RANKING_KEY) or []
        if entry.get(INTENT_NAME_KEY) != intent_name
    ]
    message.set(INTENT, forced, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [forced, *ranking], add_to_output=True)
