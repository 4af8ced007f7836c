"""Dense sentence features for DIET from the project's sentence-transformers model.

The same model that ranks knowledge passages (``EMBEDDING_MODEL``) gives each message a
normalised sentence vector; DIET combines it with the sparse word and character n-gram features.
Whether this helps is measured, not assumed: see README (intent macro-F1 with and without).
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from core.settings import settings
from index.encoder import get_encoder


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # model: a path or name; None means the EMBEDDING_MODEL setting.
        return {**DenseFeaturizer.get_default_config(), "model": None, "batch_size": 64}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if int(config.get("batch_size", 1)) < 1:
            raise ValueError("batch_size must be a positive integer")

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self.model: Text = config.get("model") or settings().embedding_model
        self.batch_size = int(config["batch_size"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentenceEmbeddingFeaturizer":
        return cls(config, execution_context.node_name)

    def _embed(self, messages: List[Message]) -> None:
        with_text = [m for m in messages if m.get(TEXT)]
        if not with_text:
            return
        vectors: np.ndarray = get_encoder(self.model).encode([m.get(TEXT) for m in with_text], batch_size=self.batch_size)
        for message, vector in zip(with_text, vectors):
            self.add_features_to_message(sequence=None, sentence=vector[np.newaxis, :], attribute=TEXT, message=message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._embed(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._embed(messages)
        return messages
