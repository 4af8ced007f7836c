"""The staff JSON API under ``/api`` (every route needs a staff token).

========  ===================================  ================================================
GET       /api/session                         who the token belongs to
GET       /api/documents                       every document: id, title, source, region, status, updated …
GET       /api/documents/{id}                  one document with its Markdown and ``revision`` (also ETag)
PUT       /api/documents/{id}                  create (no base revision / ``If-None-Match: *``) or
                                               update (``If-Match``/``base_revision``), then publish
DELETE    /api/documents/{id}                  retire (``status: retired``), then publish
POST      /api/documents/{id}/enable           take a retired document back (``status: active``), then publish
GET       /api/documents/{id}/history          saved revisions, newest first
GET       /api/documents/{id}/history/{n}      the Markdown of revision n
POST      /api/documents/{id}/rollback         ``{"to": n}``: publish revision n again (as a new revision)
POST      /api/uploads                         multipart ``file`` (.md/.txt/.docx/.pdf, ≤ 10 MB) -> a draft
                                               (read by a separate process under a time limit)
POST      /api/search                          ``{"query": …}``: ranked passages and the assistant's answer
GET       /api/index                           background publishing: state, version, progress, last error
POST      /api/index/rebuild                   build the index again now
GET       /api/audit                           who changed what (document, version number, note), newest first
========  ===================================  ================================================

Status codes: 400 malformed request or id, 401 no or wrong token, 404 unknown document,
409 revision conflict (with ``current_revision``), 413 too large, 415 unsupported file type,
422 a document or file that cannot be used (with ``problems``), 428 ``If-Match`` missing,
429 too many wrong tokens from this address (``Retry-After``).
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Callable
from urllib.parse import unquote

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError
from filelock import Timeout as FileLockTimeout

from core.personal_data.masking import log_safe
from index.builder import stale_reasons

from .audit import change_detail
from .documents import ChangeOutcome, DocumentNotFound, RevisionConflict, StoredDocument
from .history import HistoryEntry
from .http import (
    STAFF_NAME,
    ApiError,
    checked_text,
    json_response,
    read_at_most,
    read_body,
    read_json,
    staff_only,
    text_field,
    too_large_message,
    if_match,
    wants_create,
)
from .search import MAX_QUERY_CHARS, MAX_RESULTS
from .services import STAFF_KEY, StaffServices
from .uploads import MAX_UPLOAD_BYTES, UploadRejected, check_upload, extract_in_worker
from .validation import MAX_DOCUMENT_BYTES, InvalidDocument, InvalidDocumentId, check_doc_id

log = logging.getLogger(__name__)
MAX_JSON_BYTES = 8 * MAX_DOCUMENT_BYTES  # a 1 MB document written with \\uXXXX escapes
MAX_NOTE_CHARS = 200
MARKDOWN_TYPES = ("text/markdown", "text/plain", "text/x-markdown")
CREATING = "creating_document"  # request key: a PUT that may only create


def _services(request: web.Request) -> StaffServices:
    return request.app[STAFF_KEY]


def _doc_id(request: web.Request) -> str:
    try:
        return check_doc_id(request.match_info["doc_id"])
    except InvalidDocumentId as exc:
        raise ApiError(400, "invalid_id", str(exc)) from exc


def _document_json(document: StoredDocument, with_content: bool = True) -> dict:
    summary = document.summary
    data = {
        "id": summary.doc_id, "title": summary.title, "source": summary.source, "region": summary.region,
        "status": summary.status, "updated": summary.updated, "updated_by": summary.updated_by,
        "revision": summary.revision, "problem": summary.problem, "tags": list(summary.tags),
    }
    if with_content:
        data["content"] = document.content
    return data


def note_field(data: dict) -> str:
    """The change note: one line of at most ``MAX_NOTE_CHARS`` characters."""
    return text_field(data, "note", MAX_NOTE_CHARS, one_line=True)


def _not_found(doc_id: str) -> ApiError:
    return ApiError(404, "not_found", f"没有找到编号为 {doc_id} 的文档。")


async def _run_change(request: web.Request, doc_id: str, change: Callable[[str], ChangeOutcome]) -> web.Response:
    """Apply a repository change in a worker thread, audit it, ask for a publish, answer."""
    services, actor = _services(request), request[STAFF_NAME]
    try:
        outcome: ChangeOutcome = await asyncio.to_thread(change, actor)
    except InvalidDocument as exc:
        raise ApiError(422, "invalid_document", "文档有以下问题，请修改后再发布：", problems=exc.problems) from exc
    except RevisionConflict as exc:
        if exc.exists and request.get(CREATING):
            message = f"编号 {doc_id} 已被使用。若要修改该文档，请先打开它再编辑。"
        elif exc.current_revision is None:
            message = "该文档已不存在，可能已被他人移除。"
        else:
            message = "该文档在您打开之后已被他人修改。为避免覆盖对方的修改，本次未保存；请重新载入最新版本后再修改。"
        raise ApiError(409, "conflict", message, current_revision=exc.current_revision) from exc
    except DocumentNotFound as exc:
        raise _not_found(doc_id) from exc
    except FileLockTimeout as exc:
        raise ApiError(503, "busy", "系统正忙于保存其他修改，本次未保存，请稍后再试。") from exc
    body: dict = {"document": _document_json(outcome.document), "changed": outcome.changed,
                  "created": outcome.created, "revision_number": None, "publish": None}
    if outcome.entry is not None:
        body["revision_number"] = outcome.entry.number
        body["publish"] = {"ticket": services.publisher.request()}
        await _audit(request, outcome.entry, doc_id)
    status = 201 if outcome.created else 200
    return json_response(body, status=status, revision=outcome.document.summary.revision)


async def _audit(request: web.Request, entry: HistoryEntry, doc_id: str) -> None:
    detail = change_detail(doc_id, entry.number, entry.revision, entry.note)
    try:
        await asyncio.to_thread(_services(request).audit.record, entry.actor, entry.action, detail)
    except Exception:  # the change is saved and in the history (with who and when); say so loudly
        log.exception("could not write the audit event for %s", log_safe(detail))


# --- routes ----------------------------------------------------------------------------------

@staff_only
async def session(request: web.Request) -> web.Response:
    return json_response({"name": request[STAFF_NAME]})


@staff_only
async def list_documents(request: web.Request) -> web.Response:
    summaries = await asyncio.to_thread(_services(request).documents.list_documents)
    documents = [_document_json(StoredDocument(summary, ""), with_content=False) for summary in summaries]
    return json_response({"documents": documents})


@staff_only
async def get_document(request: web.Request) -> web.Response:
    doc_id = _doc_id(request)
    try:
        document = await asyncio.to_thread(_services(request).documents.get, doc_id)
    except DocumentNotFound as exc:
        raise _not_found(doc_id) from exc
    return json_response({"document": _document_json(document)}, revision=document.summary.revision)


@staff_only
async def put_document(request: web.Request) -> web.Response:
    doc_id = _doc_id(request)
    content_type = request.content_type
    if content_type == "application/json":
        data = await read_json(request, MAX_JSON_BYTES)
        content = data.get("content")
        if not isinstance(content, str):
            raise ApiError(400, "bad_field", "请在 content 字段中提供文档的 Markdown 全文。")
        base, note = if_match(request, data.get("base_revision")), note_field(data)
    elif content_type in MARKDOWN_TYPES:
        raw = await read_body(request, MAX_DOCUMENT_BYTES, "文档")
        try:
            content = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ApiError(400, "not_utf8", "文档不是 UTF-8 编码的文字。") from exc
        base, note = if_match(request), checked_text(request.query.get("note", ""), "note", MAX_NOTE_CHARS, one_line=True)
    else:
        raise ApiError(415, "unsupported_media_type",
                       "请以 text/markdown（Markdown 全文）或 application/json（{\"content\": …}）提交文档。")
    if len(content.encode("utf-8")) > MAX_DOCUMENT_BYTES:
        raise ApiError(413, "too_large", f"文档过大：最多 {MAX_DOCUMENT_BYTES // 1024} KB，请拆分为几个文档。")
    if wants_create(request):
        if base is not None:
            raise ApiError(400, "bad_precondition", "If-None-Match: * 表示新建，不能同时给出 If-Match / base_revision。")
        request[CREATING] = True
    elif base is None:
        request[CREATING] = True  # no base revision: the id must be free

    documents = _services(request).documents
    return await _run_change(
        request, doc_id, lambda actor: documents.save(doc_id, content, base_revision=base, actor=actor, note=note),
    )


@staff_only
async def retire_document(request: web.Request) -> web.Response:
    doc_id = _doc_id(request)
    data = await read_json(request, 64 * 1024) if request.can_read_body else {}
    base = if_match(request, data.get("base_revision"))
    if base is None:
        raise ApiError(428, "precondition_required", "停用文档需要给出当前版本标记（If-Match 或 base_revision），以免误停用他人刚修改的版本。")
    note = note_field(data)
    documents = _services(request).documents
    return await _run_change(
        request, doc_id, lambda actor: documents.retire(doc_id, base_revision=base, actor=actor, note=note),
    )


@staff_only
async def enable_document(request: web.Request) -> web.Response:
    doc_id = _doc_id(request)
    data = await read_json(request, 64 * 1024) if request.can_read_body else {}
    base = if_match(request, data.get("base_revision"))
    if base is None:
        raise ApiError(428, "precondition_required", "启用文档需要给出当前版本标记（If-Match 或 base_revision），以免误启用他人刚修改的版本。")
    note = note_field(data)
    documents = _services(request).documents
    return await _run_change(
        request, doc_id, lambda actor: documents.enable(doc_id, base_revision=base, actor=actor, note=note),
    )


@staff_only
async def history(request: web.Request) -> web.Response:
    doc_id = _doc_id(request)
    services = _services(request)
    try:
        entries = await asyncio.to_thread(services.documents.entries, doc_id)
    except DocumentNotFound as exc:
        raise _not_found(doc_id) from exc
    try:
        current = (await asyncio.to_thread(services.documents.get, doc_id)).summary.revision
    except DocumentNotFound:
        current = None
    return json_response({"id": doc_id, "revision": current,
                          "history": [entry.as_dict() for entry in reversed(entries)]})


def _revision_number(raw: object) -> int:
    try:
        number = int(str(raw))
    except ValueError:
        number = 0
    if number < 1 or number > 10**9:
        raise ApiError(400, "bad_revision_number", "版本号应是正整数，例如 3。")
    return number


@staff_only
async def history_entry(request: web.Request) -> web.Response:
    doc_id = _doc_id(request)
    number = _revision_number(request.match_info["number"])
    try:
        entry, content = await asyncio.to_thread(_services(request).documents.revision, doc_id, number)
    except DocumentNotFound as exc:
        raise ApiError(404, "not_found", f"文档 {doc_id} 没有第 {number} 版。") from exc
    return json_response({"id": doc_id, "entry": entry.as_dict(), "content": content})


@staff_only
async def rollback(request: web.Request) -> web.Response:
    doc_id = _doc_id(request)
    data = await read_json(request, 64 * 1024)
    if isinstance(data.get("to"), bool) or not isinstance(data.get("to"), (int, str)):
        raise ApiError(400, "bad_revision_number", "请用 to 字段给出要回滚到的版本号，例如 {\"to\": 3}。")
    number = _revision_number(data["to"])
    base = if_match(request, data.get("base_revision"))
    if base is None:
        raise ApiError(428, "precondition_required", "回滚需要给出当前版本标记（If-Match 或 base_revision）。")
    note = note_field(data)
    documents = _services(request).documents

    def change(actor: str) -> ChangeOutcome:
        try:
            return documents.rollback(doc_id, number, base_revision=base, actor=actor, note=note)
        except DocumentNotFound as exc:
            raise ApiError(404, "not_found", f"文档 {doc_id} 没有第 {number} 版。") from exc

    return await _run_change(request, doc_id, change)


async def _file_field(request: web.Request) -> BodyPartReader:
    """The multipart part named ``file`` (parts before it are skipped)."""
    if request.content_type != "multipart/form-data":
        raise ApiError(400, "not_multipart", "请以表单（multipart/form-data）上传文件，字段名为 file。")
    reader = await request.multipart()
    field = await reader.next()
    while field is not None and getattr(field, "name", None) != "file":
        await field.release()
        field = await reader.next()
    if not isinstance(field, BodyPartReader) or not field.filename:
        raise ApiError(400, "no_file", "没有收到文件：请在 file 字段中上传文件。")
    return field


async def _read_part(field: BodyPartReader) -> bytes:
    content = await read_at_most(field.read_chunk, MAX_UPLOAD_BYTES)
    if content is None:
        raise UploadRejected(413, too_large_message("文件", MAX_UPLOAD_BYTES))
    return content


@staff_only
async def upload(request: web.Request) -> web.Response:
    if request.content_length is not None and request.content_length > MAX_UPLOAD_BYTES + 64 * 1024:
        raise ApiError(413, "too_large", too_large_message("文件", MAX_UPLOAD_BYTES))
    filename = ""
    try:
        field = await _file_field(request)
        filename = unquote(field.filename or "")  # aiohttp's client percent-encodes names; browsers send them raw
        check_upload(filename, 1)  # the type, before reading anything
        services = _services(request)
        extracted = await extract_in_worker(filename, await _read_part(field), services.settings.upload_extract_seconds,
                                            services.extractions)
    except UploadRejected as exc:
        code = {413: "too_large", 415: "unsupported_type"}.get(exc.status, "unreadable_file")
        raise ApiError(exc.status, code, exc.message, filename=filename) from exc
    except (ValueError, HttpProcessingError) as exc:  # a malformed multipart body
        raise ApiError(400, "bad_multipart", "上传内容格式有误，请重新选择文件上传。") from exc
    message = ("已读取文件，请检查内容后发布。" if extracted.complete else
               "已提取文字并生成草稿。请补全文件头中的来源、发布机关、日期、地区、标签和常见问题，检查正文后发布。")
    return json_response({
        "filename": extracted.filename, "kind": extracted.kind, "content": extracted.text,
        "title": extracted.title, "suggested_id": extracted.suggested_id, "complete": extracted.complete,
        "message": message,
    })


@staff_only
async def search(request: web.Request) -> web.Response:
    data = await read_json(request, 16 * 1024)
    query = text_field(data, "query", MAX_QUERY_CHARS)
    if not query:
        raise ApiError(422, "missing_field", "请输入要搜索的问题。")
    k = data.get("k", 5)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_RESULTS:
        raise ApiError(400, "bad_field", f"k（返回条数）应是 1–{MAX_RESULTS} 的整数。")
    return json_response(await asyncio.to_thread(_services(request).search.search, query, k))


@staff_only
async def index_status(request: web.Request) -> web.Response:
    services = _services(request)
    status = services.publisher.status()
    pending = await asyncio.to_thread(stale_reasons, services.settings)
    status["stale"] = bool(pending)
    status["pending_changes"] = pending
    if status["state"] == "idle" and pending:  # e.g. files changed outside the console
        status["message"] = "知识库有改动尚未收录进索引"
    return json_response(status)


@staff_only
async def rebuild(request: web.Request) -> web.Response:
    services = _services(request)
    ticket = services.publisher.request()
    try:
        await asyncio.to_thread(services.audit.record, request[STAFF_NAME], "rebuild", "重建索引")
    except Exception:
        log.exception("could not write the audit event for a rebuild")
    return json_response({"publish": {"ticket": ticket}}, status=202)


@staff_only
async def audit_log(request: web.Request) -> web.Response:
    try:
        limit = int(request.query.get("limit", "100"))
    except ValueError:
        limit = 0
    if not 1 <= limit <= 1000:
        raise ApiError(400, "bad_field", "limit 应是 1–1000 的整数。")
    doc_id = request.query.get("doc_id")
    if doc_id is not None:
        try:
            check_doc_id(doc_id)
        except InvalidDocumentId as exc:
            raise ApiError(400, "invalid_id", str(exc)) from exc
    entries = await asyncio.to_thread(_services(request).audit.recent, limit, doc_id)
    return json_response({"events": [dataclasses.asdict(entry) for entry in entries]})


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/api/session", session)
    router.add_get("/api/documents", list_documents)
    router.add_get("/api/documents/{doc_id}", get_document)
    router.add_put("/api/documents/{doc_id}", put_document)
    router.add_delete("/api/documents/{doc_id}", retire_document)
    router.add_post("/api/documents/{doc_id}/enable", enable_document)
    router.add_get("/api/documents/{doc_id}/history", history)
    router.add_get("/api/documents/{doc_id}/history/{number}", history_entry)
    router.add_post("/api/documents/{doc_id}/rollback", rollback)
    router.add_post("/api/uploads", upload)
    router.add_post("/api/search", search)
    router.add_get("/api/index", index_status)
    router.add_post("/api/index/rebuild", rebuild)
    router.add_get("/api/audit", audit_log)
