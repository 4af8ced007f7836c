"""Rasa's check of every action server response, without re-checking its schema each time.

Rasa validates each response of the action server against a JSON schema with
``jsonschema.validate``, which first checks the schema itself against the JSON Schema
meta-schema, on every call. Profiled under 10 concurrent citizens (``python -m benchmarks``,
py-spy), that schema check alone took about a third of the Rasa server's CPU time: a form turn
calls the action server two to four times. A validator built once from the same schema gives
the same verdicts and the same error messages.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

from jsonschema import exceptions, validators
from jsonschema.protocols import Validator
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def action_response_validator() -> Validator:
    """A validator of Rasa's action response schema; the schema is checked once, here."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """What ``RemoteAction._validate_action_result`` does, with the validator built once."""
    error = exceptions.best_match(action_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def use_cached_action_response_validator() -> None:
    """Make every remote action (custom actions, form validations) use the cached validator."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
