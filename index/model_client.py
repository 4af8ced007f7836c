"""The web service's way to the embedding model, which only the action server holds.

The staff console's try-a-question search, the index builds after a publish and the sentence
vectors of the insights (recurring problems, unanswered questions) are asked of the action server
over local HTTP (routes in :mod:`bot.model_routes`), with the shared secret of
:mod:`core.action_auth`; the web service itself never imports torch or sentence-transformers.
Vectors travel as base64 float32 rows (a quarter of the size of JSON numbers).
"""
from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.request
from typing import Any

import numpy as np

from core.action_auth import HEADER, action_server_secret
from core.settings import Settings

SEARCH_PATH = "/knowledge/search"
BUILD_PATH = "/knowledge/build"
ENCODE_PATH = "/model/encode"
INFO_PATH = "/model/info"
MAX_TEXTS_PER_REQUEST = 256
MAX_TEXT_CHARS = 10_000
SEARCH_TIMEOUT_SECONDS = 120.0  # the first search after a start waits for the model to load
ENCODE_TIMEOUT_SECONDS = 300.0
BUILD_TIMEOUT_SECONDS = 3600.0  # a full rebuild of a large knowledge base; only stops a hung one


class ModelServiceError(RuntimeError):
    """The action server could not do what was asked; the message (Chinese) says why."""


def pack_vectors(vectors: np.ndarray) -> dict[str, Any]:
    rows = np.ascontiguousarray(vectors, dtype="<f4")
    return {"shape": list(rows.shape), "float32": base64.b64encode(rows.tobytes()).decode("ascii")}


def unpack_vectors(packed: dict[str, Any]) -> np.ndarray:
    shape = tuple(int(n) for n in packed["shape"])
    data = np.frombuffer(base64.b64decode(packed["float32"]), dtype="<f4")
    return data.reshape(shape).astype(np.float32)


class RemoteKnowledge:
    """The action server's knowledge base and model, as the web service uses them (thread-safe)."""

    def __init__(self, cfg: Settings):
        self._base = cfg.action_server_url
        self._secret = action_server_secret(cfg)
        self._model = cfg.embedding_model
        self._encoder: RemoteEncoder | None = None
        self._lock = threading.Lock()

    def _call(self, path: str, payload: dict[str, Any] | None, timeout: float) -> dict[str, Any]:
        request = urllib.request.Request(
            self._base + path, method="GET" if payload is None else "POST",
            data=None if payload is None else json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={HEADER: self._secret, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            try:
                message = json.loads(error.read()).get("error")
            except (ValueError, AttributeError):
                message = None
            raise ModelServiceError(message or f"动作服务器返回错误（HTTP {error.code}）。") from error
        except (OSError, ValueError) as error:  # refused, reset, timed out, not JSON
            raise ModelServiceError("暂时无法连接动作服务器（知识库与模型所在的服务），请稍后重试。"
                                    f"（{type(error).__name__}）") from error

    def preview(self, query: str, k: int = 5) -> dict[str, Any]:
        """Ranked passages and the assistant's reply (see :meth:`index.live.LiveKnowledge.preview`)."""
        return self._call(SEARCH_PATH, {"query": query, "k": k}, SEARCH_TIMEOUT_SECONDS)

    def build(self) -> dict[str, Any]:
        """Build and publish the index; live in the action server when this returns."""
        return self._call(BUILD_PATH, {}, BUILD_TIMEOUT_SECONDS)

    def encoder(self) -> "RemoteEncoder":
        with self._lock:
            if self._encoder is None:
                self._encoder = RemoteEncoder(self, self._model)
            return self._encoder


class RemoteEncoder:
    """:class:`insights.vectors.TextEncoder` over HTTP: ``model_id`` is computed here (it names
    the vector cache; no model is loaded for it), ``dim`` is asked once."""

    def __init__(self, knowledge: RemoteKnowledge, model: str):
        from index.encoder import model_id  # reads file names and sizes only

        self._knowledge = knowledge
        self.model_id = model_id(model)
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self._knowledge._call(INFO_PATH, None, SEARCH_TIMEOUT_SECONDS)["dim"])
        return self._dim

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = []
        for start in range(0, len(texts), MAX_TEXTS_PER_REQUEST):
            batch = [text[:MAX_TEXT_CHARS] for text in texts[start : start + MAX_TEXTS_PER_REQUEST]]
            answer = self._knowledge._call(ENCODE_PATH, {"texts": batch}, ENCODE_TIMEOUT_SECONDS)
            if answer.get("model_id") != self.model_id:  # the cache is keyed by the model: never mix two
                raise ModelServiceError("动作服务器使用的嵌入模型与本服务的设置（EMBEDDING_MODEL）不同，请重新启动助手。")
            parts.append(unpack_vectors(answer["vectors"]))
        return np.concatenate(parts)
