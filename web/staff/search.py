"""The staff preview of an answer: the assistant's own searcher, ranking and reply.

The web service holds no searcher and no model: the preview is asked of the action server
(:meth:`index.model_client.RemoteKnowledge.preview`), whose live searcher answers citizens, so
staff see exactly what citizens get, on the version citizens get it from.
"""
from __future__ import annotations

from typing import Any, Protocol

MAX_QUERY_CHARS = 500
MAX_RESULTS = 20


class TextEncoderSource(Protocol):
    def encoder(self) -> Any: ...  # an insights.vectors.TextEncoder


class KnowledgeBackend(TextEncoderSource, Protocol):
    """What the web service asks of the model holder: :class:`index.model_client.RemoteKnowledge`
    in the running assistant (:class:`index.live.LiveKnowledge` has the same methods)."""

    def preview(self, query: str, k: int = 5) -> dict[str, Any]: ...

    def build(self) -> dict[str, Any]: ...


class SearchService:
    def __init__(self, knowledge: KnowledgeBackend):
        self._knowledge = knowledge

    def search(self, query: str, k: int = 5) -> dict[str, Any]:
        """Ranked passages with their scores, and the reply the assistant would give."""
        return self._knowledge.preview(query, max(1, min(k, MAX_RESULTS)))
