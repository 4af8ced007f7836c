"""Figures of one load run: latency percentiles (all turns and per kind), throughput, errors,
and the servers' peak memory and CPU time."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from benchmarks.assistant import LoadRun
from benchmarks.citizens import TURN_KINDS
from benchmarks.servers import ServerUsage
from benchmarks.stats import LatencySummary, summarize_seconds

MAX_ERROR_EXAMPLES = 10


@dataclass(frozen=True)
class LoadSummary:
    label: str
    citizens: int
    conversations: int
    think_seconds: tuple[float, float]
    turns: int
    errors: int
    error_kinds: dict[str, int]
    error_examples: list[str]
    wall_seconds: float
    turns_per_second: float
    latency: LatencySummary
    latency_by_kind: dict[str, LatencySummary]
    servers: dict[str, ServerUsage]  # empty when the processes could not be found
    # Every turn: [citizen, kind, started (s since the run began), latency ms, error or None]
    turn_log: list[list[object]]

    def cpu_ms_per_turn(self, server: str) -> float | None:
        usage = self.servers.get(server)
        return usage.cpu_seconds * 1000 / self.turns if usage and self.turns else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "citizens": self.citizens,
            "conversations": self.conversations,
            "think_seconds": list(self.think_seconds),
            "turns": self.turns,
            "errors": self.errors,
            "error_kinds": self.error_kinds,
            "error_examples": self.error_examples,
            "wall_seconds": round(self.wall_seconds, 3),
            "turns_per_second": round(self.turns_per_second, 3),
            "latency_ms": self.latency.as_dict(),
            "latency_ms_by_kind": {kind: s.as_dict() for kind, s in self.latency_by_kind.items()},
            "servers": {name: {"peak_rss_mib": round(u.peak_rss_mib, 1), "cpu_seconds": round(u.cpu_seconds, 2),
                               "cpu_ms_per_turn": round(self.cpu_ms_per_turn(name) or 0.0, 1)}
                        for name, u in self.servers.items()},
            "turns_log_columns": ["citizen", "kind", "started_s", "latency_ms", "error"],
            "turns_log": self.turn_log,
        }


def summarize_run(label: str, run: LoadRun, servers: dict[str, ServerUsage]) -> LoadSummary:
    errors = Counter(r.error for r in run.records if r.error)
    return LoadSummary(
        label=label,
        citizens=run.citizens,
        conversations=run.conversations,
        think_seconds=(run.think.low, run.think.high),
        turns=len(run.records),
        errors=sum(errors.values()),
        error_kinds=dict(errors),
        error_examples=[r.detail for r in run.records if r.error][:MAX_ERROR_EXAMPLES],
        wall_seconds=run.wall_seconds,
        turns_per_second=len(run.records) / run.wall_seconds if run.wall_seconds else 0.0,
        latency=summarize_seconds(r.seconds for r in run.records),
        latency_by_kind={kind: summarize_seconds(r.seconds for r in run.records if r.kind == kind) for kind in TURN_KINDS},
        servers=servers,
        turn_log=[[r.citizen, r.kind, round(r.started_s, 3), round(r.seconds * 1000, 1), r.error] for r in run.records],
    )
