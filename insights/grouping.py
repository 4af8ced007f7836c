"""Grouping normalised vectors by meaning: average-linkage on cosine similarity, in numpy.

Sentence-embedding models give every pair of Chinese complaints a fairly high cosine (about
0.73 between different topics with m3e-small, 0.85 within one), so a group is judged by the
*average* similarity between its members, never by one close pair (chaining) or by centroids
(which are all alike):

1. Seeds: the submission with the most neighbours at or above ``threshold + SEED_MARGIN`` founds
   a seed with its still unseeded neighbours; then the next densest one, and so on.
2. Average linkage: the two groups with the highest average pairwise similarity are merged, as
   long as it reaches ``threshold`` (sums of vectors make each average one dot product).
3. Refinement: a submission moves to the group it is on average most similar to, if that
   average reaches ``threshold`` and beats its own group's.

A submission like no other stays a group of one. Cost: O(n²) similarities, computed in blocks,
then O(k²) per merge of k seeds; callers cap n (``MAX_GROUPED`` in :mod:`insights.analysis`).
"""
from __future__ import annotations

import numpy as np

# Chosen by measurement (python -m benchmarks.grouping: purity, inverse purity and adjusted Rand on the
# synthetic set of 560 submissions in 14 known groups, m3e-small); see docs/staff-guide.md.
GROUP_THRESHOLD = 0.80
SEED_MARGIN = 0.06
REFINE_ROUNDS = 3
_BLOCK = 1024


def group_vectors(vectors: np.ndarray, threshold: float = GROUP_THRESHOLD) -> np.ndarray:
    """A group number per row, 0 for the largest group, 1 for the next …"""
    vectors = np.asarray(vectors, dtype=np.float32)
    if len(vectors) == 0:
        return np.zeros(0, dtype=np.int64)
    labels = _seeds(vectors, threshold + SEED_MARGIN)
    labels = _average_linkage(vectors, labels, threshold)
    labels = _refine(vectors, labels, threshold)
    return _by_size(labels)


def _seeds(vectors: np.ndarray, threshold: float) -> np.ndarray:
    n = len(vectors)
    neighbours = np.zeros((n, n), dtype=bool)
    for start in range(0, n, _BLOCK):
        neighbours[start:start + _BLOCK] = vectors[start:start + _BLOCK] @ vectors.T >= threshold
    labels = np.full(n, -1, dtype=np.int64)
    next_label = 0
    for row in np.argsort(-neighbours.sum(axis=1), kind="stable"):
        if labels[row] >= 0:
            continue
        members = neighbours[row] & (labels < 0)
        members[row] = True
        labels[members] = next_label
        next_label += 1
    return labels


def _sums(vectors: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    count = int(labels.max()) + 1
    sums = np.zeros((count, vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, labels, vectors)
    return sums, np.bincount(labels, minlength=count).astype(np.float64)


def _average_linkage(vectors: np.ndarray, labels: np.ndarray, threshold: float) -> np.ndarray:
    sums, sizes = _sums(vectors, labels)
    between = (sums @ sums.T) / np.outer(sizes, sizes)
    np.fill_diagonal(between, -np.inf)
    parent = np.arange(len(sizes))
    while len(sizes) > 1:
        a, b = np.unravel_index(int(np.argmax(between)), between.shape)
        if between[a, b] < threshold:
            break
        a, b = min(a, b), max(a, b)
        sums[a] += sums[b]
        sizes[a] += sizes[b]
        sizes[b] = 0
        parent[parent == b] = a
        row = (sums @ sums[a]) / (np.where(sizes == 0, 1, sizes) * sizes[a])
        row[sizes == 0] = -np.inf
        row[a] = -np.inf
        between[a, :] = row
        between[:, a] = row
        between[b, :] = -np.inf
        between[:, b] = -np.inf
    return parent[labels]


def _refine(vectors: np.ndarray, labels: np.ndarray, threshold: float) -> np.ndarray:
    rows = np.arange(len(vectors))
    for _ in range(REFINE_ROUNDS):
        labels = _by_size(labels)
        sums, sizes = _sums(vectors, labels)
        totals = vectors @ sums.T.astype(np.float32)  # similarity to each group, summed
        # the average over the *other* members: a submission is not compared with itself
        own = sizes[labels] - 1
        totals[rows, labels] -= (vectors * vectors).sum(axis=1)
        averages = totals / sizes
        averages[rows, labels] = np.where(own > 0, totals[rows, labels] / np.maximum(own, 1), -np.inf)
        best = averages.argmax(axis=1)
        better = (averages[rows, best] >= threshold) & (best != labels)
        if not better.any():
            break
        labels = np.where(better, best, labels)
    return labels


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber groups 0, 1, … from the largest (ties: the one met first)."""
    values, first, inverse, counts = np.unique(labels, return_index=True, return_inverse=True, return_counts=True)
    order = sorted(range(len(values)), key=lambda i: (-counts[i], first[i]))
    rank = np.empty(len(values), dtype=np.int64)
    rank[order] = np.arange(len(values))
    return rank[inverse]
