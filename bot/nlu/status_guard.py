"""An unsure classifier does not lose a citizen asking about their own case.

"我之前提交的建议现在有结果了吗" is rare in the training data's wording and can fall below the
fallback threshold, so it got "please rephrase". When the classifier is unsure (``nlu_fallback``)
and the words are an unmistakable status request by the arbitration's own definition (a tracking
number, or "我……提交的……有结果了吗" that is not a question of how to check), the message is
``check_status``. A confident prediction is left alone: the arbitration decides those.
"""
from __future__ import annotations

from typing import Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.arbitration import status_request
from bot.nlu.forced_intent import IntentGuard, predicted_intent
from core.textnorm import normalize

FALLBACK_INTENT = DEFAULT_NLU_FALLBACK_INTENT_NAME  # "nlu_fallback"
STATUS_INTENT = "check_status"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class StatusRequestGuard(IntentGuard):
    """Turns an unsure prediction into ``check_status`` when the words ask about one's own case."""

    def forced_intent(self, message: Message) -> Optional[Text]:
        if predicted_intent(message) != FALLBACK_INTENT:
            return None
        return STATUS_INTENT if status_request(normalize(message.get(TEXT) or "")) else None
