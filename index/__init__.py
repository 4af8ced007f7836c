"""Knowledge base index and hybrid retrieval for the assistant.

Public surface::

    build_index(cfg=None, *, full=False) -> BuildReport   # incremental, atomic, file-locked
    is_stale(cfg=None) -> bool                              # cheap: file hashes + model id vs manifest
    Searcher(cfg=None)                                      # reader of the current version
        .search(query, k=5) -> SearchResult                 # .hits, .confidence, .confident, .best
        .maybe_reload() -> bool                             # swap to a newer version if published
        .related_questions(hit, k=3) -> list[str]           # typical questions of related documents
    extract_answer(query, hit, *, max_chars=180) -> str     # the 1-3 answering sentences
    format_citation(hit) -> str                             # "来源：《信访工作条例》第三十五条"

``cfg`` is a :class:`core.settings.Settings`; by default the process-wide ``settings()``. All of
these share one embedding model per process, loaded on first use. Command line:
``python -m index build|search|status|eval|bench``.
"""
from .answer import extract_answer, format_citation
from .builder import BuildReport, build_index, is_stale
from .searcher import Hit, Searcher, SearchResult

__all__ = [
    "BuildReport",
    "Hit",
    "SearchResult",
    "Searcher",
    "build_index",
    "extract_answer",
    "format_citation",
    "is_stale",
]
