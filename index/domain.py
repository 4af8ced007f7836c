"""Is a message about petitions and suggestions at all? A small classifier on its embedding.

The retrieval confidence (:mod:`index.confidence`) decides whether to *answer*; below it the
assistant says it is not sure and may offer the closest typical questions as buttons. Whether to
offer them was decided by the same confidence with a lower floor, which mixes two questions: a
citizen's story about a petition can score low (its details drown the question) and still deserves
the likely topics, while a question about 社保 or a restaurant scores just as low and deserves none.

This model answers the second question only: a logistic regression over the query embedding,
fitted at every index build on the collection's own typical questions (in domain) against
``index/data/off_topic_train.txt`` (out of domain). It follows the documents staff publish, costs a
dot product per message, and never makes the assistant answer: it only chooses between "not sure,
perhaps you mean …" and plain "not sure". (As a feature of the answer confidence it moved errors
from off-topic questions to wrong documents without a net gain; README, *Retrieval quality*.)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

OFF_TOPIC_TRAIN = Path(__file__).with_name("data") / "off_topic_train.txt"
# Below this probability a "not sure" reply offers no likely topics.
IN_DOMAIN_FLOOR = 0.5


def off_topic_training(path: Path | None = None) -> list[str]:
    """The off-topic training questions (one per line; # starts a comment); none without the file
    (the build then fits no model and "not sure" falls back to the confidence floor)."""
    path = path or OFF_TOPIC_TRAIN
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@dataclass(frozen=True)
class DomainModel:
    weights: np.ndarray  # one per embedding dimension
    bias: float

    def probability(self, query_vector: np.ndarray) -> float:
        z = float(query_vector @ self.weights) + self.bias
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def save(self, path: Path) -> None:
        with path.open("wb") as out:  # a file object: np.savez would append ".npz" to a name
            np.savez(out, weights=self.weights, bias=np.float64(self.bias))

    @classmethod
    def load(cls, path: Path) -> "DomainModel | None":
        """The model of an index version, or None for a version built before it existed."""
        if not path.is_file():
            return None
        with np.load(path) as stored:
            return cls(stored["weights"].astype(np.float32), float(stored["bias"]))


def fit_domain(in_domain: np.ndarray, out_of_domain: np.ndarray) -> DomainModel | None:
    """Logistic regression (scikit-learn, which Rasa already installs), classes balanced: there
    are several times more typical questions than off-topic ones. None without both kinds."""
    if len(in_domain) == 0 or len(out_of_domain) == 0:
        return None
    from sklearn.linear_model import LogisticRegression

    matrix = np.vstack([in_domain, out_of_domain]).astype(np.float64)
    labels = np.concatenate([np.ones(len(in_domain)), np.zeros(len(out_of_domain))])
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(matrix, labels)
    return DomainModel(model.coef_[0].astype(np.float32), float(model.intercept_[0]))
