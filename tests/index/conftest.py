"""Shared fixtures: the real embedding model (loaded once per session) and a throw-away
knowledge base + index directory built from ``fixtures/knowledge``."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from core.settings import Settings, load_settings  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures" / "knowledge"


@pytest.fixture(scope="session")
def encoder():
    """The configured model, loaded once; every build and search in the session shares it."""
    from index.encoder import get_encoder

    return get_encoder(load_settings().embedding_model)


@pytest.fixture
def kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoder) -> Settings:
    """Settings pointing at a copy of the fixture documents and an empty index directory."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(FIXTURES, knowledge)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INDEX_DIR", str(tmp_path / "data" / "index"))
    monkeypatch.setenv("KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.delenv("RETRIEVAL_THRESHOLD", raising=False)  # test the shipped, tuned default
    monkeypatch.delenv("INDEX_KIND", raising=False)
    return load_settings()


@pytest.fixture(scope="session")
def fixture_index(tmp_path_factory: pytest.TempPathFactory, encoder) -> Path:
    """The index of the fixture documents, built once per session with the settings ``kb``
    gives; ``built`` copies it for each test (tests change their copy)."""
    from index import build_index

    root = tmp_path_factory.mktemp("fixture-index")
    shutil.copytree(FIXTURES, root / "knowledge")
    environ = {name: value for name, value in os.environ.items() if name not in ("RETRIEVAL_THRESHOLD", "INDEX_KIND")}
    cfg = load_settings({**environ, "DATA_DIR": str(root / "data"), "INDEX_DIR": str(root / "data" / "index"),
                         "KNOWLEDGE_DIR": str(root / "knowledge")})
    assert build_index(cfg).published
    return cfg.index_dir


@pytest.fixture
def built(kb: Settings, fixture_index: Path) -> Settings:
    """``kb`` with its index built (a copy of the session's: the same documents, settings and model)."""
    shutil.copytree(fixture_index, kb.index_dir)
    return kb
