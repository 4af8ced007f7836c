"""Submission vectors cached on disk by content hash, so a repeated view encodes nothing again.

One file per embedding model (``<DATA_DIR>/insights/vectors-<model hash>.npz``): switching
``EMBEDDING_MODEL`` starts a new cache. The file is rewritten atomically after each batch of new
vectors; at most ``MAX_CACHED`` vectors are kept (the most recently added).
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

MAX_CACHED = 100_000  # 200 MB at 512 dimensions at most
ENCODE_BATCH = 64


class TextEncoder(Protocol):
    model_id: str
    dim: int

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray: ...


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


class VectorCache:
    """Normalised vectors of texts, from the cache or through ``encoder`` (thread-safe)."""

    def __init__(self, directory: Path, encoder: TextEncoder):
        self._encoder = encoder
        model_hash = hashlib.sha256(encoder.model_id.encode()).hexdigest()[:16]
        self.path = directory / f"vectors-{model_hash}.npz"
        self._lock = threading.Lock()
        self._vectors: dict[str, np.ndarray] | None = None
        self.encoded = 0  # texts that went through the model (for tests and reports)

    def _load(self) -> dict[str, np.ndarray]:
        if self._vectors is None:
            self._vectors = {}
            if self.path.is_file():
                try:
                    with np.load(self.path) as data:
                        keys, vectors = data["keys"], data["vectors"]
                    if vectors.ndim == 2 and vectors.shape[1] == self._encoder.dim:
                        self._vectors = {str(key): vector for key, vector in zip(keys, vectors)}
                except (OSError, ValueError, KeyError):  # a damaged cache is rebuilt, never fatal
                    self._vectors = {}
        return self._vectors

    def vectors(self, texts: list[str]) -> np.ndarray:
        """One row per text, in order."""
        if not texts:
            return np.zeros((0, self._encoder.dim), dtype=np.float32)
        keys = [text_key(text) for text in texts]
        with self._lock:
            known = self._load()
            missing = list(dict.fromkeys(key for key in keys if key not in known))
        if missing:
            by_key = dict(zip(keys, texts))
            fresh = self._encoder.encode([by_key[key] for key in missing], batch_size=ENCODE_BATCH)
            with self._lock:
                known = self._load()
                known.update(zip(missing, np.asarray(fresh, dtype=np.float32)))
                while len(known) > MAX_CACHED:
                    known.pop(next(iter(known)))
                self.encoded += len(missing)
                self._save(known)
        with self._lock:
            known = self._load()
            return np.stack([known[key] for key in keys]).astype(np.float32, copy=False)

    def _save(self, known: dict[str, np.ndarray]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(known), dtype="U64")
        vectors = np.stack(list(known.values())) if known else np.zeros((0, self._encoder.dim), np.float32)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".npz.tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                np.savez(stream, keys=keys, vectors=vectors)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
