"""How sure the searcher is that its best passage answers the question: a small logistic model.

The fused score ranks passages well but says little about whether the best one is right: a
question about a hospital check-up (复查) or a tax refund shares words with the knowledge base and
scores like a poorly phrased petition question. The confidence is therefore the probability, from
a logistic model over a few query-level features, that the top passage's document answers:

* the best passage's fused score, and each of its signals (see :mod:`index.fusion`);
* the margin over the best passage of any other document (a clear winner is a good sign);
* the share of the question's keyword weight the collection contains at all (a question about
  户口 or 签证 carries weight the knowledge base has never seen);
* whether the embedding signals alone, and the keyword signals alone, lead to the same document
  (on the citizen set, 94% of top documents both agree on are right, 46% of those neither agrees
  on).

The coefficients live in ``index/data/confidence.json``; ``python -m index tune --confidence``
fits them on the dev split of ``tests/data/citizen_eval.yaml`` (right answers against wrong ones
and off-topic questions) plus ``index/data/off_topic_train.txt``, and prints thresholds. The
features are calibrated scores, not words, so the model carries over to documents staff add.
``RETRIEVAL_THRESHOLD`` is a probability.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .fusion import SIGNALS, WEIGHTS, ScoredChunks, weighted_sum

MODEL_FILE = Path(__file__).with_name("data") / "confidence.json"
FEATURES = ("fused", *SIGNALS, "margin", "known_share", "dense_agrees", "keyword_agrees")


def _agrees(scored: ScoredChunks, mode: str, top_doc: int, chunk_docs: np.ndarray) -> float:
    """1.0 when the signals of ``mode`` alone rank a passage of ``top_doc`` first."""
    alone = weighted_sum(scored.signals, WEIGHTS.for_mode(mode))
    return float(chunk_docs[int(np.argmax(alone))] == top_doc)


def confidence_features(scored: ScoredChunks, order: np.ndarray, chunk_docs: np.ndarray) -> dict[str, float]:
    """The features of a search whose passages are ranked in ``order`` (best first)."""
    top = int(order[0])
    peak, peak_fused = scored.peak_signals, scored.peak_fused
    other = next((int(i) for i in order[1:] if chunk_docs[int(i)] != chunk_docs[top]), None)
    return {
        "fused": float(peak_fused[top]),
        **{name: float(peak[name][top]) for name in SIGNALS},
        "margin": float(scored.fused[top] - scored.fused[other]) if other is not None else float(scored.fused[top]),
        "known_share": float(scored.known_share),
        "dense_agrees": _agrees(scored, "dense", chunk_docs[top], chunk_docs),
        "keyword_agrees": _agrees(scored, "keyword", chunk_docs[top], chunk_docs),
    }


@dataclass(frozen=True)
class ConfidenceModel:
    coefficients: dict[str, float]
    intercept: float
    note: str = ""

    def probability(self, features: dict[str, float]) -> float:
        z = self.intercept + sum(self.coefficients.get(name, 0.0) * value for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "ConfidenceModel":
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls({k: float(v) for k, v in data["coefficients"].items()}, float(data["intercept"]), data.get("note", ""))

    def save(self, path: Path = MODEL_FILE) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"coefficients": self.coefficients, "intercept": self.intercept, "note": self.note},
                                   ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def fit(rows: list[dict[str, float]], labels: list[int], regularisation: float = 1.0) -> ConfidenceModel:
    """Logistic regression on the features (scikit-learn, which Rasa already installs)."""
    from sklearn.linear_model import LogisticRegression

    matrix = np.asarray([[row[name] for name in FEATURES] for row in rows], dtype=np.float64)
    model = LogisticRegression(C=regularisation, class_weight="balanced", max_iter=1000)
    model.fit(matrix, np.asarray(labels))
    return ConfidenceModel({name: round(float(c), 4) for name, c in zip(FEATURES, model.coef_[0])},
                           round(float(model.intercept_[0]), 4))
