"""Retrieval alone, measured by ``index.bench``'s three parts (real knowledge base, build
throughput, synthetic collection) with the sizes chosen here, as figures for the table and JSON.

One figure is added here: the whole answer of a knowledge turn (``index.answer_question``:
search, then the answering sentences picked from the passages), which is what the action
server computes for every question.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from benchmarks.stats import summarize_seconds
from core.settings import Settings
from launch.launcher import prepare_index

if TYPE_CHECKING:  # index.bench (numpy, FAISS) is imported when retrieval is measured
    from index.bench import BuildFigures, RealFigures, SyntheticFigures, Timing

ANSWER_LABEL = "answer (search + sentence extraction)"
WARM_UP_QUESTIONS = ("信访事项的办理期限", "怎样提出人民建议", "复查和复核有什么区别")


@dataclass
class RetrievalFigures:
    latency_ms: dict[str, dict[str, float]] = field(default_factory=dict)  # label -> p50_ms/p95_ms (+ build_s, recall_at_10, …)
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


def _entry(timing: Timing) -> dict[str, float]:
    return {"p50_ms": round(timing.p50_ms, 2), "p95_ms": round(timing.p95_ms, 2), **timing.notes}


def collect_figures(real: RealFigures, build: BuildFigures | None, synthetic: SyntheticFigures | None) -> RetrievalFigures:
    """The three parts' figures in the benchmark's table and JSON shape (``lines``: as the
    ``python -m index bench`` command prints them)."""
    figures = RetrievalFigures(real_collection=dict(real.collection), lines=real.lines())
    figures.latency_ms.update((t.label, _entry(t)) for t in real.timings)
    if build is not None:
        figures.chunks_per_second = round(build.chunks_per_second, 2)
        figures.seconds_per_1000_chunks = round(build.seconds_per_1000_chunks, 1)
        figures.lines += build.lines()
    if synthetic is not None:
        figures.synthetic_rows = synthetic.rows
        figures.latency_ms.update((t.label, _entry(t)) for t in synthetic.timings)
        figures.lines += synthetic.lines()
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
    figures = collect_figures(
        bench.bench_real(settings, queries, repeats=repeats),
        bench.bench_build(settings, build_copies) if build_copies else None,
        bench.bench_synthetic(synthetic_rows) if synthetic_rows else None,
    )
    figures.latency_ms[ANSWER_LABEL] = answer
    return figures
