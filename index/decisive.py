"""Decisive phrases: a question that names a subject outright is about that subject's document.

Embeddings and BM25 both see "信访受理期限多长时间" as close to the page on the 60-day handling
period (受理, 期限 and 多长时间 are all over it) as to the page on the 15 days to decide on
acceptance, which is what 受理期限 means. The rules in ``index/data/decisive_phrases.txt`` name
such phrases; a matching question lifts every passage of the named document by
:data:`DECISIVE_BONUS`, the same lift a near-identical typical question gives
(:func:`index.fusion.with_near_duplicates_first`), so the passages then decide the section.
"""
from __future__ import annotations

import functools
import re
from dataclasses import replace
from pathlib import Path

import numpy as np

from core.settings import PROJECT_ROOT

from .fusion import ScoredChunks
from .keywords import canonical_text

RULES_FILE = PROJECT_ROOT / "index" / "data" / "decisive_phrases.txt"
DECISIVE_BONUS = 0.1
# "我问的不是多久办完，是多久告诉我受不受理": the clause the citizen sets aside names no subject.
_SET_ASIDE = re.compile(r"不是[^，,。；;？?！!]*[，,；;]\s*(而)?是")


@functools.lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(document id, pattern) for each rule line of ``path``; comments and blank lines skipped."""
    rules = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        doc_id, separator, pattern = line.partition("\t")
        if not separator or not doc_id.strip() or not pattern.strip():
            raise ValueError(f"{path}:{number}: expected 'document id<TAB>regular expression'")
        rules.append((doc_id.strip(), re.compile(pattern.strip())))
    return tuple(rules)


def decided_documents(question: str) -> set[str]:
    """The documents whose decisive phrases the (normalised) question names."""
    in_document_words = canonical_text(_SET_ASIDE.sub("", question))
    return {doc_id for doc_id, pattern in load_rules() if pattern.search(in_document_words)}


def with_decisive_documents_first(scored: ScoredChunks, question: str, chunk_doc_ids: list[str]) -> ScoredChunks:
    """``scored`` with :data:`DECISIVE_BONUS` added to every passage of each decided document."""
    decided = decided_documents(question)
    if not decided:
        return scored
    lift = np.float32(DECISIVE_BONUS) * np.fromiter((doc_id in decided for doc_id in chunk_doc_ids),
                                                    dtype=np.float32, count=len(chunk_doc_ids))
    if not lift.any():
        return scored
    bonus = lift if scored.bonus is None else scored.bonus + lift
    return replace(scored, fused=scored.fused + lift, bonus=bonus)
