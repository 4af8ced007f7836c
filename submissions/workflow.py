"""The two kinds of submission and the status workflow staff move them through.

Codes (``petition``, ``accepted`` ...) are what the database stores; the Chinese labels are what
people see. Allowed transitions::

    已提交 → 已受理 → 办理中 → 已办结
           ↘ 不予受理

不予受理 and 已办结 are final.
"""
from __future__ import annotations

from enum import Enum

from submissions.errors import InvalidTransition, UnknownValue


class Kind(str, Enum):
    PETITION = "petition"
    SUGGESTION = "suggestion"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def prefix(self) -> str:
        """First two letters of the tracking number."""
        return _KIND_PREFIXES[self]


_KIND_LABELS = {Kind.PETITION: "信访事项", Kind.SUGGESTION: "人民建议"}
_KIND_PREFIXES = {Kind.PETITION: "XF", Kind.SUGGESTION: "JY"}


class Status(str, Enum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def is_final(self) -> bool:
        return not ALLOWED_TRANSITIONS[self]


_STATUS_LABELS = {
    Status.SUBMITTED: "已提交",
    Status.ACCEPTED: "已受理",
    Status.REJECTED: "不予受理",
    Status.IN_PROGRESS: "办理中",
    Status.CLOSED: "已办结",
}

ALLOWED_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.SUBMITTED: frozenset({Status.ACCEPTED, Status.REJECTED}),
    Status.ACCEPTED: frozenset({Status.IN_PROGRESS}),
    Status.IN_PROGRESS: frozenset({Status.CLOSED}),
    Status.REJECTED: frozenset(),
    Status.CLOSED: frozenset(),
}


def parse_kind(text: str) -> Kind:
    """A kind from its code (``petition``), label (``信访事项``) or prefix (``XF``)."""
    wanted = text.strip()
    for kind in Kind:
        if wanted.lower() == kind.value or wanted == kind.label or wanted.upper() == kind.prefix:
            return kind
    choices = "、".join(f"{kind.value}（{kind.label}）" for kind in Kind)
    raise UnknownValue(f"未知的类型“{wanted}”，可选：{choices}")


def parse_status(text: str) -> Status:
    """A status from its code (``in_progress``) or its Chinese label (``办理中``)."""
    wanted = text.strip()
    for status in Status:
        if wanted.lower() == status.value or wanted == status.label:
            return status
    choices = "、".join(f"{status.value}（{status.label}）" for status in Status)
    raise UnknownValue(f"未知的状态“{wanted}”，可选：{choices}")


def check_transition(current: Status, target: Status) -> None:
    """Raise :class:`InvalidTransition` unless ``current → target`` is allowed."""
    allowed = ALLOWED_TRANSITIONS[current]
    if target in allowed:
        return
    if not allowed:
        reason = f"“{current.label}”是最终状态，不能再变更"
    else:
        options = "、".join(status.label for status in Status if status in allowed)
        reason = f"不能从“{current.label}”变更为“{target.label}”，允许的下一状态：{options}"
    raise InvalidTransition(current, target, reason)
