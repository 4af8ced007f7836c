"""Incremental, atomic index builds.

Only documents whose content changed are re-embedded: embeddings are cached per document under a
key of (model id, chunker version, content hash). Every build writes a complete new version and
publishes it by swapping the ``CURRENT`` pointer (see :mod:`index.store`); a file lock serialises
concurrent builds, whether from threads, the CLI or the staff web service.
"""
from __future__ import annotations

import logging
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from core.settings import Settings, settings as default_settings
from core.textnorm import normalize

from . import store
from .chunking import CHUNKER_VERSION, Chunk, chunk_document
from .documents import Document, content_hash, file_hashes, load_documents
from .domain import fit_domain, off_topic_training
from .encoder import Encoder, get_encoder, model_id
from .fusion import background_similarity, calibrate_dense
from .keywords import KeywordIndex, keyword_tokens, tokenizer_id
from .vectors import build_vector_index, resolve_kind, save_vector_index

log = logging.getLogger(__name__)
# Bump when the version layout or how rows are built changes (forces a rebuild).
BUILD_FORMAT = 7


@dataclass
class BuildReport:
    """What a build did. ``embedded_documents`` lists the documents whose text went through the model."""

    version: str | None
    published: bool
    documents: int = 0
    chunks: int = 0
    questions: int = 0
    embedded_documents: list[str] = field(default_factory=list)
    reused_documents: list[str] = field(default_factory=list)
    embedded_texts: int = 0
    retired: list[str] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    index_kind: str = ""
    seconds: float = 0.0
    removed_versions: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Embedded:
    chunk_vectors: np.ndarray  # the passage in context (title, heading, text): retrieval rows
    passage_vectors: np.ndarray  # heading and text only: which passage of its document a question means
    heading_vectors: np.ndarray  # the section heading alone (the passage again when it has none)
    question_vectors: np.ndarray
    cache_key: str
    from_cache: bool


# What one cache entry holds; part of the cache key, so a change re-embeds instead of misreading.
_CACHE_VIEWS = "chunks+passages+headings+questions"


def _read_cached(cache: Path, key: str) -> dict[str, np.ndarray] | None:
    """The arrays of a cache entry, or None when it is missing or unreadable."""
    path = cache / f"{key}.npz"
    if not path.is_file():
        return None
    try:
        with np.load(path) as stored:
            return {name: stored[name] for name in stored.files}
    except (OSError, ValueError):
        log.warning("ignoring unreadable embedding cache entry %s", path)
        return None


def _write_cached(cache: Path, key: str, **arrays: np.ndarray) -> None:
    """Write a cache entry whole or not at all (a concurrent reader never sees half of one)."""
    cache.mkdir(parents=True, exist_ok=True)
    partial = cache / f".{key}.{time.time_ns()}.npz"
    np.savez(partial, **arrays)
    partial.replace(cache / f"{key}.npz")


def _embed_document(
    encoder: Encoder, document: Document, chunks: list[Chunk], questions: list[str], cache: Path, use_cache: bool
) -> _Embedded:
    key = store.cache_key(encoder.model_id, f"{CHUNKER_VERSION}/{_CACHE_VIEWS}", document.content_hash)
    stored = _read_cached(cache, key) if use_cache else None
    if stored is not None and {"chunks", "passages", "headings", "questions"} <= stored.keys():
        embedded = _Embedded(stored["chunks"], stored["passages"], stored["headings"], stored["questions"], key, True)
        if len(embedded.chunk_vectors) == len(chunks) and len(embedded.question_vectors) == len(questions):
            return embedded
    n = len(chunks)
    headed = [i for i, c in enumerate(chunks) if c.section]
    vectors = encoder.encode(
        [c.index_text for c in chunks] + [c.passage_text for c in chunks]
        + [chunks[i].section for i in headed] + questions
    )
    passage_vectors = vectors[n : 2 * n]
    heading_vectors = passage_vectors.copy()
    heading_vectors[headed] = vectors[2 * n : 2 * n + len(headed)]
    embedded = _Embedded(vectors[:n], passage_vectors, heading_vectors, vectors[2 * n + len(headed) :], key, False)
    _write_cached(cache, key, chunks=embedded.chunk_vectors, passages=embedded.passage_vectors,
                  headings=embedded.heading_vectors, questions=embedded.question_vectors)
    return embedded


def _fingerprint(cfg: Settings) -> dict:
    """What decides whether the current version is up to date (cheap: no model load)."""
    return {
        "model_id": model_id(cfg.embedding_model),
        "chunker_version": CHUNKER_VERSION,
        "tokenizer": tokenizer_id(),
        "build_format": BUILD_FORMAT,
        "files": file_hashes(cfg.knowledge_dir),
        "off_topic_training": content_hash("\n".join(off_topic_training()).encode()),
    }


def stale_reasons(cfg: Settings | None = None) -> list[str]:
    """Why the current version is out of date (empty when it is current).

    Hashes the knowledge files and the model's configuration; never loads the model.
    """
    cfg = cfg or default_settings()
    manifest = store.current_manifest(cfg.index_dir)
    if manifest is None:
        return ["no index has been built yet"]
    fingerprint = _fingerprint(cfg)
    reasons = []
    if manifest.get("model_id") != fingerprint["model_id"]:
        reasons.append(f"embedding model changed: {manifest.get('model_id')} -> {fingerprint['model_id']}")
    for key, what in (("chunker_version", "chunker"), ("tokenizer", "keyword tokenizer or jieba dictionary"),
                      ("build_format", "index format"), ("off_topic_training", "off-topic training questions")):
        if manifest.get(key) != fingerprint[key]:
            reasons.append(f"{what} changed")
    indexed, present = manifest.get("files", {}), fingerprint["files"]
    for name in sorted(set(indexed) | set(present)):
        if name not in present:
            reasons.append(f"removed: {name}")
        elif name not in indexed:
            reasons.append(f"added: {name}")
        elif indexed[name] != present[name]:
            reasons.append(f"changed: {name}")
    return reasons


def is_stale(cfg: Settings | None = None) -> bool:
    """True when the knowledge files, the model or the chunker differ from the current version
    (cheap: reads and hashes the knowledge files, never loads the model)."""
    return bool(stale_reasons(cfg))


def build_index(cfg: Settings | None = None, *, full: bool = False) -> BuildReport:
    """Build and publish a new version if anything changed (``full``: re-embed everything)."""
    cfg = cfg or default_settings()
    started = time.perf_counter()
    with store.build_lock(cfg.index_dir):
        fingerprint = _fingerprint(cfg)
        manifest = store.current_manifest(cfg.index_dir)
        loaded = load_documents(cfg.knowledge_dir)
        problems = [{"path": p.path, "reason": p.reason} for p in loaded.problems]
        for problem in problems:
            log.warning("skipping %s: %s", problem["path"], problem["reason"])
        up_to_date = manifest is not None and all(manifest.get(k) == v for k, v in fingerprint.items())
        if up_to_date and not full and manifest.get("index_kind_setting") == cfg.index_kind:
            return BuildReport(
                version=manifest["version"], published=False, documents=len(loaded.documents),
                chunks=manifest["counts"]["chunks"], questions=manifest["counts"]["questions"],
                retired=loaded.retired, problems=problems, index_kind=manifest["index_kind"],
                seconds=time.perf_counter() - started,
            )
        report = _write_version(cfg, fingerprint, loaded.documents, full)
        report.retired, report.problems = loaded.retired, problems
        report.removed_versions = store.collect_garbage(cfg.index_dir)
        report.seconds = time.perf_counter() - started
        return report


def _write_version(cfg: Settings, fingerprint: dict, documents: list[Document], full: bool) -> BuildReport:
    encoder = get_encoder(cfg.embedding_model)
    cache = store.cache_dir(cfg.index_dir)
    version = store.new_version_id()
    report = BuildReport(version=version, published=True, documents=len(documents))

    chunks: list[Chunk] = []
    chunk_vectors: list[np.ndarray] = []
    passage_vectors: list[np.ndarray] = []
    heading_vectors: list[np.ndarray] = []
    question_texts: list[str] = []
    question_docs: list[str] = []
    question_vectors: list[np.ndarray] = []
    doc_entries: dict[str, dict] = {}
    encoded_before = encoder.texts_encoded
    for document in documents:
        doc_chunks = chunk_document(document)
        questions = list(dict.fromkeys(q for q in (normalize(q) for q in document.questions) if q))
        if not doc_chunks:
            continue
        embedded = _embed_document(encoder, document, doc_chunks, questions, cache, use_cache=not full)
        (report.reused_documents if embedded.from_cache else report.embedded_documents).append(document.doc_id)
        chunks.extend(doc_chunks)
        chunk_vectors.append(embedded.chunk_vectors)
        passage_vectors.append(embedded.passage_vectors)
        heading_vectors.append(embedded.heading_vectors)
        question_texts.extend(questions)
        question_docs.extend([document.doc_id] * len(questions))
        question_vectors.append(embedded.question_vectors)
        doc_entries[document.doc_id] = {
            "hash": document.content_hash,
            "cache_key": embedded.cache_key,
            "chunks": len(doc_chunks),
            "questions": len(questions),
            "title": document.title,
            "tags": list(document.tags),
        }

    dim = encoder.dim
    all_chunk_vectors = np.vstack(chunk_vectors) if chunk_vectors else np.zeros((0, dim), np.float32)
    all_question_vectors = np.vstack(question_vectors) if question_vectors else np.zeros((0, dim), np.float32)
    all_passage_vectors = np.vstack(passage_vectors) if passage_vectors else np.zeros((0, dim), np.float32)
    all_heading_vectors = np.vstack(heading_vectors) if heading_vectors else np.zeros((0, dim), np.float32)
    chunk_docs = [c.doc_id for c in chunks]
    # The keyword side also sees the document's tags: authors list there the terms a passage
    # is about but may not repeat (缠访闹访, 打击报复 ...).
    tags = {doc_id: " ".join(normalize(t) for t in entry["tags"]) for doc_id, entry in doc_entries.items()}
    chunk_tokens = [keyword_tokens(f"{c.index_text} {tags[c.doc_id]}") for c in chunks]
    background = background_similarity(all_question_vectors, question_docs, all_chunk_vectors, chunk_docs)
    backgrounds = {
        "dense_background": background,
        "heading_background": background_similarity(all_question_vectors, question_docs, all_heading_vectors, chunk_docs),
        "section_background": background_similarity(all_question_vectors, question_docs, all_passage_vectors, chunk_docs),
        "question_background": background_similarity(all_question_vectors, question_docs, all_question_vectors,
                                                     question_docs),
    }
    question_chunks = _map_questions(
        question_texts, question_docs, all_question_vectors, chunk_docs,
        [keyword_tokens(c.passage_text) for c in chunks], all_passage_vectors, all_heading_vectors, background,
    )
    off_topic_vectors, off_topic_key = _off_topic_vectors(encoder, cache)
    domain = fit_domain(all_question_vectors, off_topic_vectors)
    report.embedded_texts = encoder.texts_encoded - encoded_before
    # Row r of the dense and keyword indexes is a chunk (r < len(chunks)) or a typical question;
    # rows.npy maps every row to the chunk it stands for.
    row_chunks = np.concatenate([np.arange(len(chunks)), question_chunks]).astype(np.int64)
    row_tokens = chunk_tokens + [keyword_tokens(q) for q in question_texts]
    kind = resolve_kind(cfg.index_kind, len(row_tokens), cfg.ann_threshold)

    staging = store.staging_path(cfg.index_dir, version)
    try:
        vectors = np.vstack([all_chunk_vectors, all_question_vectors])
        save_vector_index(build_vector_index(vectors, kind), staging / store.DENSE)
        KeywordIndex.build(row_tokens).save(staging / store.KEYWORDS)
        np.save(staging / store.ROWS, row_chunks)
        np.savez(
            staging / store.QUESTIONS,
            vectors=all_question_vectors,
            chunks=question_chunks,
        )
        np.save(staging / store.HEADINGS, all_heading_vectors)
        np.save(staging / store.SECTIONS, all_passage_vectors)
        if domain is not None:
            domain.save(staging / store.DOMAIN)
        store.write_json(
            staging / store.CHUNKS,
            {"chunks": [_chunk_record(c) for c in chunks], "questions": question_texts, "question_docs": question_docs},
        )
        store.write_json(
            staging / store.MANIFEST,
            {
                "version": version,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                **fingerprint,
                "dim": dim,
                **backgrounds,
                "off_topic_cache_key": off_topic_key,
                "index_kind": kind,
                "index_kind_setting": cfg.index_kind,
                "documents": doc_entries,
                "counts": {"documents": len(doc_entries), "chunks": len(chunks), "questions": len(question_texts),
                           "rows": len(row_tokens)},
            },
        )
        store.publish(cfg.index_dir, staging, version)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report.chunks, report.questions, report.index_kind = len(chunks), len(question_texts), kind
    log.info("published index version %s: %d chunks, %d questions, re-embedded %d documents",
             version, len(chunks), len(question_texts), len(report.embedded_documents))
    return report


def _map_questions(
    questions: list[str], question_docs: list[str], question_vectors: np.ndarray,
    chunk_docs: list[str], passage_tokens: list[list[str]], passage_vectors: np.ndarray,
    heading_vectors: np.ndarray, background: float,
) -> np.ndarray:
    """For each typical question, the passage of its own document that answers it best.

    Scored like a search (calibrated cosine + normalised BM25), but on the passages without the
    document title: every chunk of a document shares the title, so it cannot tell them apart,
    and with it a short chunk is little more than the title and attracts every question. A
    heading is often the question its section answers (向谁申请复查), so the closer of passage
    and heading counts.
    """
    if not questions:
        return np.zeros(0, dtype=np.int64)
    keywords = KeywordIndex.build(passage_tokens)
    doc_ranges: dict[str, tuple[int, int]] = {}
    for position, doc in enumerate(chunk_docs):  # a document's chunks are consecutive
        first, _ = doc_ranges.get(doc, (position, position))
        doc_ranges[doc] = (first, position + 1)
    mapped = np.zeros(len(questions), dtype=np.int64)
    for i, (question, doc) in enumerate(zip(questions, question_docs)):
        first, end = doc_ranges[doc]
        keyword = keywords.scores(keyword_tokens(question))[1][first:end]
        cosines = np.maximum(passage_vectors[first:end] @ question_vectors[i],
                             heading_vectors[first:end] @ question_vectors[i])
        mapped[i] = first + int(np.argmax(calibrate_dense(cosines, background) + keyword))
    return mapped


def _off_topic_vectors(encoder: Encoder, cache: Path) -> tuple[np.ndarray, str]:
    """The off-topic training questions embedded like typical questions, cached like documents;
    and their cache key."""
    questions = [normalize(q) for q in off_topic_training()]
    if not questions:
        return np.zeros((0, encoder.dim), np.float32), ""
    key = store.cache_key(encoder.model_id, "off-topic-training", content_hash("\n".join(questions).encode()))
    stored = _read_cached(cache, key)
    if stored is not None and "questions" in stored and len(stored["questions"]) == len(questions):
        return stored["questions"], key
    vectors = encoder.encode(questions)
    _write_cached(cache, key, questions=vectors)
    return vectors, key


def _chunk_record(chunk: Chunk) -> dict:
    record = asdict(chunk)
    record["sentences"] = list(chunk.sentences)
    return record
