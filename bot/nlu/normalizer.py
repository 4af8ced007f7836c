"""First step of the NLU pipeline: every message is normalised before it is tokenised.

Traditional characters become Simplified, full-width letters and digits half-width, whitespace is
trimmed and very long messages are capped at ``MAX_INPUT_CHARS`` (start and end kept), so the
classifier sees one form of Chinese. This is the one place the cap is applied: every channel's
message passes here, and the actions (knowledge answers included) read the text it leaves. Training
examples pass through the same step, so what the model learns matches what it will see.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_END, ENTITY_ATTRIBUTE_START, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from core.settings import settings
from core.textnorm import normalize, strip_markup
from submissions.tracking import join_tracking_numbers

ORIGINAL_TEXT_KEY = "original_text"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class TextNormalizer(GraphComponent):
    """Rewrites ``message.data["text"]`` in place; the untouched text is kept under ``original_text``.

    Rasa puts the NLU text into ``parse_data``, so actions would otherwise only see the normalised
    (and possibly capped) text; ``original_text`` is part of the output for the citizen's own words.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.max_chars = settings().max_input_chars  # longer messages: start and end kept

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TextNormalizer":
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalise(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._normalise(message)
        return messages

    def _normalise(self, message: Message) -> None:
        text: Optional[Text] = message.get(TEXT)
        if not text:
            return
        normalised = join_tracking_numbers(strip_markup(normalize(text, self.max_chars)))
        if normalised == text:
            return
        message.set(ORIGINAL_TEXT_KEY, text, add_to_output=True)
        message.set(TEXT, normalised)
        if message.get(ENTITIES):
            message.set(ENTITIES, _realign(message.get(ENTITIES), text, normalised))


def _realign(
    entities: List[Dict[Text, Any]], original_text: Text, normalised_text: Text
) -> List[Dict[Text, Any]]:
    """Entity offsets of a training example after normalisation changed the text.

    Entities whose surface form can no longer be found (for example cut off by the length cap)
    are dropped rather than left pointing at the wrong characters.
    """
    realigned = []
    search_from = 0
    for entity in sorted(entities, key=lambda e: e.get(ENTITY_ATTRIBUTE_START, 0)):
        start, end = entity.get(ENTITY_ATTRIBUTE_START), entity.get(ENTITY_ATTRIBUTE_END)
        surface = normalize(original_text[start:end]) if start is not None and end is not None else ""
        position = normalised_text.find(surface, search_from) if surface else -1
        if position < 0:
            continue
        realigned.append({**entity, ENTITY_ATTRIBUTE_START: position, ENTITY_ATTRIBUTE_END: position + len(surface)})
        search_from = position + len(surface)
    return realigned
