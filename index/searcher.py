"""Hybrid search over the current index version, with a confidence decision.

A :class:`Searcher` holds one immutable loaded version at a time. ``search`` takes a reference
to that version once and uses nothing else, so ``maybe_reload`` can swap in a newer version
while queries run: in-flight searches finish on the version they started with.
"""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

from core.settings import Settings, settings as default_settings
from core.textnorm import normalize

from . import store
from .chunking import Chunk
from .encoder import get_encoder, model_id
from .confidence import ConfidenceModel, confidence_features
from .decisive import with_decisive_documents_first
from .fusion import MODES, SIGNALS, ScoredChunks, calibrate_dense, fuse, with_near_duplicates_first
from .keywords import KeywordIndex, keyword_tokens
from .domain import IN_DOMAIN_FLOOR, DomainModel
from .query import in_mandarin, question_focus
from .vectors import load_vector_index, search_vectors

log = logging.getLogger(__name__)
EXACT_DENSE_ROWS = 20_000  # below this, flat indexes score every row
ANN_CANDIDATE_ROWS = 256
RERANK_DOCUMENTS = 3  # documents whose passages are re-ordered by their own text (see Searcher._order)
MAX_BUTTON_CHARS = 18  # longer typical questions are offered as buttons only when no shorter one is close


@dataclass(frozen=True)
class Hit(Chunk):
    """One ranked passage: the chunk, and how it scored. ``score`` is the fused 0..1 score;
    ``dense`` the calibrated cosine and ``keyword`` the normalised BM25 (both 0..1); ``bm25`` the
    raw BM25 score."""

    score: float
    dense: float
    keyword: float
    bm25: float
    version: str


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: list[Hit]
    confidence: float
    threshold: float
    confident: bool
    version: str | None
    # How likely the message is about petitions and suggestions at all (index/domain.py); None
    # for an index built before the model existed, and for the keyword-only baseline.
    in_domain: float | None = None

    @property
    def other_subject(self) -> bool:
        """Whether the in-domain model judges the message to be about something else than
        petitions and suggestions; False when there is no model to ask."""
        return self.in_domain is not None and self.in_domain < IN_DOMAIN_FLOOR

    @property
    def best(self) -> Hit | None:
        """The top hit when the searcher is confident, else None ("not sure")."""
        return self.hits[0] if self.confident and self.hits else None


class _Version:
    """Everything one published version needs at query time, loaded into memory."""

    def __init__(self, path: Path):
        self.path = path
        self.manifest = store.read_manifest(path)
        self.name: str = self.manifest["version"]
        records = json.loads((path / store.CHUNKS).read_text(encoding="utf-8"))
        self.chunks = [Chunk(**{**r, "sentences": tuple(r["sentences"])}) for r in records["chunks"]]
        self.chunk_positions = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        self.question_texts: list[str] = records["questions"]
        self.question_lengths = np.asarray([len(q) for q in self.question_texts])
        self.question_docs: list[str] = records["question_docs"]
        self.row_chunks = np.load(path / store.ROWS)
        self.dense = load_vector_index(path / store.DENSE)
        self.keywords = KeywordIndex.load(path / store.KEYWORDS)
        with np.load(path / store.QUESTIONS) as questions:
            self.question_vectors = questions["vectors"]
            self.question_chunks = questions["chunks"]
        self.heading_vectors = np.load(path / store.HEADINGS)
        self.section_vectors = np.load(path / store.SECTIONS)
        self.domain = DomainModel.load(path / store.DOMAIN)
        self.section_tokens = [set(keyword_tokens(c.passage_text)) for c in self.chunks]
        self.dense_background: float = float(self.manifest.get("dense_background", 0.0))
        self.heading_background: float = float(self.manifest.get("heading_background", 0.0))
        self.question_background: float = float(self.manifest.get("question_background", 0.0))
        self.section_background: float = float(self.manifest.get("section_background", 0.0))
        # Documents as small integers: every chunk's and every typical question's document.
        doc_numbers = {doc: i for i, doc in enumerate(dict.fromkeys(c.doc_id for c in self.chunks))}
        self.chunk_doc_numbers = np.asarray([doc_numbers[c.doc_id] for c in self.chunks], dtype=np.int64)
        self.chunk_doc_ids = [c.doc_id for c in self.chunks]
        self.question_doc_numbers = np.asarray([doc_numbers[d] for d in self.question_docs], dtype=np.int64)
        self.document_count = len(doc_numbers)

    @property
    def empty(self) -> bool:
        return not self.chunks

    def chunk_vector(self, chunk_index: int) -> np.ndarray:
        return self.dense.reconstruct(int(chunk_index))


def _load_current(index_dir: Path, attempts: int = 3) -> _Version | None:
    """Load the version ``CURRENT`` names; re-read the pointer if that version was just collected."""
    for _ in range(attempts):
        name = store.current_version(index_dir)
        if name is None:
            return None
        try:
            return _Version(store.version_path(index_dir, name))
        except FileNotFoundError:
            continue
    raise FileNotFoundError(f"index version named by {index_dir / 'CURRENT'} kept disappearing")


def _per_chunk_from_questions(question_scores: np.ndarray, version: "_Version") -> np.ndarray:
    """Each chunk gets the best score among its document's typical questions (0 without any)."""
    per_document = np.zeros(version.document_count, dtype=np.float32)
    if question_scores.size:
        np.maximum.at(per_document, version.question_doc_numbers, question_scores)
    return per_document[version.chunk_doc_numbers]


class Searcher:
    """Reader of the index. Thread-safe; cheap to keep for the life of a process."""

    def __init__(self, cfg: Settings | None = None):
        """Open the current version (if any) and load the embedding model, so that the first
        question does not wait for it. Raises if the index was built with another model."""
        self._cfg = cfg or default_settings()
        self._reload_lock = threading.Lock()
        self._failed_version: str | None = None  # not retried until another version is published
        self._version = self._checked(_load_current(self._cfg.index_dir))
        self._encoder = get_encoder(self._cfg.embedding_model)
        self._confidence = ConfidenceModel.load()

    def _checked(self, version: _Version | None) -> _Version | None:
        if version is not None and version.manifest["model_id"] != model_id(self._cfg.embedding_model):
            raise RuntimeError(
                f"index version {version.name} was built with {version.manifest['model_id']}, but "
                f"EMBEDDING_MODEL is {self._cfg.embedding_model}: run `python -m index build`"
            )
        return version

    @property
    def version(self) -> str | None:
        current = self._version
        return current.name if current else None

    @property
    def threshold(self) -> float:
        return self._cfg.retrieval_threshold

    def maybe_reload(self) -> bool:
        """Swap to a newer published version if there is one (one small file read otherwise).

        Never blocks on another thread's reload, never raises: on failure the old version stays.
        """
        current = self._version
        name = store.current_version(self._cfg.index_dir)
        if name is None or name == self._failed_version or (current is not None and name == current.name):
            return False
        if not self._reload_lock.acquire(blocking=False):
            return False
        try:
            fresh = self._checked(_load_current(self._cfg.index_dir))
        except Exception:  # noqa: BLE001 - a bad new version must not break the running service
            log.exception("could not load index version %s; keeping %s", name, self.version)
            self._failed_version = name
            return False
        finally:
            self._reload_lock.release()
        if fresh is None or (current is not None and fresh.name == current.name):
            return False
        self._version = fresh
        log.info("switched to index version %s", fresh.name)
        return True

    def warm_answer_cache(self) -> int:
        """Encode the current version's sentences now, so that answers never wait for them
        (see :meth:`Encoder.encode_sentences`). Returns how many were new; meant for a background
        thread after loading or reloading."""
        version = self._version
        if version is None:
            return 0
        return self._encoder.warm_sentences([s for chunk in version.chunks for s in chunk.sentences])

    def search(self, query: str, k: int = 5, *, mode: str = "hybrid", threshold: float | None = None) -> SearchResult:
        """Rank passages for a citizen's question. ``mode`` ("hybrid", "dense", "keyword") and
        ``threshold`` (instead of ``RETRIEVAL_THRESHOLD``) exist for evaluation baselines; the
        assistant uses the defaults."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        version = self._version  # one version for the whole query, whatever reloads meanwhile
        text = normalize(query)  # capped where the message came in (MAX_INPUT_CHARS), not here
        threshold = self._cfg.retrieval_threshold if threshold is None else threshold
        if version is None or version.empty or not text:
            return SearchResult(text, [], 0.0, threshold, False, version.name if version else None)
        searched = in_mandarin(text)
        scored = self._score(version, searched, mode)
        order = self._order(version, searched, scored, mode)
        hits = [self._hit(version, int(i), scored) for i in order[:k]]
        by_score = np.argsort(-scored.fused, kind="stable")  # the same leading document as ``order``
        if mode == "hybrid":
            confidence = self._confidence.probability(confidence_features(scored, by_score, version.chunk_doc_numbers))
        else:  # the single-signal baselines of the evaluation: their own fused score
            confidence = float(scored.peak_fused[by_score[0]])
        in_domain = None
        if version.domain is not None and mode != "keyword":  # the query vector is already encoded
            in_domain = version.domain.probability(self._encoder.encode_query(searched))
        return SearchResult(text, hits, confidence, threshold, confidence >= threshold, version.name, in_domain)

    def explain(self, query: str) -> tuple[dict[str, float], str | None]:
        """The confidence features of a hybrid search and its top document (for fitting the
        confidence model)."""
        version, scored = self._version, self.score_all(query)
        if version is None or scored is None:
            return {}, None
        order = np.argsort(-scored.fused, kind="stable")
        return confidence_features(scored, order, version.chunk_doc_numbers), version.chunks[int(order[0])].doc_id

    @property
    def chunks(self) -> list[Chunk]:
        """The passages of the current version, in the order :meth:`score_all` scores them."""
        current = self._version
        return current.chunks if current is not None else []

    def question_documents(self) -> dict[str, str]:
        """Every typical question of the current version and its document (for evaluation)."""
        current = self._version
        return dict(zip(current.question_texts, current.question_docs)) if current is not None else {}

    def score_all(self, query: str, mode: str = "hybrid") -> ScoredChunks | None:
        """Every passage's signals and fused score on the current version (for weight tuning)."""
        version = self._version
        text = normalize(query)
        if version is None or version.empty or not text:
            return None
        return self._score(version, in_mandarin(text), mode)

    def _score(self, version: _Version, text: str, mode: str) -> ScoredChunks:
        """Signals of every passage for the message, and for its question sentence when it tells
        a story first (see :mod:`index.query`). Passages are ranked on the average of the two
        (the story says which matter, the question what about it); how sure the searcher is uses
        the better of the two (a story's details must not make a clear question look unsure)."""
        focus = question_focus(text)
        if focus is not None and mode != "keyword":
            self._encoder.encode_queries([text, focus])  # one pass through the model for both
        signals, bm25, known = self._signals(version, text, mode)
        if focus is None:
            scored = with_near_duplicates_first(fuse(signals, bm25, mode, known_share=known))
        else:
            asked, asked_bm25, asked_known = self._signals(version, focus, mode)
            ranked = fuse({name: (signals[name] + asked[name]) / 2 for name in SIGNALS}, np.maximum(bm25, asked_bm25),
                          mode, known_share=max(known, asked_known))
            scored = with_near_duplicates_first(
                replace(ranked, peak={name: np.maximum(signals[name], asked[name]) for name in SIGNALS}))
        if mode != "hybrid":  # the single-signal baselines of the evaluation stay single-signal
            return scored
        return with_decisive_documents_first(scored, text, version.chunk_doc_ids)

    def _signals(self, version: _Version, text: str, mode: str) -> tuple[dict[str, np.ndarray], np.ndarray, float]:
        """Each signal of every passage for ``text``, raw BM25, and the share of the question's
        keyword weight the collection knows at all."""
        n_chunks = len(version.chunks)
        zeros = np.zeros(n_chunks, dtype=np.float32)
        signals = dict.fromkeys(SIGNALS, zeros)
        if mode != "keyword":
            query_vector = self._encoder.encode_query(text)
            rows = version.dense.ntotal
            exact = rows <= EXACT_DENSE_ROWS and version.manifest["index_kind"] == "flat"
            found, cosines = search_vectors(version.dense, query_vector, rows if exact else ANN_CANDIDATE_ROWS)
            by_row = np.full(rows, np.nan, dtype=np.float32)  # rows the ANN search did not return stay NaN
            by_row[found] = cosines
            headings = np.full(n_chunks, np.nan, dtype=np.float32)
            candidates = np.arange(n_chunks) if exact else np.unique(version.row_chunks[found])
            headings[candidates] = version.heading_vectors[candidates] @ query_vector
            signals["dense_passage"] = calibrate_dense(by_row[:n_chunks], version.dense_background)
            signals["dense_heading"] = calibrate_dense(headings, version.heading_background)
            question_dense = calibrate_dense(by_row[n_chunks:], version.question_background)
            signals["dense_question"] = _per_chunk_from_questions(question_dense, version)
        bm25 = zeros
        tokens = keyword_tokens(text)
        known = version.keywords.known_share(tokens)
        if mode != "dense":
            raw, norm = version.keywords.scores(tokens)
            bm25 = raw[:n_chunks]
            signals["keyword_passage"] = norm[:n_chunks]
            signals["keyword_question"] = _per_chunk_from_questions(norm[n_chunks:], version)
        return signals, bm25, known

    def _order(self, version: _Version, text: str, scored: ScoredChunks, mode: str) -> np.ndarray:
        """Passages best first: documents by their best passage; within each of the leading
        documents, by how well the passage itself answers (:meth:`_section_scores`), then by score.

        Every passage of a document shares the document's title and typical questions, which lift
        them all alike: within a document they cannot tell "五种信访形式" from "谁是信访人" for
        "信访有哪些渠道". The passage's own text and heading can."""
        chunk_docs = version.chunk_doc_numbers
        doc_best = np.full(version.document_count, -np.inf, dtype=np.float32)
        np.maximum.at(doc_best, chunk_docs, scored.fused)
        leading = np.argsort(-doc_best, kind="stable")[:RERANK_DOCUMENTS]
        members = np.flatnonzero(np.isin(chunk_docs, leading))
        section = np.full(len(version.chunks), -np.inf, dtype=np.float32)
        texts = [text, *filter(None, [question_focus(text)])]
        section[members] = np.mean([self._section_scores(version, t, members, mode) for t in texts], axis=0)
        return np.lexsort((-scored.fused, -(section + scored.fused), -doc_best[chunk_docs]))

    def _section_scores(self, version: _Version, text: str, members: np.ndarray, mode: str) -> np.ndarray:
        """How well each of ``members`` answers ``text`` by its own heading and text (no document
        title): calibrated cosine and the IDF-weighted share of the question's terms it contains."""
        parts = []
        if mode != "keyword":
            cosines = version.section_vectors[members] @ self._encoder.encode_query(text)
            parts.append(calibrate_dense(cosines, version.section_background))
        if mode != "dense":
            terms = list(dict.fromkeys(keyword_tokens(text)))
            weights = np.asarray([version.keywords.idf(t) for t in terms], dtype=np.float32)
            total = float(weights.sum()) or 1.0
            parts.append(np.asarray([sum(w for t, w in zip(terms, weights) if t in version.section_tokens[int(i)]) / total
                                     for i in members], dtype=np.float32))
        return np.mean(parts, axis=0)

    @staticmethod
    def _hit(version: _Version, chunk_index: int, scored: ScoredChunks) -> Hit:
        chunk = version.chunks[chunk_index]
        return Hit(
            **{f.name: getattr(chunk, f.name) for f in fields(Chunk)},
            score=float(scored.fused[chunk_index]), dense=float(scored.dense[chunk_index]),
            keyword=float(scored.keyword[chunk_index]), bm25=float(scored.bm25[chunk_index]),
            version=version.name,
        )

    def related_questions(self, hit: Hit, k: int = 3, *, include_own: bool = False) -> list[str]:
        """Up to ``k`` typical questions close to the hit's passage, one per document, for
        quick-reply buttons. By default only other documents' questions (the hit's own document
        was just answered); ``include_own`` also allows the hit's document (for "not sure" replies).
        """
        version = self._version
        chunk_index = version.chunk_positions.get(hit.chunk_id) if version is not None else None
        if chunk_index is None or not version.question_texts:
            return []
        similarity = version.question_vectors @ version.chunk_vector(chunk_index)
        if include_own:  # a question that leads to this very passage comes first
            similarity = similarity + (version.question_chunks == chunk_index)
        # A question told with a story ("我妈腿脚不好……能不能……？") makes a poor button: short ones first.
        similarity = similarity - 0.5 * (version.question_lengths > MAX_BUTTON_CHARS)
        chosen: list[str] = []
        seen_docs = set() if include_own else {hit.doc_id}
        for i in np.argsort(-similarity, kind="stable"):
            doc = version.question_docs[int(i)]
            if doc not in seen_docs:
                seen_docs.add(doc)
                chosen.append(version.question_texts[int(i)])
                if len(chosen) == k:
                    break
        return chosen
