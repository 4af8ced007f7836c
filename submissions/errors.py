"""Exceptions of the submissions package.

Messages never contain personal data (no mobile, ID number, e-mail or name), so they are safe to
log and to show to staff.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:
    from submissions.workflow import Status


class SubmissionError(Exception):
    """Base class for every error raised by this package."""


class UnknownValue(SubmissionError, ValueError):
    """A kind, status or format name that does not exist."""


class InvalidSubmission(SubmissionError, ValueError):
    """One or more fields failed validation; ``field_errors`` maps field name → Chinese message."""

    def __init__(self, field_errors: Mapping[str, str]) -> None:
        self.field_errors = dict(field_errors)
        super().__init__("提交内容未通过校验：" + "；".join(f"{name}：{message}" for name, message in self.field_errors.items()))


class ConsentRequired(SubmissionError):
    """The citizen has not agreed to the privacy notice."""

    def __init__(self) -> None:
        super().__init__("未同意隐私告知，不能保存提交内容")


class IdempotencyConflict(SubmissionError):
    """The idempotency key was already used for a submission with different content."""

    def __init__(self) -> None:
        super().__init__("该幂等键已用于内容不同的另一次提交")


class SubmissionNotFound(SubmissionError, LookupError):
    def __init__(self, tracking_number: str) -> None:
        super().__init__(f"没有找到编号为 {tracking_number} 的记录")


class InvalidTransition(SubmissionError):
    def __init__(self, current: "Status", target: "Status", reason: str) -> None:
        self.current = current
        self.target = target
        super().__init__(reason)


class ConcurrentUpdate(SubmissionError):
    """Someone else changed the status between our read and our write."""

    def __init__(self, tracking_number: str) -> None:
        super().__init__(f"编号 {tracking_number} 的状态刚被他人修改，请刷新后重试")


class TrackingNumberExhausted(SubmissionError):
    """Could not find an unused tracking number after several attempts (should never happen)."""


class InvalidDeskInput(SubmissionError, ValueError):
    """A staff desk input that cannot be used; ``field`` names it, the message says why (Chinese)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


class StaleVersion(SubmissionError):
    """The case changed since the staff member opened it (optimistic check on ``version``)."""

    def __init__(self, tracking_number: str, current_version: int) -> None:
        self.current_version = current_version
        super().__init__(f"办件 {tracking_number} 在您打开之后已被他人修改，本次操作未保存。请刷新后查看最新内容再操作。")
