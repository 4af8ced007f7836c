"""The one live knowledge base of the process that holds the embedding model (the action server).

:class:`LiveKnowledge` owns the process's :class:`~index.searcher.Searcher`, created on first
use. It answers citizens (``answer``), and does everything else that needs the model for the
web service, which asks over local HTTP (:mod:`bot.model_routes`) instead of loading it: the
staff's try-a-question preview (``preview``), index builds after a publish (``build``: the new
version is live here before it returns) and sentence vectors for the insights (``encode``).

A daemon thread (``start_polling``) also checks for a newer index version every
``INDEX_POLL_SECONDS``, so a version published by ``python -m index build`` goes live without a
restart; a search in flight finishes on the version it started with.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import PurePath
from typing import Any

import numpy as np

from core.settings import Settings

from . import store
from .answer import Answer, answer_question, format_citation, reply_text
from .builder import BuildReport, build_index
from .encoder import Encoder, get_encoder
from .searcher import Searcher

log = logging.getLogger(__name__)
MAX_RELATED_QUESTIONS = 3
MAX_PREVIEW_RESULTS = 20
# Run through every stage once (tokeniser dictionary, embedding, fusion, answer extraction) at
# start, so that the first citizen does not wait for it.
WARM_UP_QUESTION = "信访事项的办理期限"
LOAD_WAIT_SECONDS = 60.0  # a build waits this long at most for its version to be loaded here


class KnowledgeUnavailable(RuntimeError):
    """No index could be loaded (none built yet, or built with another model)."""


class LiveKnowledge:
    """The process's searcher, swapped to new index versions as they are published. Thread-safe."""

    def __init__(self, cfg: Settings):
        self.settings = cfg
        self._searcher: Searcher | None = None
        self._lock = threading.Lock()
        self._poller: threading.Thread | None = None

    def searcher(self) -> Searcher | None:
        """The searcher (loading the model and the index on the first call); None without an index."""
        with self._lock:
            if self._searcher is None:
                try:
                    self._searcher = Searcher(self.settings)
                except Exception:  # no index built yet, or a broken one: "not sure" until one is published
                    log.exception("knowledge index unavailable")
                    return None
            return self._searcher

    def refresh(self) -> bool:
        """Swap to a newer published index version, if there is one (queries never wait)."""
        searcher = self.searcher()
        if searcher is None:
            return False
        try:
            if searcher.maybe_reload():
                log.info("knowledge index reloaded: %s", searcher.version)
                self.warm(searcher)
                return True
        except Exception:
            log.exception("could not load the new index version; keeping the current one")
        return False

    @staticmethod
    def warm(searcher: Searcher) -> None:
        """Encode the knowledge sentences before citizens ask, in a thread of its own (about 15 s
        of one core for the whole knowledge base), so that index reloads never wait for it."""

        def encode_ahead() -> None:
            began = time.perf_counter()
            try:
                encoded = searcher.warm_answer_cache()
            except Exception:  # a failed warm-up only means slower first answers
                log.exception("could not encode the knowledge sentences ahead")
                return
            if encoded:
                log.info("encoded %d knowledge sentences for answers in %.1f s", encoded, time.perf_counter() - began)

        threading.Thread(target=encode_ahead, name="answer-cache-warm", daemon=True).start()

    def warm_up(self) -> None:
        """Load the model and the index and answer one question now; then keep following new
        versions (``start_polling``)."""
        self.answer(WARM_UP_QUESTION)
        self.start_polling()

    def start_polling(self) -> None:
        """Start the daemon thread that calls :meth:`refresh` every ``INDEX_POLL_SECONDS`` (once)."""
        with self._lock:
            if self._poller is None:
                self._poller = threading.Thread(target=self._poll_forever, name="index-poller", daemon=True)
                self._poller.start()

    def _poll_forever(self) -> None:
        interval = max(0.1, self.settings.index_poll_seconds)
        searcher = self.searcher()
        if searcher is not None:
            self.warm(searcher)
        while True:
            time.sleep(interval)
            self.refresh()

    # --- what citizens get ---------------------------------------------------------------------

    def answer(self, text: str, related: int = MAX_RELATED_QUESTIONS) -> Answer:
        """The reply to a citizen's (normalised, capped) message: blocking, CPU work."""
        searcher = self.searcher()
        if searcher is None or not text.strip():
            return Answer(text, confident=False)
        return answer_question(searcher, text, cfg=self.settings, related=related)

    # --- what the web service asks for -----------------------------------------------------------

    def _loaded(self) -> Searcher:
        searcher = self.searcher()
        if searcher is None:
            raise KnowledgeUnavailable("知识库索引尚未建立或无法加载，请先发布文档或重建索引。")
        self.refresh()
        return searcher

    def preview(self, query: str, k: int = 5) -> dict[str, Any]:
        """The staff preview: ranked passages with their scores, and the reply the assistant
        would give (the same :meth:`answer` path citizens get)."""
        searcher = self._loaded()
        k = max(1, min(k, MAX_PREVIEW_RESULTS))
        reply = answer_question(searcher, query, cfg=self.settings, k=k, related=MAX_RELATED_QUESTIONS)
        return preview_json(reply, k)

    def build(self) -> dict[str, Any]:
        """Build and publish a new version if anything changed, and load it here before
        returning: when this returns, citizens get the new version."""
        report = build_index(self.settings)
        self._until_live(report.version)
        return build_summary(report)

    def _until_live(self, version: str | None, timeout: float = LOAD_WAIT_SECONDS) -> None:
        """Load ``version`` now (the poller may be loading it already: wait for it), unless a newer
        one replaced it meanwhile or it cannot be loaded."""
        deadline = time.monotonic() + timeout
        while True:
            self.refresh()
            searcher = self.searcher()
            if (searcher is None or version is None or searcher.version == version
                    or store.current_version(self.settings.index_dir) != version or time.monotonic() > deadline):
                return
            time.sleep(0.05)

    def encoder(self) -> Encoder:
        """The process's embedding model (loaded on the first call)."""
        return get_encoder(self.settings.embedding_model)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Normalised sentence vectors (one row per text)."""
        return self.encoder().encode(texts)

    def model_info(self) -> dict[str, Any]:
        encoder = self.encoder()
        return {"model_id": encoder.model_id, "dim": encoder.dim}


def preview_json(reply: Answer, k: int) -> dict[str, Any]:
    """The staff API's view of a reply (``POST /api/search``)."""
    result = reply.search
    assert result is not None  # answer_question always searches
    answer = None
    if reply.confident and result.best is not None:
        answer = {
            "text": reply.text,
            "citation": reply.citation,
            "reply": reply_text(reply),
            "doc_id": result.best.doc_id,
            "related_questions": reply.related_questions,
        }
    return {
        "query": result.query,
        "version": result.version,
        "confident": result.confident,
        "confidence": round(result.confidence, 4),
        "threshold": result.threshold,
        "answer": answer,
        "hits": [
            {
                "rank": rank,
                "doc_id": hit.doc_id,
                "chunk_id": hit.chunk_id,
                "title": hit.title,
                "section": hit.section,
                "citation": format_citation(hit),
                "text": hit.text,
                "score": round(hit.score, 4),
                "dense": round(hit.dense, 4),
                "keyword": round(hit.keyword, 4),
                "bm25": round(hit.bm25, 4),
            }
            for rank, hit in enumerate(result.hits[:k], 1)
        ],
    }


def build_summary(report: BuildReport) -> dict[str, Any]:
    """What staff need from a build report (documents by id, not server paths)."""
    return {
        "version": report.version,
        "published": report.published,
        "documents": report.documents,
        "chunks": report.chunks,
        "embedded_documents": report.embedded_documents,
        "retired": report.retired,
        "problems": [{"doc_id": PurePath(p["path"]).stem, "reason": p["reason"]} for p in report.problems],
        "seconds": round(report.seconds, 2),
    }
