"""Retrieval alone, measured by ``index.bench`` (reused as it is) and read back into figures.

``index.bench`` prints lines; this module runs the same three parts with the sizes chosen here
and picks the numbers out of those lines for the table and the JSON. The printed lines are kept
as they are, so a figure that a future change of ``index.bench`` makes unreadable is reported
missing, never wrong.

One figure is added here: the whole answer of a knowledge turn (``index.answer_question``:
search, then the answering sentences picked from the passages), which is what the action
server computes for every question.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from benchmarks.stats import summarize_seconds
from core.launcher import prepare_index
from core.settings import Settings

ANSWER_LABEL = "answer (search + sentence extraction)"
WARM_UP_QUESTIONS = ("信访事项的办理期限", "怎样提出人民建议", "复查和复核有什么区别")

LABELS = {
    "embedding only": "embedding",
    "search only": "search",
    "embedding + search": "embedding + search",
    "BM25 only": "BM25 only (baseline)",
    "flat": "flat",
    "hnsw": "hnsw",
}
_LATENCY = re.compile(
    r"^\s*(?P<label>embedding only|search only|embedding \+ search|BM25 only|flat|hnsw)\s+"
    r"(?:build\s+(?P<build>[\d.]+) s\s+)?p50\s+(?P<p50>[\d.]+) ms\s+p95\s+(?P<p95>[\d.]+) ms"
)
_RECALL = re.compile(r"recall@10 vs flat (?P<recall>[\d.]+)")
_BUILD = re.compile(r"(?P<rate>[\d.]+) chunks/s\s+(?P<per_1000>[\d.]+) s per 1,000 chunks")
_REAL = re.compile(r"real knowledge base: (?P<documents>\d+) documents, (?P<chunks>\d+) chunks, (?P<rows>\d+) rows \((?P<kind>\w+)\)")
_SYNTHETIC = re.compile(r"synthetic collection: (?P<rows>[\d,]+) rows")


@dataclass
class RetrievalFigures:
    latency_ms: dict[str, dict[str, float]] = field(default_factory=dict)  # label -> p50/p95 (and build_s, recall@10)
    seconds_per_1000_chunks: float | None = None
    chunks_per_second: float | None = None
    real_collection: dict[str, Any] = field(default_factory=dict)
    synthetic_rows: int | None = None
    lines: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "latency_ms": self.latency_ms,
            "build_seconds_per_1000_chunks": self.seconds_per_1000_chunks,
            "build_chunks_per_second": self.chunks_per_second,
            "real_collection": self.real_collection,
            "synthetic_rows": self.synthetic_rows,
            "index_bench_output": self.lines,
        }


def read_figures(lines: list[str]) -> RetrievalFigures:
    figures = RetrievalFigures(lines=list(lines))
    for line in lines:
        if match := _LATENCY.match(line):
            entry: dict[str, float] = {"p50_ms": float(match["p50"]), "p95_ms": float(match["p95"])}
            if match["build"]:
                entry["build_s"] = float(match["build"])
            if recall := _RECALL.search(line):
                entry["recall_at_10"] = float(recall["recall"])
            figures.latency_ms[LABELS[match["label"]]] = entry
        elif match := _BUILD.search(line):
            figures.chunks_per_second = float(match["rate"])
            figures.seconds_per_1000_chunks = float(match["per_1000"])
        elif match := _REAL.search(line):
            figures.real_collection = {"documents": int(match["documents"]), "chunks": int(match["chunks"]),
                                       "rows": int(match["rows"]), "index_kind": match["kind"]}
        elif match := _SYNTHETIC.search(line):
            figures.synthetic_rows = int(match["rows"].replace(",", ""))
    return figures


def eval_queries(query_limit: int | None) -> list[str]:
    """The queries ``python -m index bench`` times: the retrieval evaluation set's questions."""
    from index.cli import DEFAULT_EVAL_FILE
    from index.evaluate import load_eval_set

    queries = load_eval_set(DEFAULT_EVAL_FILE).queries
    return queries[:query_limit] if query_limit else queries


def answer_latency_ms(settings: Settings, queries: list[str]) -> dict[str, float]:
    """p50/p95 of ``answer_question`` over ``queries``, each asked once (its vector not cached yet),
    after the knowledge sentences are encoded ahead, as the action server does when it starts."""
    from index import Searcher, answer_question

    searcher = Searcher(settings)
    searcher.warm_answer_cache()
    for question in WARM_UP_QUESTIONS:
        answer_question(searcher, question)
    samples = []
    for query in dict.fromkeys(queries):
        started = time.perf_counter()
        answer_question(searcher, query)
        samples.append(time.perf_counter() - started)
    summary = summarize_seconds(samples)
    return {"p50_ms": round(summary.p50_ms or 0.0, 2), "p95_ms": round(summary.p95_ms or 0.0, 2)}


def measure_retrieval(
    settings: Settings, synthetic_rows: int, build_copies: int, query_limit: int | None = None, repeats: int = 3
) -> RetrievalFigures:
    """Run ``index.bench``'s real-index, build-throughput and synthetic parts in this process."""
    from index import bench

    prepare_index(settings)
    queries = eval_queries(query_limit)
    answer = answer_latency_ms(settings, queries)  # first: index.bench's runs cache these query vectors
    lines = bench.bench_real(settings, queries, repeats=repeats)
    if build_copies:
        lines += bench.bench_build(settings, build_copies)
    if synthetic_rows:
        lines += bench.bench_synthetic(synthetic_rows)
    figures = read_figures(lines)
    figures.latency_ms[ANSWER_LABEL] = answer
    return figures
