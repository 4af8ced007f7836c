"""Likely duplicates: open cases a case probably repeats (the same matter filed again).

Score = cosine similarity of the two submissions' vectors, plus ``SAME_DISTRICT_BONUS`` when
both are in the same district; a match needs ``DUPLICATE_THRESHOLD``. Measured with m3e-small
(python -m benchmarks.grouping): a case reworded (another opening, another duration, punctuation) stays
at cosine ≥ 0.91 of the original in 95 % of cases; two different submissions on the same topic
are at 0.85 in the median and 0.93 at the 95th percentile (many synthetic ones are near-copies);
different topics never reach 0.84. So a resubmission in the same district (≥ 0.90) is found,
another district needs ≥ 0.93.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cases import Case

DUPLICATE_THRESHOLD = 0.93
SAME_DISTRICT_BONUS = 0.03
MAX_MATCHES = 5
MAX_CANDIDATES = 5000  # open cases compared in one request (the newest)


@dataclass(frozen=True)
class DuplicateMatch:
    case: Case
    similarity: float
    same_district: bool

    @property
    def score(self) -> float:
        return self.similarity + (SAME_DISTRICT_BONUS if self.same_district else 0.0)

    def as_json(self) -> dict:
        return {**self.case.as_json(), "similarity": round(self.similarity, 3), "score": round(self.score, 3),
                "same_district": self.same_district}


def likely_duplicates(case: Case, vector: np.ndarray, candidates: list[Case], candidate_vectors: np.ndarray,
                      limit: int = MAX_MATCHES) -> list[DuplicateMatch]:
    """The open ``candidates`` (never ``case`` itself) that ``case`` probably repeats, best first."""
    if not candidates:
        return []
    similarities = np.asarray(candidate_vectors, dtype=np.float32) @ np.asarray(vector, dtype=np.float32)
    matches = [
        DuplicateMatch(other, float(similarity), other.district == case.district)
        for other, similarity in zip(candidates, similarities)
        if other.is_open and other.tracking_number != case.tracking_number
    ]
    matches = [match for match in matches if match.score >= DUPLICATE_THRESHOLD]
    matches.sort(key=lambda match: (-match.score, match.case.tracking_number))
    return matches[:limit]
