"""Knowledge base index and hybrid retrieval for the assistant.

Public surface::

    build_index(cfg=None, *, full=False) -> BuildReport   # incremental, atomic, file-locked
    is_stale(cfg=None) -> bool                              # cheap: file hashes + model id vs manifest
    Searcher(cfg=None)                                      # reader of the current version
        .search(query, k=5) -> SearchResult                 # .hits, .confidence, .confident, .best
        .maybe_reload() -> bool                             # swap to a newer version if published
        .related_questions(hit, k=3) -> list[str]           # typical questions of related documents
    answer_question(searcher, query) -> Answer              # what the assistant says: the answering
                                                            # sentences, "来源：…", related questions
    extract_answer(query, hit) -> str                       # the answering sentences of one passage
    format_citation(*hits) -> str                           # "来源：《信访工作条例》第三十五条"
    reply_text(answer) -> str                               # the sentences, then the source line

:class:`index.live.LiveKnowledge` is the one live searcher of the process holding the model (the
action server); the web service reaches it over HTTP.

``cfg`` is a :class:`core.settings.Settings`; by default the process-wide ``settings()``. All of
these share one embedding model per process, loaded on first use. Command line:
``python -m index build|search|status|eval|bench``.
"""
from .answer import Answer, answer_question, extract_answer, format_citation, reply_text
from .builder import BuildReport, build_index, is_stale
from .searcher import Hit, Searcher, SearchResult

__all__ = [
    "Answer",
    "answer_question",
    "BuildReport",
    "Hit",
    "SearchResult",
    "Searcher",
    "build_index",
    "extract_answer",
    "format_citation",
    "is_stale",
    "reply_text",
]
