"""Atomic swaps: readers keep searching while builds publish new versions."""
from __future__ import annotations

import re
import threading
from pathlib import Path

from core.settings import Settings
from index import Searcher, build_index, store

MARKER_QUESTION = "这份文件现在是第几版"
MARKER = re.compile(r"这份文件现在是第(\d+)版")


def _set_generation(path: Path, base: str, generation: int) -> None:
    path.write_text(base + f"\n## 版本说明\n\n这份文件现在是第{generation}版。\n", encoding="utf-8")


def test_concurrent_readers_see_only_complete_versions(kb: Settings):
    review = kb.knowledge_dir / "fx-review.md"
    base = review.read_text(encoding="utf-8")
    _set_generation(review, base, 0)
    generation_of = {build_index(kb).version: 0}
    shared = Searcher(kb)
    done = threading.Event()
    errors: list[BaseException] = []
    observed: list[tuple[str, list]] = []  # (result version, hits)
    lock = threading.Lock()

    def record(result) -> None:
        with lock:
            observed.append((result.version, result.hits))

    def reader() -> None:
        try:
            while not done.is_set():
                shared.maybe_reload()
                record(shared.search(MARKER_QUESTION, k=3))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def fresh_reader() -> None:  # new searchers open whatever CURRENT names at that moment
        try:
            while not done.is_set():
                record(Searcher(kb).search(MARKER_QUESTION, k=3))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)] + [threading.Thread(target=fresh_reader)]
    for thread in threads:
        thread.start()
    try:
        for generation in range(1, 5):
            _set_generation(review, base, generation)
            report = build_index(kb)
            assert report.published and report.embedded_documents == ["fx-review"]
            generation_of[report.version] = generation
    finally:
        done.set()
        for thread in threads:
            thread.join()

    assert not errors, errors
    assert shared.maybe_reload() in (True, False)
    assert shared.version == store.current_version(kb.index_dir)
    versions_seen = {version for version, _ in observed}
    assert len(versions_seen) > 1  # the readers did search across swaps
    for version, hits in observed:
        assert version in generation_of
        assert all(hit.version == version for hit in hits)
        markers = [int(m.group(1)) for hit in hits for m in [MARKER.search(hit.text)] if m]
        assert markers == [generation_of[version]]  # exactly the marker of that very version


def test_concurrent_builds_are_serialised(kb: Settings):
    reports = []
    threads = [threading.Thread(target=lambda: reports.append(build_index(kb))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.published for r in reports) == [False, True]
    assert store.current_version(kb.index_dir) == next(r.version for r in reports if r.published)
    assert [p.name for p in store.versions_dir(kb.index_dir).iterdir()] == [store.current_version(kb.index_dir)]
