"""Recurring problems (共性问题) for staff: the page ``/staff/problems`` and its JSON API.

========  ======================================  ==============================================
GET       /api/problems/groups                    groups of a month against the month before:
                                                  ``month`` (YYYY-MM, default this month),
                                                  ``kind``, ``district``
GET       /api/problems/summary                   submissions per month and per group:
                                                  ``months`` (1–24, default 12), ``until``
                                                  (YYYY-MM, default this month), ``kind``, ``district``
GET       /api/problems/summary.csv               the same as a CSV file (UTF-8 with BOM), audited
GET       /api/problems/duplicates/{number}       open cases the case probably repeats
========  ======================================  ==============================================

Every route needs a staff token. Bad parameters answer 400 with a Chinese message; an unknown
tracking number 404. The analysis (reading, embedding, grouping) runs in a worker thread, one at
a time, over at most :data:`insights.analysis.MAX_GROUPED` submissions per request.
"""
from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime, timezone
from typing import Optional

from aiohttp import web

from core.personal_data.masking import log_safe
from core.timeutil import to_shanghai
from insights.cases import month_label, parse_month
from insights.service import ProblemAnalysis
from submissions.errors import SubmissionNotFound, UnknownValue
from submissions.tracking import normalize_tracking_number
from submissions.validation import SHANGHAI_DISTRICTS
from submissions.workflow import Kind, parse_kind
from web.app import KNOWLEDGE_KEY, SETTINGS_KEY

from .console import staff_page
from .http import STAFF_NAME, ApiError, json_response, query_params, staff_only

ANALYSIS_KEY = web.AppKey("problem_analysis", ProblemAnalysis)
_ONE_AT_A_TIME_KEY = web.AppKey("problem_analysis_slot", asyncio.Semaphore)
MAX_MONTHS = 24
DEFAULT_MONTHS = 12
_DISTRICTS = {name: name for name in SHANGHAI_DISTRICTS} | {name[:2]: name for name in SHANGHAI_DISTRICTS}
# Cells starting with these make spreadsheet programs evaluate a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FILTERS = ("kind", "district")


def _this_month() -> tuple[int, int]:
    now = to_shanghai(datetime.now(timezone.utc))
    return now.year, now.month


def _month(params: dict[str, str], name: str) -> tuple[int, int]:
    text = params.get(name, "")
    if not text:
        return _this_month()
    try:
        month = parse_month(text)
    except ValueError as exc:
        raise ApiError(400, "bad_month", str(exc)) from exc
    if month > _this_month():
        raise ApiError(400, "bad_month", f"月份 {month_label(*month)} 还没有到，请选择本月或以前的月份。")
    return month


def _kind(params: dict[str, str]) -> Optional[Kind]:
    if not params.get("kind"):
        return None
    try:
        return parse_kind(params["kind"])
    except UnknownValue as exc:
        raise ApiError(400, "bad_kind", str(exc)) from exc


def _district(params: dict[str, str]) -> Optional[str]:
    text = params.get("district", "")
    if not text:
        return None
    if text not in _DISTRICTS:
        raise ApiError(400, "bad_district", f"没有“{text[:20]}”这个区，可选：{'、'.join(SHANGHAI_DISTRICTS)}。")
    return _DISTRICTS[text]


def _months(params: dict[str, str]) -> int:
    text = params.get("months", "")
    if not text:
        return DEFAULT_MONTHS
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_MONTHS:
        raise ApiError(400, "bad_months", f"months（月数）应是 1–{MAX_MONTHS} 的整数。")
    return int(text)


async def _run(request: web.Request, work, *args):
    """Run ``work`` in a worker thread, one analysis at a time."""
    async with request.app[_ONE_AT_A_TIME_KEY]:
        return await asyncio.to_thread(work, *args)


@staff_only
async def groups(request: web.Request) -> web.Response:
    params = query_params(request, ("month", *_FILTERS))
    month, kind, district = _month(params, "month"), _kind(params), _district(params)
    report = await _run(request, request.app[ANALYSIS_KEY].groups, month, kind, district)
    return json_response({**report.as_json(), "kind": kind.value if kind else None, "district": district})


def _summary_params(request: web.Request):
    params = query_params(request, ("months", "until", *_FILTERS))
    return _month(params, "until"), _months(params), _kind(params), _district(params)


@staff_only
async def summary(request: web.Request) -> web.Response:
    until, months, kind, district = _summary_params(request)
    report = await _run(request, request.app[ANALYSIS_KEY].summary, until, months, kind, district)
    return json_response({**report.as_json(), "kind": kind.value if kind else None, "district": district})


def csv_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_bytes(rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads it as UTF-8), formula-safe cells."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerows([[csv_cell(cell) for cell in row] for row in rows])
    return stream.getvalue().encode("utf-8-sig")


@staff_only
async def summary_csv(request: web.Request) -> web.Response:
    until, months, kind, district = _summary_params(request)
    analysis = request.app[ANALYSIS_KEY]
    report = await _run(request, analysis.summary, until, months, kind, district)
    rows = report.csv_rows()
    detail = (f"共性问题月度汇总 {report.months[0]} 至 {report.months[-1]} 类型={kind.value if kind else '全部'} "
              f"区={district or '全部'} {len(rows) - 1} 行")
    try:  # written before the data leaves; without an audit entry nothing is exported
        await asyncio.to_thread(analysis.record_export, request[STAFF_NAME], detail)
    except Exception as exc:
        raise ApiError(503, "audit_failed", "暂时无法记录本次导出，未导出数据，请稍后再试。") from exc
    filename = f"problems-{report.months[0]}-{report.months[-1]}.csv"
    return web.Response(body=csv_bytes(rows), headers={
        "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{filename}"'})


@staff_only
async def duplicates(request: web.Request) -> web.Response:
    query_params(request, ())
    raw = request.match_info["number"]
    number = normalize_tracking_number(raw)
    if number is None:
        raise ApiError(400, "bad_tracking_number", f"“{log_safe(raw)[:30]}”不是有效的查询编号，例如 XF20250301AB12CD。")
    try:
        report = await _run(request, request.app[ANALYSIS_KEY].duplicates, number)
    except SubmissionNotFound as exc:
        raise ApiError(404, "not_found", f"没有找到编号为 {number} 的事项。") from exc
    return json_response(report.as_json())


async def problems_page(_request: web.Request) -> web.Response:
    return await staff_page("/staff/problems", "problems.html")


async def _close(app: web.Application) -> None:
    await asyncio.to_thread(app[ANALYSIS_KEY].close)


def register(app: web.Application) -> None:
    app[ANALYSIS_KEY] = ProblemAnalysis(app[SETTINGS_KEY], app[KNOWLEDGE_KEY].encoder)
    app[_ONE_AT_A_TIME_KEY] = asyncio.Semaphore(1)
    router = app.router
    router.add_get("/staff/problems", problems_page)
    router.add_get("/api/problems/groups", groups)
    router.add_get("/api/problems/summary", summary)
    router.add_get("/api/problems/summary.csv", summary_csv)
    router.add_get("/api/problems/duplicates/{number}", duplicates)
    app.on_cleanup.append(_close)
