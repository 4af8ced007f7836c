"""Choosing the fusion weights (``python -m index tune``): a grid search on an evaluation split.

Every question is searched once; the per-passage signals (see :mod:`index.fusion`) are kept, so
each candidate weighting is scored in NumPy without touching the model again. A weighting is
judged by what matters to a citizen, in this order: the right passage first (passage hit@1), the
right document first, and off-topic questions below a threshold that still answers the
answerable ones. Run it on the ``dev`` split and report the ``test`` split with
``python -m index eval --split test``: weights tuned and judged on the same questions would
overstate the result.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, fields

import numpy as np

from .confidence import ConfidenceModel, fit
from .domain import off_topic_training
from .evaluate import EvalSet, MIN_OFF_TOPIC_ABSTENTION
from .fusion import SIGNALS, Weights
from .searcher import Searcher

GRID = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)


@dataclass(frozen=True)
class _Collected:
    signals: np.ndarray  # questions x signals x chunks
    passage_ok: np.ndarray  # questions x chunks: the chunk is a named passage
    doc_ok: np.ndarray  # questions x chunks: the chunk's document answers
    off_topic: np.ndarray  # off-topic questions x signals x chunks


def _signals(searcher: Searcher, question: str) -> np.ndarray:
    scored = searcher.score_all(question)
    if scored is None:
        return np.zeros((len(SIGNALS), len(searcher.chunks)), np.float32)
    return np.stack([scored.signals[name] for name in SIGNALS])


def collect(searcher: Searcher, eval_set: EvalSet) -> _Collected:
    chunks = searcher.chunks
    signals, passage_ok, doc_ok = [], [], []
    for item in eval_set.answerable:
        signals.append(_signals(searcher, item.question))
        passage_ok.append([any(p.matches(c) for p in item.passages) for c in chunks])
        doc_ok.append([c.doc_id in item.docs for c in chunks])
    off_topic = [_signals(searcher, q) for q in eval_set.off_topic]
    empty = np.zeros((0, len(SIGNALS), len(chunks)), np.float32)
    return _Collected(np.asarray(signals), np.asarray(passage_ok), np.asarray(doc_ok),
                      np.asarray(off_topic) if off_topic else empty)


@dataclass(frozen=True)
class Candidate:
    weights: Weights
    passage_hit_at_1: float
    doc_hit_at_1: float
    threshold: float
    answered_right: float  # confident and the right document first, at that threshold
    off_topic_abstention: float

    @property
    def key(self) -> tuple[float, float, float]:
        return (round(self.passage_hit_at_1 + self.doc_hit_at_1, 4), round(self.answered_right, 4),
                round(self.off_topic_abstention, 4))


def _judge(weights: Weights, data: _Collected) -> Candidate:
    vector = np.asarray([getattr(weights, name) for name in SIGNALS], np.float32)
    fused = np.einsum("s,qsc->qc", vector, data.signals)
    top = fused.argmax(axis=1)
    rows = np.arange(len(top))
    confidence = fused[rows, top]
    right_doc = data.doc_ok[rows, top]
    off = np.einsum("s,qsc->qc", vector, data.off_topic).max(axis=1) if len(data.off_topic) else np.zeros(0)
    # The lowest threshold that keeps the required share of off-topic questions unanswered.
    threshold = float(np.quantile(off, MIN_OFF_TOPIC_ABSTENTION + 0.05, method="higher")) + 1e-3 if off.size else 0.0
    return Candidate(weights, float(np.mean(data.passage_ok[rows, top])), float(np.mean(right_doc)), round(threshold, 3),
                     float(np.mean(right_doc & (confidence >= threshold))),
                     float(np.mean(off < threshold)) if off.size else 1.0)


def search_weights(searcher: Searcher, eval_set: EvalSet, top: int = 5) -> list[Candidate]:
    """The best weightings on the grid (weights summing to one), best first."""
    data = collect(searcher, eval_set)
    candidates = []
    for values in itertools.product(GRID, repeat=len(SIGNALS) - 1):
        last = round(1.0 - sum(values), 4)
        if last < 0 or last > max(GRID):
            continue
        weights = Weights(**dict(zip((f.name for f in fields(Weights)), (*values, last))))
        candidates.append(_judge(weights, data))
    candidates.sort(key=lambda c: c.key, reverse=True)
    return [_judge(Weights(), data), *candidates[:top]]


def format_candidates(candidates: list[Candidate]) -> str:
    lines = [f"{'weights (' + ', '.join(SIGNALS) + ')':<72}{'pass@1':>8}{'doc@1':>7}{'thresh':>8}{'right':>7}{'off-ab':>8}"]
    for i, c in enumerate(candidates):
        label = ("current " if i == 0 else f"#{i} ") + " ".join(f"{getattr(c.weights, n):.2f}" for n in SIGNALS)
        lines.append(f"{label:<72}{c.passage_hit_at_1:>8.3f}{c.doc_hit_at_1:>7.3f}{c.threshold:>8.3f}"
                     f"{c.answered_right:>7.3f}{c.off_topic_abstention:>8.3f}")
    return "\n".join(lines)


def fit_confidence(searcher: Searcher, eval_set: EvalSet) -> tuple[ConfidenceModel, str]:
    """Fit the confidence model on ``eval_set`` (its answerable questions: is the top document
    right?) and off-topic questions (its own and the training list); report thresholds."""
    rows: list[dict[str, float]] = []
    labels: list[int] = []
    kinds: list[str] = []
    for item in eval_set.answerable:
        features, top_doc = searcher.explain(item.question)
        rows.append(features)
        labels.append(int(top_doc in item.docs))
        kinds.append("right" if top_doc in item.docs else "wrong")
    for question in [*eval_set.off_topic, *off_topic_training()]:
        rows.append(searcher.explain(question)[0])
        labels.append(0)
        kinds.append("off")
    model = fit(rows, labels)
    model = ConfidenceModel(model.coefficients, model.intercept,
                            f"fitted by python -m index tune --confidence on {len(eval_set.answerable)} answerable and "
                            f"{kinds.count('off')} off-topic questions")
    probabilities = np.asarray([model.probability(row) for row in rows])
    kind = np.asarray(kinds)
    lines = [f"{'threshold':>9}{'right answered':>16}{'wrong answered':>16}{'off-topic answered':>20}"]
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        answered = probabilities >= threshold
        share = lambda k: float(np.mean(answered[kind == k])) if np.any(kind == k) else 0.0  # noqa: E731
        lines.append(f"{threshold:>9.2f}{share('right'):>16.3f}{share('wrong'):>16.3f}{share('off'):>20.3f}")
    return model, "\n".join(lines)
