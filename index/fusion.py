"""Fusing the retrieval signals into one calibrated 0..1 score per passage.

A passage is scored on two fields, each seen by both the embedding model and BM25:

* the passage itself (its text under its headings, and the section heading alone, which is often
  the very question the section answers);
* the document's typical questions (``questions:`` in the front matter), matched question to
  question. A close question says which *document* answers; it lifts every passage of that
  document by the same amount, and the passage fields then decide which section answers. (A
  question tied to one passage picked the wrong section whenever the tie was wrong.)

Every signal is first put on a 0..1 scale that means the same for every query:

* dense: cosine rescaled against the *background* similarity of the model on this collection
  (the median cosine between a typical question and texts of other documents, measured at build
  time per field): ``(cos - background) / (1 - background)``. Sentence-embedding models give
  unrelated Chinese texts cosines of 0.6-0.7, so a raw cosine says little by itself; the
  rescaling also keeps the threshold meaningful when another model is configured.
* keyword: BM25 divided by the summed IDF of the query terms (see :class:`KeywordIndex`).

The fused score is a weighted sum (weights below, tuned on the dev split of
``tests/data/citizen_eval.yaml`` with ``python -m index tune``); the same number ranks the passages
and, for the top one, is the confidence compared with ``RETRIEVAL_THRESHOLD``. The single-signal
modes (for evaluation baselines) keep their signals' weights, rescaled to sum to one.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

MODES = ("hybrid", "dense", "keyword")
SIGNALS = ("dense_passage", "dense_heading", "dense_question", "keyword_passage", "keyword_question")
DENSE_SIGNALS = ("dense_passage", "dense_heading", "dense_question")


@dataclass(frozen=True)
class Weights:
    dense_passage: float = 0.25
    dense_heading: float = 0.05
    dense_question: float = 0.15
    keyword_passage: float = 0.40
    keyword_question: float = 0.15

    def for_mode(self, mode: str) -> dict[str, float]:
        """The weights a mode uses, summing to one."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        chosen = {name: getattr(self, name) for name in SIGNALS
                  if mode == "hybrid" or (name in DENSE_SIGNALS) == (mode == "dense")}
        total = sum(chosen.values()) or 1.0
        return {name: value / total for name, value in chosen.items()}


WEIGHTS = Weights()


@dataclass(frozen=True)
class ScoredChunks:
    fused: np.ndarray  # ranks the passages
    dense: np.ndarray  # the passage's own calibrated cosine (shown in search listings)
    keyword: np.ndarray  # the passage's own normalised BM25
    bm25: np.ndarray
    signals: dict[str, np.ndarray]  # what ranked the passages
    weights: dict[str, float]
    known_share: float = 1.0  # share of the question's keyword weight the collection knows at all
    peak: dict[str, np.ndarray] | None = None  # the better of the message's and its question's signals
    bonus: np.ndarray | None = None  # added to the weighted sum (see with_near_duplicates_first)

    @property
    def peak_signals(self) -> dict[str, np.ndarray]:
        """The signals that say how sure the searcher is (the ranking signals unless set apart)."""
        return self.peak if self.peak is not None else self.signals

    @property
    def peak_fused(self) -> np.ndarray:
        if self.peak is None:
            return self.fused
        peak_fused = weighted_sum(self.peak, self.weights)
        return peak_fused if self.bonus is None else peak_fused + self.bonus


# A typical question this close to the message (calibrated cosine) is the message itself, reworded
# at most by punctuation or a particle: its document answers. Staff fix a wrong answer by adding the
# citizen's question to the right document, so that must win even where the passages of another
# document share more words ("对复查意见不服可以申请复核吗" and the page on 复核 materials).
NEAR_DUPLICATE_QUESTION = 0.95
NEAR_DUPLICATE_BONUS = 0.1


def with_near_duplicates_first(scored: ScoredChunks) -> ScoredChunks:
    """``scored`` with :data:`NEAR_DUPLICATE_BONUS` added to every passage of a document that has a
    typical question nearly identical to the message (hybrid and dense modes)."""
    near = scored.peak_signals["dense_question"] >= NEAR_DUPLICATE_QUESTION
    if not near.any() or scored.weights.get("dense_question", 0.0) == 0.0:
        return scored
    bonus = np.float32(NEAR_DUPLICATE_BONUS) * near
    return replace(scored, fused=scored.fused + bonus, bonus=bonus)


def weighted_sum(signals: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    fused = np.zeros_like(signals["dense_passage"], dtype=np.float32)
    for name, weight in weights.items():
        fused += np.float32(weight) * signals[name]
    return fused


def calibrate_dense(cosines: np.ndarray, background: float) -> np.ndarray:
    """Cosines to 0..1 above the background; rows the ANN search did not return score 0."""
    scaled = (np.nan_to_num(cosines, nan=background) - background) / max(1.0 - background, 1e-6)
    return np.clip(scaled, 0.0, 1.0).astype(np.float32)


def fuse(signals: dict[str, np.ndarray], bm25: np.ndarray, mode: str, weights: Weights = WEIGHTS, *,
         known_share: float = 1.0) -> ScoredChunks:
    """``signals``: every name of :data:`SIGNALS`, each already on its 0..1 scale, per chunk."""
    used = weights.for_mode(mode)
    return ScoredChunks(fused=weighted_sum(signals, used), dense=signals["dense_passage"],
                        keyword=signals["keyword_passage"], bm25=bm25, signals=signals, weights=used,
                        known_share=known_share)


def background_similarity(query_vectors: np.ndarray, query_docs: list[str], target_vectors: np.ndarray,
                          target_docs: list[str], sample: int = 2000, seed: int = 0) -> float:
    """Median cosine between typical questions and texts (passages, headings or questions) of
    *other* documents."""
    if len(query_vectors) == 0 or len(target_vectors) == 0:
        return 0.0
    rng = np.random.default_rng(seed)
    q_pick = rng.choice(len(query_vectors), size=min(sample, len(query_vectors)), replace=False)
    t_pick = rng.choice(len(target_vectors), size=min(sample, len(target_vectors)), replace=False)
    sims = query_vectors[q_pick] @ target_vectors[t_pick].T
    other = np.asarray([[query_docs[i] != target_docs[j] for j in t_pick] for i in q_pick])
    values = sims[other]
    return float(np.median(values)) if values.size else 0.0
