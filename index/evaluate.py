"""Retrieval and answer evaluation: ranking quality, answer content and abstention.

The evaluation sets (``tests/data/citizen_eval.yaml``, and the older ``retrieval_eval.yaml``)
list citizen questions with what answers them: documents, or passages named as
``doc-id#heading fragment``, and the facts the reply must contain (groups of alternatives, every
group must match). Off-topic questions must get no answer.

Document ranks count the first passage of each document in the ranked list; passage ranks count
passages. "Fact" asks the whole pipeline: the reply the assistant would give (answer sentences
and source line) must be confident and contain every fact group. Each mode gets a confidence
threshold: hybrid uses ``RETRIEVAL_THRESHOLD``; the single-signal baselines, which have no setting
of their own, get the threshold :func:`tune_threshold` picks for them on the same data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
import yaml

from .answer import answer_question
from .fusion import MODES
from .searcher import Hit, Searcher

RANK_DEPTH = 10
MIN_OFF_TOPIC_ABSTENTION = 0.9
MODE_NAMES = {"keyword": "BM25 only", "dense": "dense only", "hybrid": "hybrid"}


@dataclass(frozen=True)
class PassageRef:
    """A passage named by the eval set: a document, and a fragment of its section heading
    (empty: any section of the document answers)."""

    doc_id: str
    heading: str = ""

    @classmethod
    def parse(cls, text: str) -> "PassageRef":
        doc_id, _, heading = str(text).partition("#")
        return cls(doc_id.strip(), heading.strip())

    def matches(self, hit: Hit) -> bool:
        return hit.doc_id == self.doc_id and self.heading in hit.section


@dataclass(frozen=True)
class EvalQuestion:
    question: str
    passages: tuple[PassageRef, ...]  # those named when the question was written, and (unless
    # loaded strictly) those a reviewer accepted later, judging other systems' top passages (``also``)
    facts: tuple[tuple[str, ...], ...] = ()
    kind: str = ""
    split: str = ""

    @property
    def docs(self) -> frozenset[str]:
        return frozenset(p.doc_id for p in self.passages)


@dataclass(frozen=True)
class EvalSet:
    answerable: list[EvalQuestion]
    off_topic: list[str]
    off_topic_kinds: list[str] = field(default_factory=list)

    @property
    def queries(self) -> list[str]:
        """Every question of the set: the answerable ones, then the off-topic ones."""
        return [item.question for item in self.answerable] + self.off_topic

    def only(self, split: str | None) -> "EvalSet":
        """The questions of one split (``dev``/``test``); off-topic questions split the same way."""
        if not split or split == "all":
            return self
        return EvalSet([q for q in self.answerable if q.split == split],
                       [q for q, s in zip(self.off_topic, self._off_topic_splits()) if s == split],
                       [k for k, s in zip(self.off_topic_kinds, self._off_topic_splits()) if s == split])

    def _off_topic_splits(self) -> list[str]:
        # Off-topic items carry no split of their own: every third one is dev, like the answerable ones.
        return ["dev" if i % 3 == 0 else "test" for i in range(len(self.off_topic))]


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _fact_groups(value: object) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(_as_list(group)) for group in (value or []))


def load_eval_set(path: Path, *, strict: bool = False) -> EvalSet:
    """Reads ``questions: [{q, passages|docs, also, fact, kind, split}]`` and ``off_topic: [q | {q, kind}]``.

    ``also`` lists passages a reviewer accepted after the question was written (pooled from the
    top passages of several retrieval modes, judged strictly); ``strict`` leaves them out."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    answerable: list[EvalQuestion] = []
    for item in data.get("questions") or []:
        question = item.get("q") or item.get("question")
        named = item.get("passages") or item.get("docs")
        if question and named:
            named = _as_list(named) + ([] if strict else _as_list(item.get("also")))
            answerable.append(EvalQuestion(
                str(question), tuple(PassageRef.parse(p) for p in named),
                _fact_groups(item.get("fact") or item.get("expect")), str(item.get("kind") or ""),
                str(item.get("split") or ""),
            ))
    off_topic, kinds = [], []
    for item in data.get("off_topic") or []:
        if isinstance(item, dict):
            off_topic.append(str(item.get("q") or item.get("question")))
            kinds.append(str(item.get("kind") or ""))
        else:
            off_topic.append(str(item))
            kinds.append("")
    return EvalSet(answerable, off_topic, kinds)


@dataclass
class ModeRecords:
    """Per question: confidence, 1-based document and passage ranks (0 = not in the top
    RANK_DEPTH), and whether the reply holds the facts (None when the set names none)."""

    answerable_confidence: np.ndarray
    answerable_rank: np.ndarray
    passage_rank: np.ndarray
    fact_found: list[bool | None]
    off_topic_confidence: np.ndarray
    misses: list[tuple[str, str, list[str], str]]  # question, expected, top passages, reply
    # "Not sure" replies: per unsure answerable question, whether a likely-topic button leads to an
    # answering document; per unsure off-topic question, whether it was offered any (None: answered).
    unsure_offers_right: list[bool | None] = field(default_factory=list)
    off_topic_offered: list[bool | None] = field(default_factory=list)


def fact_missing(reply: str, facts: Iterable[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return [group for group in facts if not any(word in reply for word in group)]


def collect(searcher: Searcher, eval_set: EvalSet, mode: str, *, answers: bool = True,
            threshold: float | None = None) -> ModeRecords:
    """Search (and, with ``answers``, answer at ``threshold``) every question of the set."""
    confidences, ranks, passage_ranks, facts, misses = [], [], [], [], []
    offers_right: list[bool | None] = []
    question_documents = searcher.question_documents()
    for item in eval_set.answerable:
        answer = answer_question(searcher, item.question, mode=mode, k=RANK_DEPTH * 4, related=0,
                                 threshold=threshold) if answers else None
        result = answer.search if answer is not None else searcher.search(item.question, k=RANK_DEPTH * 4, mode=mode)
        hits = result.hits
        docs = list(dict.fromkeys(hit.doc_id for hit in hits))[:RANK_DEPTH]
        rank = next((i + 1 for i, doc in enumerate(docs) if doc in item.docs), 0)
        passage_rank = next((i + 1 for i, hit in enumerate(hits[:RANK_DEPTH])
                             if any(p.matches(hit) for p in item.passages)), 0)
        reply = f"{answer.text}\n{answer.citation}" if answer is not None and answer.confident else ""
        found = None if answer is None or not item.facts else bool(reply) and not fact_missing(reply, item.facts)
        offers_right.append(None if answer is None or answer.confident else
                            any(question_documents.get(q) in item.docs for q in answer.suggested_questions))
        confidences.append(result.confidence)
        ranks.append(rank)
        passage_ranks.append(passage_rank)
        facts.append(found)
        if passage_rank != 1 or found is False:
            expected = " | ".join(f"{p.doc_id}#{p.heading}" if p.heading else p.doc_id for p in item.passages)
            top = [f"{h.doc_id}#{h.section}" for h in hits[:3]]
            misses.append((item.question, expected, top, reply.replace("\n", " ")))
    off_topic, offered = [], []
    for question in eval_set.off_topic:
        if answers:
            answer = answer_question(searcher, question, mode=mode, k=RANK_DEPTH, related=0, threshold=threshold)
            off_topic.append(answer.search.confidence)
            offered.append(None if answer.confident else bool(answer.suggested_questions))
        else:
            off_topic.append(searcher.search(question, k=RANK_DEPTH, mode=mode).confidence)
    return ModeRecords(np.asarray(confidences), np.asarray(ranks), np.asarray(passage_ranks), facts,
                       np.asarray(off_topic), misses, offers_right, offered)


@dataclass(frozen=True)
class Metrics:
    count: int
    hit_at_1: float
    hit_at_3: float
    passage_hit_at_1: float
    passage_hit_at_3: float
    mrr: float
    fact: float | None  # replies holding their facts, among questions that name facts
    threshold: float
    off_topic_abstention: float
    answerable_abstention: float
    confident_wrong: float  # answerable questions answered confidently from the wrong document


def metrics(records: ModeRecords, threshold: float, selected: np.ndarray | None = None,
            off_topic_selected: np.ndarray | None = None) -> Metrics:
    """Metrics over all questions, or over the ``selected`` ones (boolean masks)."""
    pick = np.ones(len(records.answerable_rank), bool) if selected is None else selected
    off_pick = np.ones(len(records.off_topic_confidence), bool) if off_topic_selected is None else off_topic_selected
    ranks, passage_ranks = records.answerable_rank[pick], records.passage_rank[pick]
    confident = records.answerable_confidence[pick] >= threshold
    reciprocal = np.where(ranks > 0, 1.0 / np.maximum(ranks, 1), 0.0)
    facts = [f for f, p in zip(records.fact_found, pick) if p and f is not None]
    off = records.off_topic_confidence[off_pick]
    mean = lambda values: float(np.mean(values)) if np.size(values) else 0.0  # noqa: E731
    return Metrics(
        count=int(pick.sum()),
        hit_at_1=mean(ranks == 1),
        hit_at_3=mean((ranks >= 1) & (ranks <= 3)),
        passage_hit_at_1=mean(passage_ranks == 1),
        passage_hit_at_3=mean((passage_ranks >= 1) & (passage_ranks <= 3)),
        mrr=mean(reciprocal),
        fact=float(np.mean(facts)) if facts else None,
        threshold=threshold,
        off_topic_abstention=mean(off < threshold) if off.size else 1.0,
        answerable_abstention=mean(~confident),
        confident_wrong=mean(confident & (ranks != 1)),
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


def evaluate(searcher: Searcher, eval_set: EvalSet, threshold: float,
             modes: tuple[str, ...] = ("keyword", "dense", "hybrid")) -> dict[str, tuple[Metrics, ModeRecords]]:
    results = {}
    for mode in modes:
        if mode == "hybrid":
            mode_threshold = threshold
        else:  # a baseline answers at the threshold that suits its own scores best
            mode_threshold = tune_threshold(collect(searcher, eval_set, mode, answers=False))
        records = collect(searcher, eval_set, mode, threshold=mode_threshold)
        results[mode] = (metrics(records, mode_threshold), records)
    return results


def _row(label: str, m: Metrics) -> str:
    fact = f"{m.fact:>7.3f}" if m.fact is not None else f"{'-':>7}"
    return (f"{label:<16}{m.count:>5}{m.hit_at_1:>7.3f}{m.hit_at_3:>7.3f}{m.passage_hit_at_1:>7.3f}"
            f"{m.passage_hit_at_3:>7.3f}{m.mrr:>7.3f}{fact}{m.threshold:>8.3f}{m.off_topic_abstention:>9.3f}"
            f"{m.answerable_abstention:>8.3f}{m.confident_wrong:>8.3f}")


def format_offers(records: ModeRecords) -> str:
    """How useful the likely-topic buttons of "not sure" replies are."""
    unsure = [offered for offered in records.unsure_offers_right if offered is not None]
    off = [offered for offered in records.off_topic_offered if offered is not None]
    return (f"hybrid \"not sure\" replies: {sum(unsure)} of {len(unsure)} answerable questions were offered a "
            f"button leading to an answering document; {sum(off)} of {len(off)} off-topic questions were offered "
            f"buttons at all")


def format_table(results: dict[str, tuple[Metrics, ModeRecords]], eval_set: EvalSet) -> str:
    header = (f"{'':<16}{'n':>5}{'doc':>7}{'doc':>7}{'pass.':>7}{'pass.':>7}{'':>7}{'':>7}{'':>8}{'off-top':>9}"
              f"{'false':>8}{'conf.':>8}\n"
              f"{'mode':<16}{'':>5}{'hit@1':>7}{'hit@3':>7}{'hit@1':>7}{'hit@3':>7}{'MRR':>7}{'fact':>7}{'thresh':>8}"
              f"{'abstain':>9}{'unsure':>8}{'wrong':>8}")
    lines = [f"{len(eval_set.answerable)} answerable questions, {len(eval_set.off_topic)} off-topic questions", header]
    for mode, (m, _) in results.items():
        lines.append(_row(MODE_NAMES[mode], m))
    if "hybrid" in results:
        records, threshold = results["hybrid"][1], results["hybrid"][0].threshold
        kinds = sorted({q.kind for q in eval_set.answerable if q.kind})
        splits = sorted({q.split for q in eval_set.answerable if q.split})
        if kinds or splits:
            lines.append("hybrid by kind and split (off-topic columns: all off-topic questions):")
        for kind in kinds:
            lines.append(_row(f"  {kind}", metrics(records, threshold, np.asarray([q.kind == kind for q in eval_set.answerable]))))
        for split in splits:
            lines.append(_row(f"  split {split}", metrics(records, threshold, np.asarray([q.split == split for q in eval_set.answerable]))))
        lines.append(format_offers(records))
    lines.append("doc hit@k: an answering document among the first k documents; pass. hit@k: a named passage among "
                 "the first k passages; fact: the reply is confident and holds every fact group; off-top abstain: "
                 "off-topic questions below the threshold; false unsure: answerable questions below it; conf. wrong: "
                 "answered confidently from an unlisted document. Baseline thresholds are tuned on this set; hybrid "
                 "uses RETRIEVAL_THRESHOLD.")
    return "\n".join(lines)


__all__ = ["EvalQuestion", "EvalSet", "Metrics", "MODES", "PassageRef", "evaluate", "format_table", "load_eval_set",
           "tune_threshold"]
