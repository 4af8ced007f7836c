"""Dense side of retrieval: FAISS inner-product indexes over normalised vectors (= cosine).

Small collections use exact search (``IndexFlatIP``); beyond ``ann_threshold`` rows, or when
``INDEX_KIND=hnsw``, an HNSW graph trades a little recall for speed.
"""
from __future__ import annotations

import os
from pathlib import Path

import faiss
import numpy as np

HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96
KINDS = ("flat", "hnsw", "auto")
# One query at a time is searched on one thread: with OpenMP's default (all cores) a single
# HNSW query on the busy 2-core host took 6.5 ms instead of 0.5 ms, the threads spin-waiting.
# Building (many vectors at once) still uses every core. OMP_NUM_THREADS overrides both.
_SEARCH_THREADS = 1
if not os.environ.get("OMP_NUM_THREADS"):
    faiss.omp_set_num_threads(_SEARCH_THREADS)


def resolve_kind(kind: str, rows: int, ann_threshold: int) -> str:
    """``auto`` becomes ``hnsw`` above the threshold, ``flat`` otherwise."""
    if kind not in KINDS:
        raise ValueError(f"INDEX_KIND must be one of {', '.join(KINDS)}, got {kind!r}")
    if kind == "auto":
        return "hnsw" if rows > ann_threshold else "flat"
    return kind


def build_vector_index(vectors: np.ndarray, kind: str) -> faiss.Index:
    dim = vectors.shape[1]
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    elif kind == "flat":
        index = faiss.IndexFlatIP(dim)
    else:
        raise ValueError(f"unknown index kind {kind!r}")
    if len(vectors):
        parallel = not os.environ.get("OMP_NUM_THREADS")
        if parallel:
            faiss.omp_set_num_threads(os.cpu_count() or 1)
        try:
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        finally:
            if parallel:
                faiss.omp_set_num_threads(_SEARCH_THREADS)
    return index


def save_vector_index(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load_vector_index(path: Path) -> faiss.Index:
    index = faiss.read_index(str(path))
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    return index


def search_vectors(index: faiss.Index, query: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cosine scores) of the ``limit`` nearest rows, best first; missing slots dropped."""
    limit = min(limit, index.ntotal)
    if limit <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    scores, rows = index.search(query.reshape(1, -1).astype(np.float32, copy=False), limit)
    keep = rows[0] >= 0
    return rows[0][keep], scores[0][keep]
