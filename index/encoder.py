"""The sentence-embedding model: loaded lazily, once per process, shared by building and searching.

The model is a setting (``EMBEDDING_MODEL``: a local directory or a model name), because the
default m3e-small is licensed for non-commercial research only and deployments swap in another
Chinese model. :func:`model_id` names the model without loading it (cheap enough for
``is_stale`` at start-up); it is stored in every manifest and is part of the embedding-cache key,
so switching models re-embeds everything.
"""
from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

_WEIGHT_SUFFIXES = (".bin", ".safetensors", ".onnx", ".pt")
_QUERY_CACHE_SIZE = 512
# Knowledge sentences whose vectors are kept (2 KiB each at 512 dimensions: 32 MiB at most);
# the whole knowledge base of 41 documents has about 420 distinct sentences.
_SENTENCE_CACHE_SIZE = 16384
_WARM_BATCH = 8  # the model is held for one batch at a time: queries wait at most that long


def model_id(model: str) -> str:
    """``<dir name>@<fingerprint>`` for a local model directory, else the model name itself.

    The fingerprint covers the configuration files and the names and sizes of the weight files,
    so replacing the weights under the same path still changes the id.
    """
    path = Path(model)
    if not path.is_dir():
        return model
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        relative = file.relative_to(path).as_posix()
        digest.update(relative.encode())
        if file.suffix in _WEIGHT_SUFFIXES:
            digest.update(str(file.stat().st_size).encode())
        elif file.suffix == ".json":
            digest.update(file.read_bytes())
    return f"{path.name}@{digest.hexdigest()[:12]}"


class Encoder:
    """Normalised float32 embeddings. Calls are serialised: HF fast tokenizers are not re-entrant."""

    def __init__(self, model: str):
        self.model_id = model_id(model)
        self._model = _load_quietly(model)
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self._lock = threading.Lock()
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._sentence_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.texts_encoded = 0  # counter for build reports and tests

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
            self.texts_encoded += len(texts)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """One query vector; recent queries are cached (answer extraction re-uses the search's)."""
        return self.encode_queries([text])[0]

    def encode_queries(self, texts: list[str]) -> list[np.ndarray]:
        """Several query vectors in one pass through the model (a message and its question sentence)."""
        return self._encode_remembered(self._query_cache, _QUERY_CACHE_SIZE, texts)

    def encode_sentences(self, sentences: list[str]) -> np.ndarray:
        """Vectors of knowledge sentences, remembered: the same sentences answer many questions.

        Answer extraction scores every sentence of the chosen passages against the question;
        profiled in ``make bench``, encoding them on each knowledge turn cost more than the
        search itself. Only sentences not seen before go through the model.
        """
        if not sentences:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack(self._encode_remembered(self._sentence_cache, _SENTENCE_CACHE_SIZE, sentences))

    def _encode_remembered(self, cache: OrderedDict[str, np.ndarray], size: int, texts: list[str]) -> list[np.ndarray]:
        """``texts``' vectors from ``cache`` (least recently used first out at ``size``); only the
        texts it lacks go through the model."""
        with self._lock:
            known = {text: cache.get(text) for text in dict.fromkeys(texts)}
        missing = [text for text, vector in known.items() if vector is None]
        for text, vector in zip(missing, self.encode(missing)):
            vector.setflags(write=False)
            known[text] = vector
        with self._lock:
            for text, vector in known.items():
                cache[text] = vector
                cache.move_to_end(text)
            while len(cache) > size:
                cache.popitem(last=False)
        return [known[text] for text in texts]

    def warm_sentences(self, sentences: list[str]) -> int:
        """Encode sentences ahead of the questions, in small batches so that queries interleave.
        Returns how many went through the model."""
        before = self.texts_encoded
        for start in range(0, min(len(sentences), _SENTENCE_CACHE_SIZE), _WARM_BATCH):
            self.encode_sentences(sentences[start : start + _WARM_BATCH])
        return self.texts_encoded - before


def _load_quietly(model: str):
    """Load a SentenceTransformer without transformers' load report and progress bar (m3e's
    checkpoint carries an unused ``position_ids`` buffer that is reported on every start).

    Torch runs single-threaded unless ``OMP_NUM_THREADS`` says otherwise: on the 2-core target,
    shared with the Rasa servers, two intra-op threads spin-wait for each other; measured under
    load, a query's p95 went from ~25 ms to over 400 ms and a batch of 240 texts from 1.4 s to 5 s.
    """
    import torch
    from sentence_transformers import SentenceTransformer  # heavy: imported on first use
    from transformers.utils import logging as hf_logging

    if not os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(1)

    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        return SentenceTransformer(model, device="cpu")
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


_encoders: dict[str, Encoder] = {}
_encoders_lock = threading.Lock()


def get_encoder(model: str) -> Encoder:
    """The process-wide encoder for ``model`` (loaded on the first call, ~10-20 s cold)."""
    with _encoders_lock:
        encoder = _encoders.get(model)
        if encoder is None:
            encoder = _encoders[model] = Encoder(model)
        return encoder
