"""The staff preview of an answer: the same index version and the same ranking as the assistant.

The web process keeps its own :class:`index.Searcher` (created on first use: loading the model
takes a while), follows ``CURRENT`` before every search, and reloads right after each publish.
The reply is built the way ``bot/actions/knowledge.py`` builds it: the best hit when the
searcher is confident, the answering sentences and the source line.
"""
from __future__ import annotations

import threading

from core.settings import Settings
from index import Searcher, answer_question, format_citation

MAX_QUERY_CHARS = 500
MAX_RESULTS = 20


class SearchService:
    def __init__(self, cfg: Settings):
        self._cfg = cfg
        self._searcher: Searcher | None = None
        self._lock = threading.Lock()

    def searcher(self) -> Searcher:
        with self._lock:
            if self._searcher is None:
                self._searcher = Searcher(self._cfg)
            return self._searcher

    def reload(self) -> None:
        """Load the newest published version now (called after each build); loads the model on
        first use."""
        self.searcher().maybe_reload()

    def search(self, query: str, k: int = 5) -> dict:
        """Ranked passages with their scores, and the reply the assistant would give."""
        searcher = self.searcher()
        searcher.maybe_reload()
        k = max(1, min(k, MAX_RESULTS))
        reply = answer_question(searcher, query, cfg=self._cfg, k=k)
        result = reply.search
        answer = None
        if reply.confident and result.best is not None:
            answer = {
                "text": reply.text,
                "citation": reply.citation,
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
