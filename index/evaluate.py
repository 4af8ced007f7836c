"""Retrieval evaluation on ``tests/data/retrieval_eval.yaml``: ranking quality and abstention.

Ranks are over distinct documents (the first passage of each document in the ranked list counts),
since the eval set names the documents that answer each question. Each mode gets a confidence
threshold: hybrid uses ``RETRIEVAL_THRESHOLD``; the single-signal baselines, which have no
setting of their own, get the threshold :func:`tune_threshold` picks for them on the same data.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from .fusion import MODES
from .searcher import Searcher

RANK_DEPTH = 10
MIN_OFF_TOPIC_ABSTENTION = 0.9


@dataclass(frozen=True)
class EvalSet:
    answerable: list[tuple[str, frozenset[str]]]
    off_topic: list[str]

    @property
    def queries(self) -> list[str]:
        """Every question of the set: the answerable ones, then the off-topic ones."""
        return [question for question, _ in self.answerable] + self.off_topic


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def load_eval_set(path: Path) -> EvalSet:
    """Accepts ``questions: [{question, docs}]`` (``doc``/``doc_id(s)``/``expected`` also work)
    and ``off_topic: [question, ...]``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    answerable: list[tuple[str, frozenset[str]]] = []
    for item in data.get("questions") or data.get("answerable") or []:
        question = item.get("question") or item.get("q") or item.get("text")
        docs = next((item[k] for k in ("docs", "doc_ids", "doc", "doc_id", "expected") if k in item), None)
        if question and docs:
            answerable.append((str(question), frozenset(_as_list(docs))))
    off_topic = []
    for item in data.get("off_topic") or data.get("unanswerable") or []:
        off_topic.append(str(item.get("question") or item.get("q") or item.get("text")) if isinstance(item, dict) else str(item))
    return EvalSet(answerable, off_topic)


@dataclass
class ModeRecords:
    """Per question: confidence of the top hit and the 1-based rank of the first expected document."""

    answerable_confidence: np.ndarray
    answerable_rank: np.ndarray  # 0 = not in the top RANK_DEPTH documents
    off_topic_confidence: np.ndarray
    misses: list[tuple[str, str, list[str]]]  # question, expected, top documents


def _doc_ranking(searcher: Searcher, question: str, mode: str) -> tuple[float, list[str]]:
    result = searcher.search(question, k=RANK_DEPTH * 4, mode=mode)
    docs = list(dict.fromkeys(hit.doc_id for hit in result.hits))[:RANK_DEPTH]
    return result.confidence, docs


def collect(searcher: Searcher, eval_set: EvalSet, mode: str) -> ModeRecords:
    confidences, ranks, misses = [], [], []
    for question, expected in eval_set.answerable:
        confidence, docs = _doc_ranking(searcher, question, mode)
        rank = next((i + 1 for i, doc in enumerate(docs) if doc in expected), 0)
        confidences.append(confidence)
        ranks.append(rank)
        if rank != 1:
            misses.append((question, "/".join(sorted(expected)), docs[:3]))
    off_topic = [_doc_ranking(searcher, q, mode)[0] for q in eval_set.off_topic]
    return ModeRecords(np.asarray(confidences), np.asarray(ranks), np.asarray(off_topic), misses)


@dataclass(frozen=True)
class Metrics:
    hit_at_1: float
    hit_at_3: float
    mrr: float
    threshold: float
    off_topic_abstention: float
    answerable_abstention: float
    confident_wrong: float  # answerable questions answered confidently from the wrong document


def metrics(records: ModeRecords, threshold: float) -> Metrics:
    ranks = records.answerable_rank
    confident = records.answerable_confidence >= threshold
    reciprocal = np.where(ranks > 0, 1.0 / np.maximum(ranks, 1), 0.0)
    return Metrics(
        hit_at_1=float(np.mean(ranks == 1)),
        hit_at_3=float(np.mean((ranks >= 1) & (ranks <= 3))),
        mrr=float(np.mean(reciprocal)),
        threshold=threshold,
        off_topic_abstention=float(np.mean(records.off_topic_confidence < threshold)) if records.off_topic_confidence.size else 1.0,
        answerable_abstention=float(np.mean(~confident)),
        confident_wrong=float(np.mean(confident & (ranks != 1))),
    )


def tune_threshold(records: ModeRecords) -> float:
    """The threshold that best separates right answers from everything that must not be answered.

    Among thresholds keeping off-topic abstention at or above 0.9, maximise
    (answered correctly) - (answered from the wrong document) - (off-topic answered), each as a
    rate; then take the middle of the interval of thresholds reaching that optimum, so the
    choice does not sit on the edge of one particular question.
    """
    observed = np.unique(np.concatenate([records.answerable_confidence, records.off_topic_confidence]))
    if observed.size == 0:
        return 0.5
    correct = records.answerable_rank == 1
    # Threshold t decides like any value in (previous observed score, t]; the extra last
    # candidate answers nothing.
    candidates = np.concatenate([observed, [observed.max() + 0.05]])
    lower_bounds = np.concatenate([[0.0], candidates[:-1]])
    scored: list[tuple[float, float, float]] = []  # (value, low, high)
    for low, t in zip(lower_bounds, candidates):
        answered = records.answerable_confidence >= t
        off_topic_answered = float(np.mean(records.off_topic_confidence >= t)) if records.off_topic_confidence.size else 0.0
        if 1.0 - off_topic_answered < MIN_OFF_TOPIC_ABSTENTION:
            continue
        value = float(np.mean(answered & correct) - np.mean(answered & ~correct) - off_topic_answered)
        scored.append((value, float(low), float(t)))
    best = max(value for value, _, _ in scored)
    runs: list[tuple[float, float]] = []  # contiguous intervals of optimal thresholds
    for value, low, high in scored:
        if value < best - 1e-9:
            continue
        if runs and abs(runs[-1][1] - low) < 1e-12:
            runs[-1] = (runs[-1][0], high)
        else:
            runs.append((low, high))
    low, high = max(runs, key=lambda run: run[1] - run[0])
    return round((low + high) / 2, 3)


def evaluate(searcher: Searcher, eval_set: EvalSet, threshold: float) -> dict[str, tuple[Metrics, ModeRecords]]:
    results = {}
    for mode in ("keyword", "dense", "hybrid"):
        records = collect(searcher, eval_set, mode)
        mode_threshold = threshold if mode == "hybrid" else tune_threshold(records)
        results[mode] = (metrics(records, mode_threshold), records)
    return results


def format_table(results: dict[str, tuple[Metrics, ModeRecords]], eval_set: EvalSet) -> str:
    names = {"keyword": "BM25 only", "dense": "dense only", "hybrid": "hybrid"}
    header = (f"{'mode':<11}{'hit@1':>7}{'hit@3':>7}{'MRR':>7}{'thresh':>8}{'off-topic':>11}"
              f"{'false':>8}{'conf.':>8}")
    sub = f"{'':<11}{'':>7}{'':>7}{'':>7}{'':>8}{'abstain':>11}{'unsure':>8}{'wrong':>8}"
    lines = [f"{len(eval_set.answerable)} answerable questions, {len(eval_set.off_topic)} off-topic questions",
             header, sub]
    for mode in ("keyword", "dense", "hybrid"):
        m = results[mode][0]
        lines.append(f"{names[mode]:<11}{m.hit_at_1:>7.3f}{m.hit_at_3:>7.3f}{m.mrr:>7.3f}{m.threshold:>8.3f}"
                     f"{m.off_topic_abstention:>11.3f}{m.answerable_abstention:>8.3f}{m.confident_wrong:>8.3f}")
    lines.append("off-topic abstain: share of off-topic questions below the threshold; false unsure: share of "
                 "answerable questions below it; conf. wrong: answerable questions answered confidently from "
                 "a document the eval set does not list. Baseline thresholds are tuned on this set; hybrid uses "
                 "RETRIEVAL_THRESHOLD.")
    return "\n".join(lines)


__all__ = ["EvalSet", "Metrics", "MODES", "evaluate", "format_table", "load_eval_set", "tune_threshold"]
