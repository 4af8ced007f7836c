"""Values passed into and returned from :class:`submissions.service.SubmissionStore`.

Every ``repr`` here masks personal data, so these objects are safe in logs and tracebacks.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import ClassVar, Optional, Union

from core.personal_data.masking import mask_address, mask_email, mask_id_number, mask_mobile, mask_name
from core.timeutil import format_shanghai
from submissions.workflow import Kind, Status


@dataclass(frozen=True)
class PetitionInput:
    """What the citizen gave for a 信访事项 (slot values; the store validates them again).

    Optional fields may be ``None``, ``""`` or :data:`submissions.validation.SKIP`.
    """

    kind: ClassVar[Kind] = Kind.PETITION
    name: str
    mobile: str
    district: str
    address: str
    content: str
    request: str
    id_number: Optional[str] = None
    email: Optional[str] = None

    def __repr__(self) -> str:
        return (
            f"PetitionInput(name={mask_name(self.name)!r}, mobile={mask_mobile(self.mobile)!r}, "
            f"district={self.district!r}, id_number={mask_id_number(self.id_number)!r}, "
            f"email={mask_email(self.email)!r}, content=<{len(self.content or '')} chars>)"
        )


@dataclass(frozen=True)
class SuggestionInput:
    """What the citizen gave for a 人民建议."""

    kind: ClassVar[Kind] = Kind.SUGGESTION
    name: str
    mobile: str
    district: str
    title: str
    content: str
    email: Optional[str] = None

    def __repr__(self) -> str:
        return (
            f"SuggestionInput(name={mask_name(self.name)!r}, mobile={mask_mobile(self.mobile)!r}, "
            f"district={self.district!r}, email={mask_email(self.email)!r}, title={self.title!r}, "
            f"content=<{len(self.content or '')} chars>)"
        )


SubmissionInput = Union[PetitionInput, SuggestionInput]


@dataclass(frozen=True)
class SubmissionReceipt:
    """Returned by ``create_submission`` once the record is committed.

    ``created`` is False when an earlier submission with the same idempotency key was returned.
    """

    tracking_number: str
    kind: Kind
    status: Status
    created_at: datetime
    created: bool

    @property
    def created_at_text(self) -> str:
        """Creation time in Shanghai, ``YYYY-MM-DD HH:MM``."""
        return format_shanghai(self.created_at)


@dataclass(frozen=True)
class StatusEvent:
    """One step of the history as a citizen sees it: no staff names, no internal notes."""

    status: Status
    changed_at: datetime

    @property
    def label(self) -> str:
        return self.status.label

    @property
    def changed_at_text(self) -> str:
        return format_shanghai(self.changed_at)


@dataclass(frozen=True)
class StatusChange:
    """One step of the history as staff see it."""

    previous: Optional[Status]
    status: Status
    changed_at: datetime
    actor: str
    note: Optional[str] = None

    @property
    def changed_at_text(self) -> str:
        return format_shanghai(self.changed_at)


@dataclass(frozen=True)
class SubmissionRecord:
    """A decrypted submission for staff. Its ``repr`` is masked; use :func:`submissions.export` to show it."""

    tracking_number: str
    kind: Kind
    status: Status
    created_at: datetime
    channel: str
    consent_at: datetime
    district: str
    name: str
    mobile: str
    id_number: Optional[str]
    email: Optional[str]
    address: Optional[str]
    title: Optional[str]
    content: str
    request: Optional[str]
    history: tuple[StatusChange, ...] = ()

    def __repr__(self) -> str:
        return (
            f"SubmissionRecord({self.tracking_number}, {self.kind.value}, {self.status.value}, "
            f"name={mask_name(self.name)!r}, mobile={mask_mobile(self.mobile)!r}, "
            f"id_number={mask_id_number(self.id_number)!r}, email={mask_email(self.email)!r}, "
            f"address={mask_address(self.address)!r})"
        )

    __str__ = __repr__


class LookupOutcome(str, Enum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class LookupResult:
    """Result of a citizen's status lookup. Holds no personal data.

    * ``FOUND``: kind, status, created_at and history are set.
    * ``NOT_FOUND``: nothing else is set — identical for an unknown number, a wrong last 4 and
      malformed input.
    * ``THROTTLED``: ``retry_after_seconds`` says how long to wait.
    """

    outcome: LookupOutcome
    tracking_number: Optional[str] = None
    kind: Optional[Kind] = None
    status: Optional[Status] = None
    created_at: Optional[datetime] = None
    history: tuple[StatusEvent, ...] = ()
    retry_after_seconds: int = 0
    # From the staff desk: the department handling it, the reply written to the citizen (personal
    # data masked), and the last day of the statutory period that runs now (petitions only).
    department: Optional[str] = None
    reply: Optional[str] = None
    replied_at: Optional[datetime] = None
    expected_by: Optional[date] = None
    expected_what: Optional[str] = None

    @property
    def found(self) -> bool:
        return self.outcome is LookupOutcome.FOUND


@dataclass(frozen=True)
class AuditEvent:
    at: datetime
    actor: str
    action: str
    detail: str
