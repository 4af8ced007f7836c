"""Latency percentiles of a set of samples."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable

import numpy as np


@dataclass(frozen=True)
class LatencySummary:
    """Milliseconds; ``count`` is the number of samples (0: every figure is None)."""

    count: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    mean_ms: float | None
    max_ms: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def summarize_seconds(samples: Iterable[float]) -> LatencySummary:
    values_ms = np.asarray(list(samples), dtype=float) * 1000
    if values_ms.size == 0:
        return LatencySummary(0, None, None, None, None, None)
    p50, p95, p99 = (float(np.percentile(values_ms, q)) for q in (50, 95, 99))
    return LatencySummary(int(values_ms.size), p50, p95, p99, float(values_ms.mean()), float(values_ms.max()))
