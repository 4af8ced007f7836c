"""``python -m benchmarks.grouping``: how well the grouping finds known recurring problems.

A measurement, not part of the installed service: the synthetic set is the tests' generator
(``tests/insights/synthetic.py``); run it from the repository root. Prints purity, inverse purity and the adjusted Rand index at the
configured threshold and around it, on the set the threshold was chosen on and on a second set
drawn with another seed, and the similarities behind the duplicate threshold.
"""
from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np

from insights.grouping import GROUP_THRESHOLD, group_vectors
from insights.metrics import score_grouping
from tests.insights.synthetic import SEED, SyntheticCase, generate

HELD_OUT_SEED = 7


def _synthetic(seed: int) -> list[SyntheticCase]:
    return generate(seed=seed if seed else SEED)


def evaluate(cache_dir: Path) -> int:
    from core.settings import load_settings
    from index.encoder import get_encoder

    from submissions.workflow import Status

    from insights.cases import Case
    from insights.vectors import VectorCache

    cache = VectorCache(cache_dir, get_encoder(load_settings().embedding_model))
    for name, seed in (("synthetic set (threshold chosen on it)", 0), (f"second set (seed {HELD_OUT_SEED})", HELD_OUT_SEED)):
        cases = _synthetic(seed)
        texts = [Case("", c.kind, Status.SUBMITTED, c.district, c.created_at, c.title, c.content).text for c in cases]
        vectors = cache.vectors(texts)
        known = np.array([case.topic for case in cases])
        print(f"{name}: {len(cases)} submissions in {len(set(known))} known groups")
        print("  threshold  groups  purity  inverse purity  adjusted Rand")
        for threshold in sorted({round(GROUP_THRESHOLD + step, 2) for step in (-0.04, -0.02, -0.01, 0, 0.01, 0.02, 0.04)}):
            scores = score_grouping(group_vectors(vectors, threshold), known)
            mark = "  <- GROUP_THRESHOLD" if threshold == GROUP_THRESHOLD else ""
            print(f"  {threshold:9.2f}  {scores.groups:6d}  {scores.purity:6.3f}  {scores.inverse_purity:14.3f}"
                  f"  {scores.adjusted_rand:13.3f}{mark}")
        similarity = vectors @ vectors.T
        upper = np.triu(np.ones_like(similarity, dtype=bool), 1)
        same = (known[:, None] == known[None, :]) & upper
        other = ~(known[:, None] == known[None, :]) & upper
        print("  cosine percentiles 5/50/95/99  same topic: "
              + " ".join(f"{v:.3f}" for v in np.percentile(similarity[same], [5, 50, 95, 99]))
              + "  different topics: " + " ".join(f"{v:.3f}" for v in np.percentile(similarity[other], [5, 50, 95, 99])))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.grouping",
                                     description="共性问题分析的评估：grouping quality on the synthetic set with known groups")
    parser.add_argument("--cache-dir", type=Path, help="where to keep the vectors (default: a temporary directory)")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if args.cache_dir:
        return evaluate(args.cache_dir)
    with tempfile.TemporaryDirectory() as directory:
        return evaluate(Path(directory))


if __name__ == "__main__":
    raise SystemExit(main())
