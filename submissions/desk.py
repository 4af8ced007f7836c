"""The staff case desk: list, open, reveal, assign, change status, reply, extend.

Every change checks the ``version`` the staff member's view was based on (optimistic
concurrency: a stale version raises :class:`StaleVersion`), raises it by one, and is written to the
status history with who did it (``event`` names a step that keeps the status). Views are masked;
:meth:`CaseDesk.reveal` returns the personal fields (the caller audits it first).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Callable, Optional, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from core.personal_data.masking import (
    CONTROL_CHARACTERS,
    NOT_IN_ONE_LINE,
    mask_address,
    mask_email,
    mask_id_number,
    mask_mobile,
    mask_name,
    redact_personal_data,
)
from core.timeutil import SHANGHAI, to_shanghai
from submissions.clocks import MAX_EXTENSION_DAYS, NO_CLOCK_FOR_SUGGESTIONS, Clock, case_clocks, is_overdue
from submissions.errors import InvalidDeskInput, InvalidTransition, StaleVersion, SubmissionNotFound, UnknownValue
from submissions.followups import CaseFollowups, FollowupKind, FollowupView, unseen_followups
from submissions.models import StatusChangeRow, SubmissionRow
from submissions.notices import REPLIED, STATUS_CHANGED, record_notice
from submissions.service import SubmissionStore, check_actor
from submissions.tracking import normalize_tracking_number
from submissions.validation import SHANGHAI_DISTRICTS, validate_district
from submissions.workflow import ALLOWED_TRANSITIONS, Kind, Status, check_transition, parse_kind, parse_status

REPLY_MAX, NOTE_MAX, REASON_MAX, PER_PAGE_MAX = 2000, 500, 500, 100
ASSIGN, REPLY, EXTEND = "assign", "reply", "extend"
ChangeStep = Callable[[SubmissionRow, datetime], tuple[dict, Optional[str]]]


@dataclass(frozen=True)
class CaseFilter:
    kind: Optional[Kind] = None
    status: Optional[Status] = None
    district: Optional[str] = None
    received_from: Optional[date] = None  # Shanghai dates, inclusive
    received_to: Optional[date] = None
    overdue_only: bool = False


@dataclass(frozen=True)
class DeskStep:
    """One line of a case's history as staff see it."""

    at: datetime
    actor: str
    event: Optional[str]  # None: a status change
    previous: Optional[Status]
    status: Status
    note: Optional[str]


@dataclass(frozen=True)
class CaseView:
    """A case with every personal field masked (free text redacted)."""

    tracking_number: str
    kind: Kind
    status: Status
    received_at: datetime
    channel: str
    district: str
    department: Optional[str]
    name: str
    mobile: str
    id_number: str
    email: str
    address: str
    title: Optional[str]
    content: str
    request: Optional[str]
    reply: Optional[str]
    replied_at: Optional[datetime]
    extension_days: Optional[int]
    extension_reason: Optional[str]
    version: int
    clocks: tuple[Clock, ...]
    overdue: bool
    next_statuses: tuple[Status, ...]
    no_clock_reason: Optional[str]
    history: tuple[DeskStep, ...] = field(default=())
    # The citizen's follow-ups (ratings, 补充材料, 催办): all of them when the case is opened, and
    # in lists how many staff have not seen yet and whether one of those is a 催办.
    followups: tuple[FollowupView, ...] = field(default=())
    unseen_followups: int = 0
    urged: bool = False


@dataclass(frozen=True)
class RevealedFields:
    name: str
    mobile: str
    id_number: Optional[str]
    email: Optional[str]
    address: Optional[str]
    title: Optional[str]
    content: str
    request: Optional[str]


@dataclass(frozen=True)
class CasePage:
    cases: list[CaseView]
    total: int
    page: int
    per_page: int


def today_in_shanghai(now: datetime) -> date:
    return to_shanghai(now).date()


class CaseDesk:
    """The desk's operations on one :class:`SubmissionStore`, with the configured departments."""

    def __init__(self, store: SubmissionStore, departments: Sequence[str]) -> None:
        self._store = store
        self._departments = tuple(departments)

    @property
    def departments(self) -> tuple[str, ...]:
        return self._departments

    # --- reading -------------------------------------------------------------------------------

    def list_cases(self, wanted: CaseFilter, page: int = 1, per_page: int = 20) -> CasePage:
        """Newest first. The overdue filter needs each case's clocks (rest days), so it is applied
        after the database filters."""
        if page < 1 or not 1 <= per_page <= PER_PAGE_MAX:
            raise InvalidDeskInput("page", f"页码应从 1 开始，每页 1–{PER_PAGE_MAX} 条。")
        query = select(SubmissionRow).order_by(SubmissionRow.created_at.desc(), SubmissionRow.id.desc())
        if wanted.kind is not None:
            query = query.where(SubmissionRow.kind == wanted.kind.value)
        if wanted.status is not None:
            query = query.where(SubmissionRow.status == wanted.status.value)
        if wanted.district:
            query = query.where(SubmissionRow.district == wanted.district)
        if wanted.received_from is not None:
            query = query.where(SubmissionRow.created_at >= _shanghai_midnight(wanted.received_from))
        if wanted.received_to is not None:
            query = query.where(SubmissionRow.created_at < _shanghai_midnight(wanted.received_to + timedelta(days=1)))
        today = today_in_shanghai(self._store.now())
        with self._store.session() as session:
            if not wanted.overdue_only:
                total = session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
                rows = session.execute(query.offset((page - 1) * per_page).limit(per_page)).scalars().all()
                return CasePage(self._views(session, rows, today), total, page, per_page)
            overdue = [row for row in session.execute(query).scalars() if is_overdue(_clocks(row), today)]
            start = (page - 1) * per_page  # only the page's rows are decrypted
            return CasePage(self._views(session, overdue[start:start + per_page], today), len(overdue), page, per_page)

    def _views(self, session: Session, rows: Sequence[SubmissionRow], today: date) -> list[CaseView]:
        unseen = unseen_followups(session, [row.id for row in rows])
        return [replace(self._view(row, today), unseen_followups=unseen.get(row.id, (0, False))[0],
                        urged=unseen.get(row.id, (0, False))[1]) for row in rows]

    def open_case(self, tracking_number: str) -> CaseView:
        with self._store.session() as session:
            row = self._row(session, tracking_number, with_history=True)
            followups = tuple(CaseFollowups(self._store).for_case(session, row.id))
            view = self._view(row, today_in_shanghai(self._store.now()), with_history=True)
            unseen = [item for item in followups if not item.seen]
            return replace(view, followups=followups, unseen_followups=len(unseen),
                           urged=any(item.kind is FollowupKind.URGE for item in unseen))

    def mark_followups_seen(self, tracking_number: str) -> int:
        """A staff member has opened the case: its follow-ups are no longer new."""
        return CaseFollowups(self._store).mark_seen(tracking_number)

    def reveal(self, tracking_number: str) -> RevealedFields:
        protect = self._store.protector
        with self._store.session() as session:
            row = self._row(session, tracking_number)
            return RevealedFields(
                name=protect.decrypt(row.name_enc), mobile=protect.decrypt(row.mobile_enc),
                id_number=protect.decrypt_optional(row.id_number_enc), email=protect.decrypt_optional(row.email_enc),
                address=protect.decrypt_optional(row.address_enc), title=row.title, content=row.content,
                request=row.request,
            )

    # --- changing ------------------------------------------------------------------------------

    def assign(self, tracking_number: str, department: str, *, actor: str, version: object) -> CaseView:
        name = (department or "").strip() if isinstance(department, str) else ""
        if not name:
            raise InvalidDeskInput("department", "请选择承办部门。")
        if name not in self._departments:
            raise InvalidDeskInput("department", f"“{name[:40]}”不在部门列表中，可选：{'、'.join(self._departments)}。")

        def change(row: SubmissionRow, now: datetime) -> tuple[dict, Optional[str]]:
            if Status(row.status).is_final:
                raise InvalidDeskInput("department", f"办件已是“{Status(row.status).label}”，不能再指派部门。")
            if row.department == name:
                raise InvalidDeskInput("department", f"该办件已由“{name}”承办。")
            return {"department": name}, f"指派至 {name}"

        return self._change(tracking_number, actor, version, ASSIGN, change)

    def transition(self, tracking_number: str, status: object, *, actor: str, version: object,
                   note: object = None) -> CaseView:
        if not isinstance(status, str) or not status.strip():
            raise InvalidDeskInput("status", "请选择要变更到的状态。")
        try:
            target = parse_status(status)
        except UnknownValue as exc:
            raise InvalidDeskInput("status", str(exc)) from exc
        reason = _one_line(note, "note", "备注", NOTE_MAX, required=target is Status.REJECTED,
                           missing="不予受理须写明理由（《上海市信访条例》第三十五条），请填写备注。")

        def change(row: SubmissionRow, now: datetime) -> tuple[dict, Optional[str]]:
            current = Status(row.status)
            try:
                check_transition(current, target)
            except InvalidTransition as exc:
                raise InvalidDeskInput("status", str(exc)) from exc
            values: dict = {"status": target.value}
            if target in (Status.ACCEPTED, Status.REJECTED):
                values["decided_at"] = now
            if target is Status.ACCEPTED:
                values["accepted_at"] = now
            if target is Status.CLOSED:
                values["closed_at"] = now
            return values, reason or None

        return self._change(tracking_number, actor, version, None, change, status_to=target)

    def reply(self, tracking_number: str, text: object, *, actor: str, version: object) -> CaseView:
        if not isinstance(text, str) or not text.strip():
            raise InvalidDeskInput("reply", "请填写答复内容。")
        text = text.strip().replace("\r\n", "\n")
        if len(text) > REPLY_MAX:
            raise InvalidDeskInput("reply", f"答复内容过长：最多 {REPLY_MAX} 个字，现有 {len(text)} 个字。")
        if CONTROL_CHARACTERS.search(text):
            raise InvalidDeskInput("reply", "答复内容中不能有控制字符，请只写文字（可以换行）。")
        token = self._store.protector.encrypt(text)

        def change(row: SubmissionRow, now: datetime) -> tuple[dict, Optional[str]]:
            if Status(row.status) is Status.SUBMITTED:
                raise InvalidDeskInput("reply", "请先作出是否受理的决定，再答复信访人。")
            return {"reply_enc": token, "replied_at": now}, f"答复 {len(text)} 字"

        return self._change(tracking_number, actor, version, REPLY, change)

    def extend(self, tracking_number: str, days: object, reason: object, *, actor: str, version: object) -> CaseView:
        if isinstance(days, str) and days.strip().isdigit():
            days = int(days.strip())
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_EXTENSION_DAYS:
            raise InvalidDeskInput("days", f"延长天数应是 1–{MAX_EXTENSION_DAYS} 之间的整数（《信访工作条例》第三十四条：最多延长30日）。")
        why = _one_line(reason, "reason", "延期理由", REASON_MAX, required=True,
                        missing="延期须写明理由，并告知信访人（《信访工作条例》第三十四条）。")

        def change(row: SubmissionRow, now: datetime) -> tuple[dict, Optional[str]]:
            if Kind(row.kind) is not Kind.PETITION:
                raise InvalidDeskInput("days", "人民建议没有法定办理期限，无需延期。")
            if Status(row.status) not in (Status.ACCEPTED, Status.IN_PROGRESS) or row.accepted_at is None:
                raise InvalidDeskInput("days", f"只有已受理、尚未办结的信访事项可以延期（当前：{Status(row.status).label}）。")
            total = (row.extension_days or 0) + days
            if total > MAX_EXTENSION_DAYS:
                raise InvalidDeskInput("days", f"已延长 {row.extension_days} 日，再延长 {days} 日将超过最多 {MAX_EXTENSION_DAYS} 日。")
            reasons = f"{row.extension_reason}；{why}" if row.extension_reason else why
            return {"extension_days": total, "extension_reason": reasons}, f"延长 {days} 日：{why}"

        return self._change(tracking_number, actor, version, EXTEND, change)

    # --- internals -----------------------------------------------------------------------------

    def _change(self, tracking_number: str, actor: str, version: object, event: Optional[str], change: ChangeStep,
                status_to: Optional[Status] = None) -> CaseView:
        """Check ``version``, apply ``change`` (column values and the history note, or
        InvalidDeskInput), raise the version and write the history row, all in one transaction;
        a status change or a reply also writes the citizen's notice (:mod:`submissions.notices`)."""
        actor = check_actor(actor)
        if isinstance(version, bool) or not isinstance(version, int):
            raise InvalidDeskInput("version", "缺少办件版本号（version）：请刷新办件后再操作。")
        now = self._store.now()
        with self._store.session() as session, session.begin():
            row = self._row(session, tracking_number)
            if row.version != version:
                raise StaleVersion(row.tracking_number, row.version)
            current = Status(row.status)
            values, note = change(row, now)
            changed = session.execute(
                update(SubmissionRow)
                .where(SubmissionRow.id == row.id, SubmissionRow.version == version)
                .values(version=version + 1, **values)
                .execution_options(synchronize_session=False)
            )
            if changed.rowcount != 1:
                raise StaleVersion(row.tracking_number, version + 1)
            session.add(StatusChangeRow(submission_id=row.id, from_status=current.value,
                                        to_status=(status_to or current).value, changed_at=now, actor=actor,
                                        note=note, event=event))
            if status_to is not None or event == REPLY:
                record_notice(session, row, REPLIED if event == REPLY else STATUS_CHANGED, status_to or current, now)
        return self.open_case(tracking_number)

    def _row(self, session: Session, tracking_number: str, with_history: bool = False) -> SubmissionRow:
        number = normalize_tracking_number(tracking_number)
        query = select(SubmissionRow).where(SubmissionRow.tracking_number == (number or ""))
        if with_history:
            query = query.options(selectinload(SubmissionRow.history))
        row = session.execute(query).scalar_one_or_none() if number else None
        if row is None:
            raise SubmissionNotFound(number or str(tracking_number)[:20])
        return row

    def _view(self, row: SubmissionRow, today: date, with_history: bool = False) -> CaseView:
        protect = self._store.protector
        kind, status = Kind(row.kind), Status(row.status)
        clocks = _clocks(row)
        history = tuple(
            DeskStep(step.changed_at, step.actor, step.event, Status(step.from_status) if step.from_status else None,
                     Status(step.to_status), step.note)
            for step in row.history
        ) if with_history else ()
        return CaseView(
            tracking_number=row.tracking_number, kind=kind, status=status, received_at=row.created_at,
            channel=row.channel, district=row.district, department=row.department,
            name=mask_name(protect.decrypt(row.name_enc)), mobile=mask_mobile(protect.decrypt(row.mobile_enc)),
            id_number=mask_id_number(protect.decrypt_optional(row.id_number_enc)),
            email=mask_email(protect.decrypt_optional(row.email_enc)),
            address=mask_address(protect.decrypt_optional(row.address_enc)),
            title=redact_personal_data(row.title) if row.title else row.title,
            content=redact_personal_data(row.content),
            request=redact_personal_data(row.request) if row.request else row.request,
            reply=protect.decrypt_optional(row.reply_enc), replied_at=row.replied_at,
            extension_days=row.extension_days, extension_reason=row.extension_reason, version=row.version,
            clocks=tuple(clocks), overdue=is_overdue(clocks, today),
            next_statuses=tuple(s for s in Status if s in ALLOWED_TRANSITIONS[status]),
            no_clock_reason=NO_CLOCK_FOR_SUGGESTIONS if kind is Kind.SUGGESTION else None,
            history=history,
        )


def _clocks(row: SubmissionRow) -> list[Clock]:
    return case_clocks(Kind(row.kind), Status(row.status), row.created_at, row.decided_at, row.accepted_at,
                       row.closed_at, row.extension_days)


def parse_filter(kind: str = "", status: str = "", district: str = "", received_from: str = "",
                 received_to: str = "", overdue: str = "") -> CaseFilter:
    """A filter from query-string values (empty: not filtered); InvalidDeskInput for a bad one."""
    try:
        parsed_kind = parse_kind(kind) if kind.strip() else None
    except UnknownValue as exc:
        raise InvalidDeskInput("kind", str(exc)) from exc
    try:
        parsed_status = parse_status(status) if status.strip() else None
    except UnknownValue as exc:
        raise InvalidDeskInput("status", str(exc)) from exc
    if len(district) > 16:
        raise InvalidDeskInput("district", "区名过长：最多 16 个字。")
    if district.strip():
        found = validate_district(district)
        if not found.ok:
            raise InvalidDeskInput("district", f"区名“{district.strip()}”不是上海市的区，可选：{'、'.join(SHANGHAI_DISTRICTS)}。")
        district = found.value or district
    first, last = _date(received_from, "from", "起始日期"), _date(received_to, "to", "截止日期")
    if first and last and first > last:
        raise InvalidDeskInput("from", "起始日期不能晚于截止日期。")
    if overdue.strip() not in ("", "0", "1", "true", "false"):
        raise InvalidDeskInput("overdue", "overdue 应为 1（只看超期）或 0。")
    return CaseFilter(parsed_kind, parsed_status, district.strip() or None, first, last,
                      overdue.strip() in ("1", "true"))


def _date(text: str, name: str, label: str) -> Optional[date]:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidDeskInput(name, f"{label}应写成 YYYY-MM-DD，例如 2026-03-01。") from exc


def _shanghai_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)


def _one_line(value: object, name: str, label: str, max_chars: int, required: bool, missing: str) -> str:
    if value is not None and not isinstance(value, str):
        raise InvalidDeskInput(name, f"{label}应是文字。")
    text = (value or "").strip()
    if required and not text:
        raise InvalidDeskInput(name, missing)
    if len(text) > max_chars:
        raise InvalidDeskInput(name, f"{label}过长：最多 {max_chars} 个字，现有 {len(text)} 个字。")
    if NOT_IN_ONE_LINE.search(text):
        raise InvalidDeskInput(name, f"{label}中不能有换行、制表符或其他控制字符，请写成一行文字。")
    return text
