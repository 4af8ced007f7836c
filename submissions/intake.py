"""Turn a :class:`PetitionInput` / :class:`SuggestionInput` into validated, normalised fields."""
from __future__ import annotations

import json
from typing import Callable, Optional

from submissions.errors import InvalidSubmission
from submissions.records import PetitionInput, SubmissionInput, SuggestionInput
from submissions.validation import (
    SKIP,
    FieldResult,
    validate_address,
    validate_district,
    validate_email,
    validate_id_number,
    validate_mobile,
    validate_name,
    validate_petition_content,
    validate_request,
    validate_suggestion_content,
    validate_title,
)

Validator = Callable[[Optional[str]], FieldResult]

_PETITION_FIELDS: dict[str, Validator] = {
    "name": validate_name,
    "mobile": validate_mobile,
    "district": validate_district,
    "address": validate_address,
    "id_number": validate_id_number,
    "email": validate_email,
    "content": validate_petition_content,
    "request": validate_request,
}
_SUGGESTION_FIELDS: dict[str, Validator] = {
    "name": validate_name,
    "mobile": validate_mobile,
    "district": validate_district,
    "email": validate_email,
    "title": validate_title,
    "content": validate_suggestion_content,
}

NormalizedFields = dict[str, Optional[str]]


def normalize_submission(data: SubmissionInput) -> NormalizedFields:
    """Validated fields (skipped optional ones as None); raises :class:`InvalidSubmission`."""
    if isinstance(data, PetitionInput):
        validators = _PETITION_FIELDS
    elif isinstance(data, SuggestionInput):
        validators = _SUGGESTION_FIELDS
    else:
        raise TypeError("expected PetitionInput or SuggestionInput")
    values: NormalizedFields = {}
    errors: dict[str, str] = {}
    for field_name, validate in validators.items():
        raw = getattr(data, field_name)
        result = validate(raw if raw is None or isinstance(raw, str) else str(raw))
        if result.ok:
            values[field_name] = None if result.value == SKIP else result.value
        else:
            errors[field_name] = result.error or "无效"
    if errors:
        raise InvalidSubmission(errors)
    return values


def fingerprint_text(data: SubmissionInput, values: NormalizedFields) -> str:
    """A canonical text of kind + fields: equal for a retry, different for other content."""
    return json.dumps({"kind": data.kind.value, **values}, ensure_ascii=False, sort_keys=True)
