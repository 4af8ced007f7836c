"""Unanswered questions (未解答问题) for staff: the page ``/staff/unanswered`` and its JSON API.

=====  ===========================  =========================================================
GET    /api/unanswered/groups       the questions of the last ``days`` days (1–365, default
                                    30) grouped by meaning, largest first; ``state`` = ``open``
                                    (default) or ``resolved`` (已处理)
POST   /api/unanswered/resolve      ``{"ids": [...], "label": "…"}``: mark a group 已处理 (audited)
=====  ===========================  =========================================================

Every route needs a staff token; bad parameters answer 400 with a Chinese message. Reading,
embedding and grouping run in a worker thread, one request at a time, over at most
:data:`MAX_GROUPED` questions (the newest).
"""
from __future__ import annotations

import asyncio
from datetime import timedelta

from aiohttp import web

from insights.unanswered import question_groups
from submissions.unanswered import UnansweredQuestions

from .console import staff_page
from .http import STAFF_NAME, ApiError, json_response, query_params, read_json, staff_only
from .problems import ANALYSIS_KEY

_ONE_AT_A_TIME_KEY = web.AppKey("unanswered_slot", asyncio.Semaphore)
DEFAULT_DAYS, MAX_DAYS = 30, 365
MAX_GROUPED = 3000
MAX_RESOLVE_IDS = MAX_GROUPED
LABEL_MAX = 100
STATES = {"open": False, "resolved": True}


def _days(params: dict[str, str]) -> int:
    text = params.get("days", "")
    if not text:
        return DEFAULT_DAYS
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        raise ApiError(400, "bad_days", f"days（天数）应是 1–{MAX_DAYS} 的整数。")
    return int(text)


def _state(params: dict[str, str]) -> bool:
    text = params.get("state", "") or "open"
    if text not in STATES:
        raise ApiError(400, "bad_state", "state 只能是 open（待处理）或 resolved（已处理）。")
    return STATES[text]


def _questions(request: web.Request) -> UnansweredQuestions:
    return UnansweredQuestions(request.app[ANALYSIS_KEY].store())


def _groups_blocking(request: web.Request, days: int, resolved: bool) -> dict:
    analysis = request.app[ANALYSIS_KEY]
    questions = UnansweredQuestions(analysis.store())
    now = analysis.store().now()
    found, truncated = questions.questions(now - timedelta(days=days), now + timedelta(minutes=1),
                                           resolved=resolved, limit=MAX_GROUPED)
    vectors = analysis.vector_cache().vectors([question.question for question in found])
    groups = question_groups(found, vectors)
    return {"days": days, "state": "resolved" if resolved else "open", "questions": len(found),
            "truncated": truncated, "groups": [group.as_json() for group in groups]}


@staff_only
async def groups(request: web.Request) -> web.Response:
    params = query_params(request, ("days", "state"))
    days, resolved = _days(params), _state(params)
    async with request.app[_ONE_AT_A_TIME_KEY]:
        report = await asyncio.to_thread(_groups_blocking, request, days, resolved)
    return json_response(report)


def _ids(value: object) -> list[int]:
    if (not isinstance(value, list) or not value
            or not all(isinstance(item, int) and not isinstance(item, bool) and item > 0 for item in value)):
        raise ApiError(400, "bad_ids", "ids 应是问题编号（正整数）的非空列表。")
    if len(value) > MAX_RESOLVE_IDS:
        raise ApiError(400, "bad_ids", f"一次最多处理 {MAX_RESOLVE_IDS} 个问题。")
    return sorted(set(value))


def _label(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApiError(400, "bad_label", "label（分组名称）应是文字。")
    return " ".join(value.split())[:LABEL_MAX]


@staff_only
async def resolve(request: web.Request) -> web.Response:
    query_params(request, ())
    data = await read_json(request, 64 * 1024)
    unknown = sorted(set(data) - {"ids", "label"})
    if unknown:
        raise ApiError(400, "bad_field", f"不认识的字段 {unknown[0][:40]}，可用的字段：ids、label。")
    ids, label = _ids(data.get("ids")), _label(data.get("label"))
    detail = f"未解答问题标记为已处理：{label or '（未命名分组）'}，编号 {ids[0]}…{ids[-1]}"
    try:
        changed = await asyncio.to_thread(_questions(request).resolve, ids, request[STAFF_NAME], detail)
    except ValueError as exc:
        raise ApiError(400, "bad_actor", str(exc)) from exc
    return json_response({"resolved": changed, "requested": len(ids)})


async def unanswered_page(_request: web.Request) -> web.Response:
    return await staff_page("/staff/unanswered", "unanswered.html")


def register(app: web.Application) -> None:
    """Needs :func:`web.staff.problems.register` first (it shares its store and vector cache)."""
    app[_ONE_AT_A_TIME_KEY] = asyncio.Semaphore(1)
    app.router.add_get("/staff/unanswered", unanswered_page)
    app.router.add_get("/api/unanswered/groups", groups)
    app.router.add_post("/api/unanswered/resolve", resolve)
