"""The benchmark's table (Markdown, readable in a terminal and pasteable into the README) and JSON."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from benchmarks.citizens import TURN_KINDS
from benchmarks.retrieval import RetrievalFigures
from benchmarks.summary import LoadSummary


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def _mib(summary: LoadSummary, server: str) -> str:
    usage = summary.servers.get(server)
    return "n/a" if usage is None else f"{usage.peak_rss_mib:.0f}"


def _think(summary: LoadSummary) -> str:
    low, high = summary.think_seconds
    return "none" if high == 0 else f"{low:g}–{high:g} s"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|",
            *("| " + " | ".join(row) + " |" for row in rows)]


def load_table(summaries: Sequence[LoadSummary]) -> list[str]:
    header = ["citizens", "think time", "conversations", "turns", "errors", "turns/s", "p50 ms", "p95 ms", "p99 ms",
              "Rasa peak MiB", "actions peak MiB", "CPU ms/turn Rasa", "CPU ms/turn actions"]
    rows = [[str(s.citizens), _think(s), str(s.conversations), str(s.turns), str(s.errors), f"{s.turns_per_second:.1f}",
             _ms(s.latency.p50_ms), _ms(s.latency.p95_ms), _ms(s.latency.p99_ms),
             _mib(s, "rasa"), _mib(s, "actions"), _ms(s.cpu_ms_per_turn("rasa")), _ms(s.cpu_ms_per_turn("actions"))]
            for s in summaries]
    return _table(header, rows)


def _rasa_cpu_ms_per_turn(summary: LoadSummary) -> float | None:
    """CPU per turn of every Rasa server together (``rasa``, or ``rasa-1``, ``rasa-2`` … in a cluster)."""
    seconds = sum(u.cpu_seconds for name, u in summary.servers.items() if name.startswith("rasa"))
    return seconds * 1000 / summary.turns if summary.turns and seconds else None


def closed_loop_table(stock: Sequence[LoadSummary], assistant: Sequence[LoadSummary]) -> list[str]:
    """Stock bot and assistant side by side per citizen count, with the assistant's share of the stock turns/s."""
    header = ["citizens", "bot", "turns", "errors", "turns/s", "p50 ms", "p95 ms", "p99 ms", "CPU ms/turn, all Rasa",
              "turns/s vs stock"]
    rows = []
    for reference, ours in zip(stock, assistant):
        for name, s in (("stock `rasa init`", reference), ("assistant", ours)):
            ratio = (f"{s.turns_per_second / reference.turns_per_second:.2f}×" if reference.turns_per_second else "–")
            rows.append([str(s.citizens), name, str(s.turns), str(s.errors), f"{s.turns_per_second:.1f}",
                         _ms(s.latency.p50_ms), _ms(s.latency.p95_ms), _ms(s.latency.p99_ms),
                         _ms(_rasa_cpu_ms_per_turn(s)), ratio])
    return _table(header, rows)


def kind_table(summaries: Sequence[LoadSummary]) -> list[str]:
    header = ["citizens", "think time", *(f"{kind} p50 / p95 ms (n)" for kind in TURN_KINDS)]
    rows = []
    for s in summaries:
        cells = [f"{_ms(k.p50_ms)} / {_ms(k.p95_ms)} ({k.count})" for k in (s.latency_by_kind[kind] for kind in TURN_KINDS)]
        rows.append([str(s.citizens), _think(s), *cells])
    return _table(header, rows)


def retrieval_table(figures: RetrievalFigures) -> list[str]:
    rows = []
    for label, entry in figures.latency_ms.items():
        collection = "synthetic" if label in ("flat", "hnsw") else "real"
        extra = []
        if "build_s" in entry:
            extra.append(f"build {entry['build_s']:.1f} s")
        if "recall_at_10" in entry:
            extra.append(f"recall@10 vs flat {entry['recall_at_10']:.3f}")
        rows.append([collection, label, f"{entry['p50_ms']:.2f}", f"{entry['p95_ms']:.2f}", ", ".join(extra)])
    if figures.seconds_per_1000_chunks is not None:
        rows.append(["real ×copies", "full build (embedding)", "", "",
                     f"{figures.seconds_per_1000_chunks:.1f} s per 1,000 chunks ({figures.chunks_per_second:.1f} chunks/s)"])
    return _table(["collection", "retrieval", "p50 ms", "p95 ms", "notes"], rows)


def render(result: dict[str, Any], summaries: Sequence[LoadSummary], retrieval: RetrievalFigures | None) -> str:
    lines = [f"# Benchmark {result['started_at']}  ({result['machine']['cpu_count']} CPUs, "
             f"load average before {result['machine']['load_average_before']:.2f}, after "
             f"{result['machine']['load_average_after']:.2f})", ""]
    stack = result.get("stack") or {}
    if stack.get("startup_seconds") is not None:
        lines += [f"Stack start-up: {stack['startup_seconds']:.1f} s until every server answers "
                  f"(+ {stack['prepare_seconds']:.1f} s index and model check).", ""]
    elif stack.get("url"):
        lines += [f"Assistant already running at {stack['url']} (start-up not measured).", ""]
    if result.get("questions"):
        lines += [f"Knowledge questions in the mix: {result['questions']['kept']} of "
                  f"{result['questions']['candidates']} candidates (the others are not read as questions).", ""]
    if summaries:
        lines += ["End to end through the REST channel (latency measured by the client):", "", *load_table(summaries), "",
                  "Latency by kind of turn:", "", *kind_table(summaries), ""]
        errors = {s.label: s.error_kinds for s in summaries if s.error_kinds}
        if errors:
            lines += [f"Errors: {json.dumps(errors, ensure_ascii=False)}", ""]
    if retrieval is not None:
        lines += ["Retrieval alone (index.bench, in this process, after the stack stopped):", "",
                  *retrieval_table(retrieval), ""]
        if retrieval.synthetic_rows:
            lines.append(f"Synthetic collection: {retrieval.synthetic_rows:,} rows. "
                         f"Real knowledge base: {retrieval.real_collection}.")
    return "\n".join(lines)


def write_json(result: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
