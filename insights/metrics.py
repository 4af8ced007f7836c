"""Agreement of a grouping with known groups: purity, inverse purity and the adjusted Rand index.

Purity alone rewards splitting (every submission alone is perfectly pure); inverse purity
rewards lumping; the adjusted Rand index is 0 for a random grouping and 1 for the known one.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import comb

import numpy as np


@dataclass(frozen=True)
class GroupingScores:
    purity: float
    inverse_purity: float
    adjusted_rand: float
    groups: int
    known_groups: int


def _contingency(found: np.ndarray, known: np.ndarray) -> np.ndarray:
    _, found_index = np.unique(found, return_inverse=True)
    _, known_index = np.unique(known, return_inverse=True)
    table = np.zeros((found_index.max() + 1, known_index.max() + 1), dtype=np.int64)
    np.add.at(table, (found_index, known_index), 1)
    return table


def score_grouping(found: np.ndarray, known: np.ndarray) -> GroupingScores:
    found, known = np.asarray(found), np.asarray(known)
    if len(found) != len(known) or len(found) == 0:
        raise ValueError("found and known must be non-empty and of the same length")
    table = _contingency(found, known)
    n = int(table.sum())
    purity = table.max(axis=1).sum() / n
    inverse_purity = table.max(axis=0).sum() / n
    pairs = sum(comb(int(x), 2) for x in table.ravel())
    found_pairs = sum(comb(int(x), 2) for x in table.sum(axis=1))
    known_pairs = sum(comb(int(x), 2) for x in table.sum(axis=0))
    expected = found_pairs * known_pairs / comb(n, 2) if n > 1 else 0.0
    maximum = (found_pairs + known_pairs) / 2
    rand = 1.0 if maximum == expected else (pairs - expected) / (maximum - expected)
    return GroupingScores(float(purity), float(inverse_purity), float(rand), table.shape[0], table.shape[1])
