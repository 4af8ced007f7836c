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


@pytest.fixture
def built(kb: Settings) -> Settings:
    from index import build_index

    build_index(kb)
    return kb
