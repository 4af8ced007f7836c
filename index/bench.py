"""``python -m index bench``: latency, build throughput and memory figures (printed, never asserted).

* Real knowledge base: per-query latency of the embedding alone, of the search alone (query
  vector already cached), of both together, and of BM25 alone as a baseline.
* Synthetic 100k-chunk collection (random unit vectors; only the vector index is exercised):
  flat vs HNSW build time, search latency and HNSW recall@10 against the exact answer.
* Build throughput: a full re-embedding build of the knowledge base copied several times into a
  temporary directory (chunks/s and seconds per 1,000 chunks).
"""
from __future__ import annotations

import dataclasses
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil

from core.settings import Settings

from .builder import build_index
from .documents import load_documents
from .encoder import get_encoder
from .searcher import Searcher
from .vectors import build_vector_index, load_vector_index, save_vector_index, search_vectors


def _rss_mib() -> float:
    return psutil.Process().memory_info().rss / 2**20


@dataclass(frozen=True)
class Timing:
    """Latency of one measured operation: wall-clock p50/p95, and the median CPU time (all
    threads), which busy neighbours inflate less. ``notes``: build_s, recall_at_10, … ."""

    label: str
    p50_ms: float
    p95_ms: float
    cpu_p50_ms: float
    count: int
    notes: dict[str, float] = field(default_factory=dict)

    def line(self) -> str:
        extra = "".join(f"   {name} {value:g}" for name, value in self.notes.items())
        return (f"  {self.label:<22} p50 {self.p50_ms:6.2f} ms   p95 {self.p95_ms:6.2f} ms   "
                f"(CPU p50 {self.cpu_p50_ms:6.2f} ms, n={self.count}){extra}")


def _timing(label: str, samples: list[tuple[float, float]], **notes: float) -> Timing:
    wall = np.asarray([w for w, _ in samples]) * 1000
    cpu = np.asarray([c for _, c in samples]) * 1000
    return Timing(label, float(np.percentile(wall, 50)), float(np.percentile(wall, 95)),
                  float(np.percentile(cpu, 50)), len(wall), notes)


@dataclass(frozen=True)
class RealFigures:
    """The real knowledge base: its size and the per-query timings."""

    collection: dict[str, object]  # documents, chunks, rows, index_kind
    distinct_queries: int
    repeats: int
    timings: list[Timing]
    rss_mib: float

    def lines(self) -> list[str]:
        c = self.collection
        return [f"real knowledge base: {c['documents']} documents, {c['chunks']} chunks, {c['rows']} rows "
                f"({c['index_kind']}), {self.distinct_queries} distinct queries x {self.repeats}",
                *(t.line() for t in self.timings),
                f"  RSS after loading model and index: {self.rss_mib:.0f} MiB"]


@dataclass(frozen=True)
class SyntheticFigures:
    """Random vectors only: flat and HNSW, with build time, recall and index memory in ``notes``."""

    rows: int
    dim: int
    queries: int
    timings: list[Timing]

    def lines(self) -> list[str]:
        return [f"synthetic collection: {self.rows:,} rows x {self.dim} dims (clustered random unit vectors), "
                f"{self.queries} queries", *(t.line() for t in self.timings)]


@dataclass(frozen=True)
class BuildFigures:
    """A full build (every text embedded) of the knowledge base copied ``copies`` times."""

    copies: int
    documents: int
    chunks: int
    questions: int
    embedded_texts: int
    seconds: float

    @property
    def chunks_per_second(self) -> float:
        return self.chunks / self.seconds

    @property
    def seconds_per_1000_chunks(self) -> float:
        return 1000 / self.chunks_per_second

    def lines(self) -> list[str]:
        return [f"build throughput (full re-embed of the knowledge base x{self.copies}: {self.documents} documents, "
                f"{self.chunks} chunks, {self.questions} questions, {self.embedded_texts} texts embedded)",
                f"  {self.seconds:.1f} s total   {self.chunks_per_second:.1f} chunks/s   "
                f"{self.seconds_per_1000_chunks:.1f} s per 1,000 chunks"]


def _time(fn, items) -> list[tuple[float, float]]:
    samples = []
    for item in items:
        wall, cpu = time.perf_counter(), time.process_time()
        fn(item)
        samples.append((time.perf_counter() - wall, time.process_time() - cpu))
    return samples


def _load() -> str:
    one, five, _ = psutil.getloadavg()
    return f"load average {one:.2f} (1 min) {five:.2f} (5 min)"


def bench_real(cfg: Settings, queries: list[str], repeats: int = 3) -> RealFigures:
    searcher = Searcher(cfg)
    encoder = get_encoder(cfg.embedding_model)
    for q in queries[:5]:  # warm-up: first calls allocate
        searcher.search(q)
        searcher.search(q, mode="keyword")
    batch = queries * repeats

    def embed(q: str) -> None:
        encoder.encode([q])

    def search_cold(q: str) -> None:
        encoder._query_cache.clear()  # noqa: SLF001 - measure embedding + search together
        searcher.search(q)

    embedding = _time(embed, batch)
    together = _time(search_cold, batch)
    search_only = []  # "search only" leaves the model out: each query's vectors are cached just before
    for q in batch:  # (filling the cache for all queries first would evict them when they outnumber it)
        searcher.search(q)
        search_only += _time(searcher.search, [q])
    keyword_only = _time(lambda q: searcher.search(q, mode="keyword"), batch)
    manifest = searcher._version.manifest  # noqa: SLF001
    counts = manifest["counts"]
    collection = {"documents": counts["documents"], "chunks": counts["chunks"], "rows": counts["rows"],
                  "index_kind": manifest["index_kind"]}
    timings = [_timing("embedding", embedding), _timing("search", search_only),
               _timing("embedding + search", together), _timing("BM25 only (baseline)", keyword_only)]
    return RealFigures(collection, len(queries), repeats, timings, _rss_mib())


def _clustered_unit_vectors(rng: np.random.Generator, rows: int, dim: int, clusters: int) -> np.ndarray:
    """Rows scattered around random topic centres (cosine ~0.8 to their centre), which is closer
    to real embeddings than uniform noise, where every neighbour is a near-tie."""
    centres = rng.standard_normal((clusters, dim), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    vectors = centres[rng.integers(0, clusters, rows)]
    vectors += rng.standard_normal((rows, dim), dtype=np.float32) * (0.75 / np.sqrt(dim))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def bench_synthetic(rows: int = 100_000, dim: int = 512, queries: int = 300, seed: int = 0) -> SyntheticFigures:
    rng = np.random.default_rng(seed)
    vectors = _clustered_unit_vectors(rng, rows, dim, clusters=max(rows // 50, 1))
    picks = rng.choice(rows, size=queries, replace=False)
    # each query is a slightly reworded row: its source row should come back first
    noisy = vectors[picks] + rng.standard_normal((queries, dim), dtype=np.float32) * (0.3 / np.sqrt(dim))
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    timings: list[Timing] = []
    exact: list[np.ndarray] = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("flat", "hnsw"):
            rss_before = _rss_mib()
            started = time.perf_counter()
            index = build_vector_index(vectors, kind)
            save_vector_index(index, Path(tmp) / f"{kind}.faiss")
            index = load_vector_index(Path(tmp) / f"{kind}.faiss")  # as the searcher sees it
            built = time.perf_counter() - started
            results: list[np.ndarray] = []

            def query(i: int) -> None:
                results.append(search_vectors(index, noisy[i], 10)[0])

            samples = _time(query, range(queries))
            notes = {"build_s": round(built, 1),
                     "source_first": round(float(np.mean([r[0] == p for r, p in zip(results, picks)])), 3)}
            if kind == "flat":
                exact = results
            else:
                notes["recall_at_10"] = round(float(np.mean([len(set(a) & set(e)) / 10 for a, e in zip(results, exact)])), 3)
            notes["index_mib"] = round(_rss_mib() - rss_before)
            timings.append(_timing(kind, samples, **notes))
            del index
    return SyntheticFigures(rows, dim, queries, timings)


def bench_build(cfg: Settings, copies: int = 5) -> BuildFigures:
    """Full build (every chunk embedded) of ``copies`` copies of the knowledge base."""
    documents = load_documents(cfg.knowledge_dir).documents
    with tempfile.TemporaryDirectory() as tmp:
        knowledge = Path(tmp) / "knowledge"
        knowledge.mkdir()
        for path in sorted(cfg.knowledge_dir.glob("*.md")):
            if path.stem in {d.doc_id for d in documents}:
                for copy in range(copies):
                    shutil.copy(path, knowledge / f"{path.stem}-copy{copy}.md")
        temp_cfg = dataclasses.replace(cfg, knowledge_dir=knowledge, index_dir=Path(tmp) / "index")
        report = build_index(temp_cfg, full=True)
    return BuildFigures(copies, report.documents, report.chunks, report.questions, report.embedded_texts,
                        report.seconds)


def run(cfg: Settings, queries: list[str], synthetic_rows: int, build_copies: int) -> str:
    lines = [f"CPU cores: {psutil.cpu_count()}   RSS at start: {_rss_mib():.0f} MiB   {_load()}"]
    lines += bench_real(cfg, queries).lines()
    if build_copies:
        lines += bench_build(cfg, build_copies).lines()
    if synthetic_rows:
        lines += bench_synthetic(synthetic_rows).lines()
    lines.append(f"peak RSS of this process (bench included): {_peak_rss_mib():.0f} MiB   at the end: {_load()}")
    return "\n".join(lines)


def _peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
