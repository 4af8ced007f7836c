"""Durable records of petitions (信访事项) and people's suggestions (人民建议).

Public API (see the modules for details):

* :class:`SubmissionStore` (``service``): ``create_submission``, ``lookup``, ``update_status``,
  ``get_record``, ``list_records``; build it with ``SubmissionStore.from_settings()``.
* ``validation``: pure ``validate_*`` functions for the form, returning :class:`FieldResult`.
* ``records``: the input and result types.
"""
from submissions.errors import (
    ConcurrentUpdate,
    ConsentRequired,
    IdempotencyConflict,
    InvalidSubmission,
    InvalidTransition,
    SubmissionError,
    SubmissionNotFound,
    UnknownValue,
)
from submissions.records import (
    LookupOutcome,
    LookupResult,
    PetitionInput,
    StatusChange,
    StatusEvent,
    SubmissionReceipt,
    SubmissionRecord,
    SuggestionInput,
)
from submissions.service import SubmissionStore
from submissions.throttle import ThrottlePolicy
from submissions.validation import SKIP, FieldResult
from submissions.workflow import Kind, Status

__all__ = [
    "SKIP", "ConcurrentUpdate", "ConsentRequired", "FieldResult", "IdempotencyConflict",
    "InvalidSubmission", "InvalidTransition", "Kind", "LookupOutcome", "LookupResult", "PetitionInput",
    "Status", "StatusChange", "StatusEvent", "SubmissionError", "SubmissionNotFound", "SubmissionReceipt",
    "SubmissionRecord", "SubmissionStore", "SuggestionInput", "ThrottlePolicy", "UnknownValue",
]
