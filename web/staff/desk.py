"""The staff case desk's JSON API under ``/api/desk`` (same staff tokens as the knowledge console).

========  ========================================  ===========================================
GET       /api/desk/departments                     the departments cases can be assigned to
GET       /api/desk/cases                           ``?kind=&status=&district=&from=&to=&overdue=1&page=&per_page=``
                                                    newest first, masked, each with its clocks
GET       /api/desk/cases/{number}                  one case, masked, with its history and next statuses
POST      /api/desk/cases/{number}/reveal           the personal fields, once (audited first: desk.reveal)
POST      /api/desk/cases/{number}/assign           ``{"department", "version"}``          (desk.assign)
POST      /api/desk/cases/{number}/transition       ``{"status", "note", "version"}``     (desk.transition)
POST      /api/desk/cases/{number}/reply            ``{"text", "version"}``               (desk.reply)
POST      /api/desk/cases/{number}/extend           ``{"days", "reason", "version"}``     (desk.extend)
GET       /api/desk/ratings                         citizens' ratings of replies per department: counts
                                                    and shares of 满意 / 基本满意 / 不满意
========  ========================================  ===========================================

A case carries the citizen's follow-ups (ratings, 补充材料 masked, 催办); in lists
``unseen_followups`` and ``urged`` say what staff have not seen yet, and opening the case marks
them seen.

Every change sends the ``version`` of the case the staff member saw; a case changed meanwhile
gives 409 with ``current_version``. 400 malformed JSON, 401 no or wrong token, 404 unknown number,
422 a value that cannot be used (``field`` names it), all with a Chinese ``message``. Audit
entries (``audit_events``, beside the knowledge console's) name the tracking number and the step,
never personal data or the reply's text.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
from datetime import datetime
from typing import Any, Callable, Optional

from aiohttp import web

from core.personal_data.masking import log_safe
from core.settings import Settings
from core.timeutil import to_shanghai
from submissions import SubmissionStore
from submissions.clocks import Clock
from submissions.desk import CaseDesk, CaseView, DeskStep, parse_filter
from submissions.errors import InvalidDeskInput, StaleVersion, SubmissionNotFound
from submissions.followups import CaseFollowups, FollowupView, Rating
from web.app import SETTINGS_KEY

from .http import STAFF_NAME, ApiError, json_response, read_json, staff_only

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024
AUDIT_PREFIX = "desk."


class DeskHolder:
    """The case desk, opened on first use (the database is migrated then) and closed at cleanup."""

    def __init__(self, cfg: Settings) -> None:
        self._cfg = cfg
        self._desk: Optional[CaseDesk] = None
        self._store: Optional[SubmissionStore] = None
        self._lock = threading.Lock()

    def desk(self) -> CaseDesk:
        with self._lock:
            if self._desk is None:
                self._store = SubmissionStore.from_settings(self._cfg)
                self._desk = CaseDesk(self._store, self._cfg.desk_departments)
            return self._desk

    def store(self) -> SubmissionStore:
        self.desk()
        assert self._store is not None
        return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
            self._store = self._desk = None


DESK_KEY = web.AppKey("case_desk", DeskHolder)


def shanghai_text(moment: Optional[datetime]) -> Optional[str]:
    """``2026-03-01 14:05（北京时间）``: the zone is said, whatever the reader's browser uses."""
    return None if moment is None else to_shanghai(moment).strftime("%Y-%m-%d %H:%M") + "（北京时间）"


def _clock_json(clock: Clock, overdue: bool) -> dict[str, Any]:
    return {"name": clock.name, "days": clock.days, "start": clock.start.isoformat(), "due": clock.due.isoformat(),
            "stopped": clock.stopped.isoformat() if clock.stopped else None, "running": clock.running,
            "overdue": overdue, "basis": clock.basis}


def _step_json(step: DeskStep) -> dict[str, Any]:
    return {"at": shanghai_text(step.at), "actor": step.actor, "event": step.event,
            "from": step.previous.label if step.previous else None, "status": step.status.label, "note": step.note}


def _followup_json(item: FollowupView) -> dict[str, Any]:
    return {"at": shanghai_text(item.at), "kind": item.kind.value, "kind_label": item.kind.label,
            "rating": item.rating.value if item.rating else None, "rating_label": item.rating.label if item.rating else None,
            "department": item.department, "text": item.text, "seen": item.seen}


def case_json(case: CaseView, today_overdue: Callable[[Clock], bool], full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": case.tracking_number, "kind": case.kind.value, "kind_label": case.kind.label,
        "status": case.status.value, "status_label": case.status.label, "received_at": shanghai_text(case.received_at),
        "district": case.district, "department": case.department, "name": case.name, "title": case.title,
        "version": case.version, "overdue": case.overdue, "replied": case.reply is not None,
        "clocks": [_clock_json(clock, today_overdue(clock)) for clock in case.clocks],
        "no_clock_reason": case.no_clock_reason, "unseen_followups": case.unseen_followups, "urged": case.urged,
    }
    if full:
        data.update({
            "channel": case.channel, "mobile": case.mobile, "id_number": case.id_number, "email": case.email,
            "address": case.address, "content": case.content, "request": case.request, "reply": case.reply,
            "replied_at": shanghai_text(case.replied_at), "extension_days": case.extension_days,
            "extension_reason": case.extension_reason,
            "next_statuses": [{"status": s.value, "label": s.label} for s in case.next_statuses],
            "history": [_step_json(step) for step in case.history],
            "followups": [_followup_json(item) for item in case.followups],
        })
    return data


def _holder(request: web.Request) -> DeskHolder:
    return request.app[DESK_KEY]


def _overdue_test(holder: DeskHolder) -> Callable[[Clock], bool]:
    today = to_shanghai(holder.store().now()).date()
    return lambda clock: clock.running and clock.overdue_on(today)


async def _run(request: web.Request, work: Callable[[CaseDesk], Any]) -> Any:
    """Run a desk call in a worker thread; turn its errors into Chinese API errors."""
    holder = _holder(request)
    try:
        return await asyncio.to_thread(lambda: work(holder.desk()))
    except SubmissionNotFound as exc:
        raise ApiError(404, "not_found", f"{exc}。") from exc
    except InvalidDeskInput as exc:
        raise ApiError(422, "invalid_input", str(exc), field=exc.field) from exc
    except StaleVersion as exc:
        raise ApiError(409, "conflict", str(exc), current_version=exc.current_version) from exc


async def _audit(request: web.Request, what: str, detail: str) -> None:
    await asyncio.to_thread(_holder(request).store().record_audit_event, request[STAFF_NAME],
                            f"{AUDIT_PREFIX}{what}", detail)


@staff_only
async def departments(request: web.Request) -> web.Response:
    return json_response({"departments": list(request.app[SETTINGS_KEY].desk_departments)})


# The case list's filters (submissions.desk.parse_filter) and paging; anything else is a mistake
# (a misspelt filter would otherwise list every case as if it had been applied).
LIST_PARAMETERS = ("kind", "status", "district", "from", "to", "overdue", "page", "per_page")


@staff_only
async def list_cases(request: web.Request) -> web.Response:
    query = request.query
    unknown = next((name for name in query if name not in LIST_PARAMETERS), None)
    if unknown is not None:
        raise ApiError(422, "invalid_input", f"不认识的参数 {unknown[:40]}，可用的参数：{'、'.join(LIST_PARAMETERS)}。",
                       field=unknown[:40])
    try:
        page, per_page = int(query.get("page", "1")), int(query.get("per_page", "20"))
    except ValueError as exc:
        raise ApiError(422, "invalid_input", "page 和 per_page 应是整数。", field="page") from exc

    def work(desk: CaseDesk):  # type: ignore[no-untyped-def]
        wanted = parse_filter(query.get("kind", ""), query.get("status", ""), query.get("district", ""),
                              query.get("from", ""), query.get("to", ""), query.get("overdue", ""))
        return desk.list_cases(wanted, page, per_page)

    result = await _run(request, work)
    overdue = _overdue_test(_holder(request))
    return json_response({"cases": [case_json(case, overdue) for case in result.cases], "total": result.total,
                          "page": result.page, "per_page": result.per_page})


@staff_only
async def open_case(request: web.Request) -> web.Response:
    number = request.match_info["number"]
    case = await _run(request, lambda desk: desk.open_case(number))
    if case.unseen_followups:  # shown now (still marked new in this answer): no longer new
        await _run(request, lambda desk: desk.mark_followups_seen(number))
    return json_response({"case": case_json(case, _overdue_test(_holder(request)), full=True)})


@staff_only
async def ratings(request: web.Request) -> web.Response:
    if request.query:
        raise ApiError(422, "invalid_input", "该接口不接受查询参数。", field=next(iter(request.query)))
    table = await asyncio.to_thread(CaseFollowups(_holder(request).store()).department_ratings)
    return json_response({"departments": [
        {"department": entry.department, "total": entry.total,
         **{rating.value: entry.counts.get(rating, 0) for rating in Rating},
         "shares": {rating.value: round(entry.share(rating), 4) for rating in Rating}}
        for entry in table]})


@staff_only
async def reveal(request: web.Request) -> web.Response:
    number = request.match_info["number"]
    case = await _run(request, lambda desk: desk.open_case(number))  # 404 before anything is audited
    await _audit(request, "reveal", f"{case.tracking_number} 显示个人信息")  # committed before the data is sent
    revealed = await _run(request, lambda desk: desk.reveal(number))
    return json_response({"number": case.tracking_number, "fields": dataclasses.asdict(revealed)})


def _change_route(what: str, call: Callable[[CaseDesk, str, dict, str], CaseView],
                  detail: Callable[[CaseView, dict], str]):  # type: ignore[no-untyped-def]
    @staff_only
    async def handler(request: web.Request) -> web.Response:
        number, data, actor = request.match_info["number"], await read_json(request, MAX_BODY_BYTES), request[STAFF_NAME]
        case = await _run(request, lambda desk: call(desk, number, data, actor))
        try:
            await _audit(request, what, f"{case.tracking_number} {detail(case, data)}")
        except Exception:  # the change is saved and in the case's history (who and when); say so loudly
            log.exception("could not write the audit event desk.%s for %s", what, log_safe(number))
        return json_response({"case": case_json(case, _overdue_test(_holder(request)), full=True)})

    handler.__name__ = what
    return handler


assign = _change_route(
    "assign", lambda desk, n, d, actor: desk.assign(n, d.get("department"), actor=actor, version=d.get("version")),
    lambda case, d: f"指派至 {case.department}")
transition = _change_route(
    "transition", lambda desk, n, d, actor: desk.transition(n, d.get("status"), actor=actor, version=d.get("version"),
                                                            note=d.get("note")),
    lambda case, d: f"状态变更为 {case.status.label}")
reply = _change_route(
    "reply", lambda desk, n, d, actor: desk.reply(n, d.get("text"), actor=actor, version=d.get("version")),
    lambda case, d: f"答复信访人（{len(case.reply or '')} 字）")
extend = _change_route(
    "extend", lambda desk, n, d, actor: desk.extend(n, d.get("days"), d.get("reason"), actor=actor,
                                                    version=d.get("version")),
    lambda case, d: f"延长办理期限至共 {case.extension_days} 日")


def register(app: web.Application) -> None:
    app[DESK_KEY] = DeskHolder(app[SETTINGS_KEY])
    router = app.router
    router.add_get("/api/desk/departments", departments)
    router.add_get("/api/desk/cases", list_cases)
    router.add_get("/api/desk/cases/{number}", open_case)
    router.add_get("/api/desk/ratings", ratings)
    for name, handler in (("reveal", reveal), ("assign", assign), ("transition", transition), ("reply", reply),
                          ("extend", extend)):
        router.add_post(f"/api/desk/cases/{{number}}/{name}", handler)
    app.on_cleanup.append(_close)


async def _close(app: web.Application) -> None:
    await asyncio.to_thread(app[DESK_KEY].close)
