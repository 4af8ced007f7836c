"""Request and response helpers of the staff API: JSON errors in Chinese, bounded bodies,
revision preconditions (``If-Match`` / ``If-None-Match``) and the staff-only guard."""
from __future__ import annotations

import functools
import json
import logging
import math
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable

from aiohttp import web

from web.app import SETTINGS_KEY

from core.personal_data.masking import NOT_IN_ONE_LINE, log_safe

from .auth import FailedLogins, bearer_token, staff_name

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
STAFF_NAME = "staff_name"  # request key: the authenticated staff member's name
READ_CHUNK_BYTES = 64 * 1024


class ApiError(web.HTTPException):
    """An error answered as ``{"error": code, "message": 中文说明, ...}``."""

    def __init__(self, status: int, code: str, message: str, **extra: Any):
        self.status_code = status
        body = json.dumps({"error": code, "message": message, **extra}, ensure_ascii=False)
        super().__init__(text=body, content_type="application/json")


def json_response(data: Any, status: int = 200, revision: str | None = None) -> web.Response:
    response = web.json_response(data, status=status, dumps=lambda value: json.dumps(value, ensure_ascii=False))
    if revision:
        response.headers["ETag"] = f'"{revision}"'
    return response


FAILED_LOGINS = web.AppKey("staff_failed_logins", FailedLogins)


def staff_only(handler: Handler) -> Handler:
    """Answer 401 unless the request carries a configured staff token; else remember who it is.

    An address that presented too many wrong tokens gets 429 instead, whatever it presents."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        failed = request.app[FAILED_LOGINS]
        address, now = request.remote or "unknown", datetime.now(timezone.utc)
        wait = failed.seconds_blocked(address, now)
        if wait:
            error = ApiError(429, "too_many_attempts",
                             f"令牌错误次数过多，请 {math.ceil(wait / 60)} 分钟后再试。", retry_after_seconds=wait)
            error.headers["Retry-After"] = str(wait)
            raise error
        tokens = request.app[SETTINGS_KEY].staff_tokens
        presented = bearer_token(request.headers.get("Authorization"))
        name = staff_name(presented, tokens)
        if name is None:
            if not tokens:
                log.warning("staff API refused: STAFF_TOKENS is not configured")
            if presented is not None:  # a guess: counted against the address
                failed.record(address, now)
                if failed.seconds_blocked(address, now):
                    log.warning("staff API: too many wrong tokens from %s; locked", log_safe(address))
            error = ApiError(401, "unauthorized", "请先登录：缺少工作人员令牌，或令牌不正确。")
            error.headers["WWW-Authenticate"] = 'Bearer realm="staff"'
            raise error
        request[STAFF_NAME] = name
        return await handler(request)

    return guarded


def too_large_message(what: str, limit: int) -> str:
    return f"{what}过大：最多 {_size(limit)}。"


async def read_at_most(read: Callable[[int], Awaitable[bytes]], limit: int) -> bytes | None:
    """Everything ``read`` gives (a request body, a multipart part), or None as soon as it passes
    ``limit`` bytes: the rest is never read."""
    chunks, size = [], 0
    while chunk := await read(READ_CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def read_body(request: web.Request, limit: int, what: str) -> bytes:
    """The whole body, refusing (413) anything over ``limit`` bytes without reading it all."""
    body = None
    if request.content_length is None or request.content_length <= limit:
        body = await read_at_most(request.content.read, limit)
    if body is None:
        raise ApiError(413, "too_large", too_large_message(what, limit))
    return body


async def read_json(request: web.Request, limit: int) -> dict[str, Any]:
    """A JSON object body; 400 with a clear message for anything else."""
    raw = await read_body(request, limit, "请求内容")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, "bad_json", "请求内容不是有效的 JSON。") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "bad_json", "请求内容应是一个 JSON 对象，例如 {\"query\": \"…\"}。")
    return data


def query_params(request: web.Request, allowed: tuple[str, ...]) -> dict[str, str]:
    """The query parameters, each at most once and all known; else 400."""
    query = request.query
    for name in query:
        if name not in allowed:
            choices = f"可用的参数：{'、'.join(allowed)}。" if allowed else "此接口不接受查询参数。"
            raise ApiError(400, "bad_parameter", f"不认识的参数 {name[:40]}，{choices}")
        if len(query.getall(name)) > 1:
            raise ApiError(400, "bad_parameter", f"参数 {name} 只能给出一次。")
    return {name: query[name].strip() for name in query}


def text_field(data: dict[str, Any], name: str, max_chars: int, required: bool = False,
               one_line: bool = False) -> str:
    value = data.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ApiError(400, "bad_field", f"字段 {name} 应是文字。")
    return checked_text(value, name, max_chars, required, one_line)


def checked_text(value: str, name: str, max_chars: int, required: bool = False, one_line: bool = False) -> str:
    """``value`` trimmed; 422 when missing, too long, or (``one_line``) holding a line break or a
    control character, which would forge lines in the logs and the history where it is shown."""
    value = value.strip()
    if required and not value:
        raise ApiError(422, "missing_field", f"请填写 {name}。")
    if len(value) > max_chars:
        raise ApiError(422, "too_long", f"字段 {name} 过长：最多 {max_chars} 个字。")
    if one_line and NOT_IN_ONE_LINE.search(value):
        raise ApiError(422, "control_characters", f"字段 {name} 中不能有换行、制表符或其他控制字符，请写成一行文字。")
    return value


def if_match(request: web.Request, body_revision: Any = None) -> str | None:
    """The revision the change is based on: the ``If-Match`` header, else ``base_revision``."""
    header = request.headers.get("If-Match")
    if header is not None:
        value = header.strip()
        if value.startswith("W/"):
            value = value[2:]
        value = value.strip('"')
        if not value or value == "*" or "," in value:
            raise ApiError(400, "bad_precondition", "If-Match 应是一个具体的版本标记（取自 ETag）。")
        return value
    if body_revision is None:
        return None
    if not isinstance(body_revision, str) or not body_revision.strip():
        raise ApiError(400, "bad_precondition", "base_revision 应是文档的版本标记（revision）。")
    return body_revision.strip()


def wants_create(request: web.Request) -> bool:
    """``If-None-Match: *``: the client means to create a new document."""
    return request.headers.get("If-None-Match", "").strip() == "*"


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
