"""Fusing the dense and keyword rankings into one calibrated 0..1 score.

Both signals are first put on a 0..1 scale that means the same for every query:

* dense: cosine rescaled against the *background* similarity of the model on this collection
  (the median cosine between a typical question and passages of other documents, measured at
  build time): ``(cos - background) / (1 - background)``. Sentence-embedding models give
  unrelated Chinese texts cosines of 0.6-0.7, so a raw cosine says little by itself; the
  rescaling also keeps the threshold meaningful when another model is configured.
* keyword: BM25 divided by the summed IDF of the query terms (see :class:`KeywordIndex`).

The fused score is a weighted sum of the two; the same number ranks the passages and, for the
top one, is the confidence compared with ``RETRIEVAL_THRESHOLD``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MODES = ("hybrid", "dense", "keyword")
DENSE_WEIGHT = 0.5


@dataclass(frozen=True)
class ScoredChunks:
    fused: np.ndarray
    dense: np.ndarray
    keyword: np.ndarray
    bm25: np.ndarray


def calibrate_dense(cosines: np.ndarray, background: float) -> np.ndarray:
    """Cosines to 0..1 above the background; chunks the ANN search did not return score 0."""
    scaled = (np.nan_to_num(cosines, nan=background) - background) / max(1.0 - background, 1e-6)
    return np.clip(scaled, 0.0, 1.0).astype(np.float32)


def fuse(cosines: np.ndarray, keyword: np.ndarray, bm25: np.ndarray, background: float, mode: str) -> ScoredChunks:
    dense = calibrate_dense(cosines, background)
    if mode == "dense":
        fused = dense
    elif mode == "keyword":
        fused = keyword
    else:
        fused = DENSE_WEIGHT * dense + (1.0 - DENSE_WEIGHT) * keyword
    return ScoredChunks(fused=fused, dense=dense, keyword=keyword, bm25=bm25)


def background_similarity(question_vectors: np.ndarray, question_docs: list[str], chunk_vectors: np.ndarray,
                          chunk_docs: list[str], sample: int = 2000, seed: int = 0) -> float:
    """Median cosine between typical questions and passages of *other* documents."""
    if len(question_vectors) == 0 or len(chunk_vectors) == 0:
        return 0.0
    rng = np.random.default_rng(seed)
    q_pick = rng.choice(len(question_vectors), size=min(sample, len(question_vectors)), replace=False)
    c_pick = rng.choice(len(chunk_vectors), size=min(sample, len(chunk_vectors)), replace=False)
    sims = question_vectors[q_pick] @ chunk_vectors[c_pick].T
    other = np.asarray([[question_docs[i] != chunk_docs[j] for j in c_pick] for i in q_pick])
    values = sims[other]
    return float(np.median(values)) if values.size else 0.0
