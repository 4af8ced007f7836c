"""On-disk layout of the index directory, and the atomic swap between versions.

::

    <INDEX_DIR>/
      CURRENT                     name of the live version (replaced atomically with os.replace)
      build.lock                  serialises builds across processes
      versions/<version>/         one complete, immutable index (see version_files below)
      versions/.tmp-<version>/    a build in progress (never read; removed on failure)
      cache/<key>.npz             embeddings of one document, keyed by model id + chunker + content

A version directory is written in full under a temporary name, renamed into place, and only
then published by replacing ``CURRENT``; a reader following ``CURRENT`` never sees a partial
index. Old versions are garbage-collected, never the current one.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from filelock import FileLock

from core.files import atomic_write, fsync_directory

MANIFEST = "manifest.json"
CHUNKS = "chunks.json"
ROWS = "rows.npy"
DENSE = "dense.faiss"
QUESTIONS = "questions.npz"
HEADINGS = "headings.npy"
SECTIONS = "sections.npy"  # each passage under its own heading, without the document title
DOMAIN = "domain.npz"  # is a message about petitions and suggestions at all (index/domain.py)
KEYWORDS = "keywords"
KEEP_VERSIONS = 3
LOCK_TIMEOUT_SECONDS = 600.0


def versions_dir(index_dir: Path) -> Path:
    return index_dir / "versions"


def cache_dir(index_dir: Path) -> Path:
    return index_dir / "cache"


def build_lock(index_dir: Path) -> FileLock:
    index_dir.mkdir(parents=True, exist_ok=True)
    return FileLock(str(index_dir / "build.lock"), timeout=LOCK_TIMEOUT_SECONDS)


def new_version_id() -> str:
    """Sortable by creation time, unique within a process and across processes."""
    now = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now / 1e9))
    return f"{stamp}.{now % 1_000_000_000:09d}-{os.getpid()}"


def current_version(index_dir: Path) -> str | None:
    """The published version name, or None before the first build."""
    try:
        name = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def version_path(index_dir: Path, version: str) -> Path:
    return versions_dir(index_dir) / version


def staging_path(index_dir: Path, version: str) -> Path:
    path = versions_dir(index_dir) / f".tmp-{version}"
    path.mkdir(parents=True)
    return path


def publish(index_dir: Path, staging: Path, version: str) -> Path:
    """Move a complete staging directory into place and point ``CURRENT`` at it."""
    final = version_path(index_dir, version)
    os.replace(staging, final)
    fsync_directory(final.parent)
    atomic_write(index_dir / "CURRENT", f"{version}\n".encode("utf-8"))
    return final


def read_manifest(path: Path) -> dict[str, Any]:
    return json.loads((path / MANIFEST).read_text(encoding="utf-8"))


def current_manifest(index_dir: Path) -> dict[str, Any] | None:
    version = current_version(index_dir)
    if version is None:
        return None
    try:
        return read_manifest(version_path(index_dir, version))
    except FileNotFoundError:
        return None


def write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1), encoding="utf-8")


def cache_key(model: str, chunker_version: str, doc_hash: str) -> str:
    return hashlib.sha256(f"{model}\n{chunker_version}\n{doc_hash}".encode()).hexdigest()[:40]


def collect_garbage(index_dir: Path, keep: int = KEEP_VERSIONS) -> list[str]:
    """Delete all but the ``keep`` newest versions (never the current one), stale staging
    directories, and cache entries no kept version uses. Call with the build lock held."""
    root = versions_dir(index_dir)
    if not root.is_dir():
        return []
    current = current_version(index_dir)
    versions = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    kept = {p.name for p in versions[-keep:]} | ({current} if current else set())
    removed: list[str] = []
    for path in root.iterdir():
        if path.name.startswith(".tmp-") or (path.is_dir() and path.name not in kept and not path.name.startswith(".")):
            shutil.rmtree(path, ignore_errors=True)
            if not path.name.startswith("."):
                removed.append(path.name)
    used: set[str] = set()
    for name in kept:
        try:
            manifest = read_manifest(root / name)
        except (FileNotFoundError, ValueError):
            continue
        used.update(doc["cache_key"] for doc in manifest.get("documents", {}).values())
        used.add(manifest.get("off_topic_cache_key", ""))
    cache = cache_dir(index_dir)
    if cache.is_dir():
        for entry in cache.glob("*.npz"):
            if entry.stem not in used:
                entry.unlink(missing_ok=True)
    return removed
