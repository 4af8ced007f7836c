"""Citizens' follow-ups on a filed case: rate staff's reply, add material (补充材料), ask for
progress (催办).

The conversation calls these only after a verified status lookup (tracking number + mobile last
4), so the caller has already proved it is the citizen. Each follow-up is a row of
``case_followups`` and a history event of the case (actor 信访人); it does not raise the case's
version, so staff working on the case are not interrupted, and the desk shows it as unseen until
a staff member opens the case. Free text (the reason for 不满意, the material) is capped, stored
encrypted and shown to staff masked, like the case's content.

Rules: a reply is rated once (a new reply may be rated again), with the department that handled
it then; material and 催办 only while the case is open; 催办 at most once per case per
:data:`URGE_INTERVAL`, material at most :data:`SUPPLEMENTS_PER_DAY` times a day.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Iterable, Optional

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.personal_data.masking import CONTROL_CHARACTERS, redact_personal_data
from core.timeutil import format_shanghai
from submissions.clocks import case_clocks, running_clock
from submissions.errors import SubmissionError, SubmissionNotFound
from submissions.models import CaseFollowupRow, StatusChangeRow, SubmissionRow
from submissions.service import SubmissionStore
from submissions.tracking import normalize_tracking_number
from submissions.workflow import Kind, Status

CITIZEN_ACTOR = "信访人"
REASON_MAX, SUPPLEMENT_MAX = 500, 2000
URGE_INTERVAL = timedelta(hours=24)
SUPPLEMENTS_PER_DAY = 5
NO_DEPARTMENT = "未指派"


class FollowupKind(str, Enum):
    RATING = "rating"
    SUPPLEMENT = "supplement"
    URGE = "urge"

    @property
    def label(self) -> str:
        return {"rating": "评价答复", "supplement": "补充材料", "urge": "催办"}[self.value]


class Rating(str, Enum):
    SATISFIED = "satisfied"
    BASIC = "basic"
    UNSATISFIED = "unsatisfied"

    @property
    def label(self) -> str:
        return {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}[self.value]


def parse_rating(value: object) -> Optional[Rating]:
    """A rating from its code or its Chinese label, else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    return next((rating for rating in Rating if text in (rating.value, rating.label)), None)


class FollowupRefused(SubmissionError):
    """A follow-up that cannot be recorded; the message (Chinese) is what the citizen is told."""


@dataclass(frozen=True)
class CaseOffer:
    """What the citizen may do next on a case (the buttons under the status reply)."""

    tracking_number: str
    rating_refused: Optional[str]  # why the reply cannot be rated (none yet, or rated), else None
    is_open: bool  # 补充材料 and 催办 make sense

    @property
    def can_rate(self) -> bool:
        return self.rating_refused is None


@dataclass(frozen=True)
class UrgeReceipt:
    at: datetime
    next_allowed_at: datetime
    expected_by: Optional[date]
    expected_what: Optional[str]  # the running clock's name (受理告知 / 办理)


@dataclass(frozen=True)
class FollowupView:
    """One follow-up as staff see it (text masked)."""

    at: datetime
    kind: FollowupKind
    department: Optional[str]
    rating: Optional[Rating]
    text: Optional[str]
    seen: bool


@dataclass(frozen=True)
class DepartmentRatings:
    department: str
    counts: dict[Rating, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, rating: Rating) -> float:
        return self.counts.get(rating, 0) / self.total if self.total else 0.0


def clean_text(value: object, label: str, max_chars: int) -> str:
    """The citizen's text without control characters (line breaks kept); FollowupRefused when
    empty or longer than ``max_chars``."""
    text = CONTROL_CHARACTERS.sub("", value if isinstance(value, str) else "").replace("\r\n", "\n").strip()
    if not text:
        raise FollowupRefused(f"{label}不能为空，请直接输入文字。")
    if len(text) > max_chars:
        raise FollowupRefused(f"{label}过长：最多 {max_chars} 个字，您发送了 {len(text)} 个字，请精简后重新发送。")
    return text


class CaseFollowups:
    """Follow-ups on the cases of one :class:`SubmissionStore`."""

    def __init__(self, store: SubmissionStore) -> None:
        self._store = store

    # --- the citizen ---------------------------------------------------------------------------

    def offer(self, tracking_number: str) -> CaseOffer:
        with self._store.session() as session:
            row = _row(session, tracking_number)
            return CaseOffer(row.tracking_number, self._rating_refused(session, row), not Status(row.status).is_final)

    def rate(self, tracking_number: str, rating: object, reason: object = None) -> Rating:
        chosen = parse_rating(rating)
        if chosen is None:
            raise FollowupRefused("请选择“满意”“基本满意”或“不满意”。")
        why = clean_text(reason, "不满意的原因", REASON_MAX) if chosen is Rating.UNSATISFIED else None
        now = self._store.now()
        try:
            with self._store.session() as session, session.begin():
                row = _row(session, tracking_number, lock=True)
                refused = self._rating_refused(session, row)
                if refused:
                    raise FollowupRefused(refused)
                session.add(CaseFollowupRow(
                    submission_id=row.id, kind=FollowupKind.RATING.value, at=now, department=row.department,
                    rating=chosen.value, text_enc=self._store.protector.encrypt_optional(why),
                    rated_reply=_reply_key(row)))
                _history(session, row, now, FollowupKind.RATING, f"评价：{chosen.label}")
        except IntegrityError as exc:  # the same reply rated at the same moment from elsewhere
            raise FollowupRefused("您已评价过这次答复，谢谢！工作人员再次答复后，可以再评价。") from exc
        return chosen

    def supplement(self, tracking_number: str, text: object) -> int:
        """Record material added to an open case; returns its length in characters."""
        material = clean_text(text, "补充材料", SUPPLEMENT_MAX)
        now = self._store.now()
        with self._store.session() as session, session.begin():
            row = _row(session, tracking_number, lock=True)
            _refuse_if_final(row, "不能再补充材料。如有新的情况，可以重新提交，或拨打 12345 市民服务热线。")
            today = self._count(session, row, FollowupKind.SUPPLEMENT, now - timedelta(hours=24))
            if today >= SUPPLEMENTS_PER_DAY:
                raise FollowupRefused(f"该办件 24 小时内已补充 {today} 次材料，请明天再补充，或拨打 12345 市民服务热线。")
            session.add(CaseFollowupRow(submission_id=row.id, kind=FollowupKind.SUPPLEMENT.value, at=now,
                                        department=row.department, text_enc=self._store.protector.encrypt(material)))
            _history(session, row, now, FollowupKind.SUPPLEMENT, f"补充材料 {len(material)} 字")
        return len(material)

    def urge(self, tracking_number: str) -> UrgeReceipt:
        now = self._store.now()
        with self._store.session() as session, session.begin():
            row = _row(session, tracking_number, lock=True)
            _refuse_if_final(row, "无需催办。")
            clock = running_clock(case_clocks(Kind(row.kind), Status(row.status), row.created_at, row.decided_at,
                                              row.accepted_at, row.closed_at, row.extension_days))
            expected = expected_text(clock.due if clock else None, clock.name if clock else None)
            latest = session.execute(
                select(func.max(CaseFollowupRow.at)).where(CaseFollowupRow.submission_id == row.id,
                                                           CaseFollowupRow.kind == FollowupKind.URGE.value)
            ).scalar_one()
            if latest is not None:
                latest = _aware(latest, now)
                if now - latest < URGE_INTERVAL:
                    raise FollowupRefused(
                        f"您已于 {format_shanghai(latest)} 催办过该办件，24 小时内只能催办一次，"
                        f"请在 {format_shanghai(latest + URGE_INTERVAL)}（北京时间）后再催办。{expected}")
            session.add(CaseFollowupRow(submission_id=row.id, kind=FollowupKind.URGE.value, at=now,
                                        department=row.department))
            _history(session, row, now, FollowupKind.URGE, "催办")
        return UrgeReceipt(now, now + URGE_INTERVAL, clock.due if clock else None, clock.name if clock else None)

    # --- staff ---------------------------------------------------------------------------------

    def for_case(self, session: Session, submission_id: int) -> list[FollowupView]:
        """Oldest first, the text decrypted and masked."""
        protect = self._store.protector
        rows = session.execute(select(CaseFollowupRow).where(CaseFollowupRow.submission_id == submission_id)
                               .order_by(CaseFollowupRow.at, CaseFollowupRow.id)).scalars()
        return [FollowupView(row.at, FollowupKind(row.kind), row.department, Rating(row.rating) if row.rating else None,
                             redact_personal_data(text) if (text := protect.decrypt_optional(row.text_enc)) else None,
                             row.seen_at is not None)
                for row in rows]

    def mark_seen(self, tracking_number: str) -> int:
        """Staff opened the case: its follow-ups are no longer new. Returns how many were."""
        now = self._store.now()
        with self._store.session() as session, session.begin():
            row = _row(session, tracking_number)
            return session.execute(
                update(CaseFollowupRow).where(CaseFollowupRow.submission_id == row.id, CaseFollowupRow.seen_at.is_(None))
                .values(seen_at=now).execution_options(synchronize_session=False)).rowcount

    def department_ratings(self) -> list[DepartmentRatings]:
        """Ratings per department (the department when the reply was rated), most rated first."""
        with self._store.session() as session:
            counted = session.execute(
                select(CaseFollowupRow.department, CaseFollowupRow.rating, func.count(CaseFollowupRow.id))
                .where(CaseFollowupRow.kind == FollowupKind.RATING.value)
                .group_by(CaseFollowupRow.department, CaseFollowupRow.rating)).all()
        table: dict[str, dict[Rating, int]] = {}
        for department, rating, count in counted:
            table.setdefault(department or NO_DEPARTMENT, {})[Rating(rating)] = count
        result = [DepartmentRatings(name, counts) for name, counts in table.items()]
        return sorted(result, key=lambda entry: (-entry.total, entry.department))

    # --- internals -----------------------------------------------------------------------------

    def _rating_refused(self, session: Session, row: SubmissionRow) -> Optional[str]:
        if row.reply_enc is None or row.replied_at is None:
            return "该办件还没有答复，收到答复后才能评价。"
        found = session.execute(select(CaseFollowupRow.rating)
                                .where(CaseFollowupRow.rated_reply == _reply_key(row))).scalar_one_or_none()
        if found:
            return f"您已评价过这次答复（{Rating(found).label}），谢谢！工作人员再次答复后，可以再评价。"
        return None

    def _count(self, session: Session, row: SubmissionRow, kind: FollowupKind, since: datetime) -> int:
        return session.execute(select(func.count(CaseFollowupRow.id)).where(
            CaseFollowupRow.submission_id == row.id, CaseFollowupRow.kind == kind.value,
            CaseFollowupRow.at > since)).scalar_one()


def unseen_followups(session: Session, submission_ids: Iterable[int]) -> dict[int, tuple[int, bool]]:
    """Per case: how many follow-ups staff have not seen, and whether one of them is a 催办."""
    ids = list(submission_ids)
    if not ids:
        return {}
    counted = session.execute(
        select(CaseFollowupRow.submission_id, CaseFollowupRow.kind, func.count(CaseFollowupRow.id))
        .where(CaseFollowupRow.submission_id.in_(ids), CaseFollowupRow.seen_at.is_(None))
        .group_by(CaseFollowupRow.submission_id, CaseFollowupRow.kind)).all()
    result: dict[int, tuple[int, bool]] = {}
    for submission_id, kind, count in counted:
        total, urged = result.get(submission_id, (0, False))
        result[submission_id] = (total + count, urged or kind == FollowupKind.URGE.value)
    return result


def expected_text(expected_by: Optional[date], expected_what: Optional[str]) -> str:
    """The running statutory clock's last day as the citizen is told it (empty without one)."""
    if expected_by is None:
        return ""
    step = {"受理告知": "告知是否受理"}.get(expected_what or "", "办结")
    return f"按法定期限，预计{step}：{expected_by.year}年{expected_by.month}月{expected_by.day}日前。"


def _row(session: Session, tracking_number: str, lock: bool = False) -> SubmissionRow:
    number = normalize_tracking_number(tracking_number)
    query = select(SubmissionRow).where(SubmissionRow.tracking_number == (number or ""))
    if lock:
        query = query.with_for_update()
    row = session.execute(query).scalar_one_or_none() if number else None
    if row is None:
        raise SubmissionNotFound(number or str(tracking_number)[:20])
    return row


def _refuse_if_final(row: SubmissionRow, what: str) -> None:
    status = Status(row.status)
    if status.is_final:
        raise FollowupRefused(f"该办件已“{status.label}”，{what}")


def _reply_key(row: SubmissionRow) -> str:
    assert row.replied_at is not None
    return f"{row.id}@{row.replied_at.isoformat()}"[:64]


def _history(session: Session, row: SubmissionRow, now: datetime, kind: FollowupKind, note: str) -> None:
    session.add(StatusChangeRow(submission_id=row.id, from_status=row.status, to_status=row.status, changed_at=now,
                                actor=CITIZEN_ACTOR, note=note, event=kind.value))


def _aware(moment: datetime, now: datetime) -> datetime:
    """func.max bypasses the column type on some backends."""
    value = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
    return value if value.tzinfo is not None else value.replace(tzinfo=now.tzinfo)
