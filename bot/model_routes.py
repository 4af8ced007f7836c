"""The action server's routes for the web service (:class:`index.model_client.RemoteKnowledge`):
the staff preview search, index builds and sentence vectors. The action server holds the one
embedding model and the one live searcher of the assistant; these routes share them with the
actions (:func:`bot.actions.services.services`). Behind the shared secret like every route
(:mod:`bot.action_server`); the work runs in worker threads, off the event loop.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from index.model_client import (BUILD_PATH, ENCODE_PATH, INFO_PATH, MAX_TEXT_CHARS, MAX_TEXTS_PER_REQUEST,
                               SEARCH_PATH, pack_vectors)
from index.live import MAX_PREVIEW_RESULTS, KnowledgeUnavailable, LiveKnowledge

log = logging.getLogger(__name__)
MAX_QUERY_CHARS = 2000


def _bad(message: str) -> HTTPResponse:
    return response.json({"error": message}, status=400, ensure_ascii=False)


def _body(request: Request) -> dict[str, Any] | None:
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - Sanic raises its own error types for a bad body
        return None
    return body if isinstance(body, dict) else None


def add_model_routes(app: Sanic, knowledge: Callable[[], LiveKnowledge]) -> None:
    """Add the routes to ``app``; ``knowledge`` returns the process's live knowledge base."""

    async def run(work: Callable[..., Any], *args: Any) -> HTTPResponse:
        try:
            return response.json(await asyncio.to_thread(work, *args), ensure_ascii=False)
        except KnowledgeUnavailable as problem:
            return response.json({"error": str(problem)}, status=503, ensure_ascii=False)
        except Exception as problem:  # noqa: BLE001 - reported to staff; the server keeps serving
            log.exception("%s failed", getattr(work, "__name__", "model work"))
            detail = " ".join(str(problem).split())[:300]
            return response.json({"error": f"动作服务器处理失败：{detail}"}, status=500, ensure_ascii=False)

    async def search(request: Request) -> HTTPResponse:
        body = _body(request)
        query, k = (body or {}).get("query"), (body or {}).get("k", 5)
        if not isinstance(query, str) or not query.strip() or len(query) > MAX_QUERY_CHARS:
            return _bad(f"query 应是 1–{MAX_QUERY_CHARS} 个字符的问题。")
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_PREVIEW_RESULTS:
            return _bad(f"k 应是 1–{MAX_PREVIEW_RESULTS} 的整数。")
        return await run(knowledge().preview, query, k)

    async def build(_request: Request) -> HTTPResponse:
        return await run(knowledge().build)

    async def encode(request: Request) -> HTTPResponse:
        texts = (_body(request) or {}).get("texts")
        if (not isinstance(texts, list) or len(texts) > MAX_TEXTS_PER_REQUEST
                or not all(isinstance(t, str) and len(t) <= MAX_TEXT_CHARS for t in texts)):
            return _bad(f"texts 应是至多 {MAX_TEXTS_PER_REQUEST} 段、每段至多 {MAX_TEXT_CHARS} 字的文字列表。")

        def vectors() -> dict[str, Any]:
            live = knowledge()
            return {**live.model_info(), "vectors": pack_vectors(live.encode(texts))}

        return await run(vectors)

    async def info(_request: Request) -> HTTPResponse:
        return await run(knowledge().model_info)

    app.add_route(search, SEARCH_PATH, methods=["POST"], name="knowledge_search")
    app.add_route(build, BUILD_PATH, methods=["POST"], name="knowledge_build")
    app.add_route(encode, ENCODE_PATH, methods=["POST"], name="model_encode")
    app.add_route(info, INFO_PATH, methods=["GET"], name="model_info")
