"""Fixtures for the staff console and API: a small real knowledge base with a real index, copied
per test, and the web application (aiohttp test client) on top of it."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from core.settings import PROJECT_ROOT, Settings, load_settings  # noqa: E402
from tests.staff.support import SAMPLE_DOCUMENTS, staff_env, web_app  # noqa: E402


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample documents with a real index built once (the model loads once per session)."""
    from index import build_index

    root = tmp_path_factory.mktemp("staff-sample")
    (root / "knowledge").mkdir()
    for doc_id in SAMPLE_DOCUMENTS:
        shutil.copy(PROJECT_ROOT / "knowledge" / f"{doc_id}.md", root / "knowledge" / f"{doc_id}.md")
    report = build_index(load_settings(staff_env(root)))
    assert report.published and report.documents == len(SAMPLE_DOCUMENTS)
    return root


@pytest.fixture
def kb(tmp_path: Path, built_sample: Path) -> Settings:
    """Settings on a private copy of the sample knowledge base and its index."""
    shutil.copytree(built_sample / "knowledge", tmp_path / "knowledge")
    shutil.copytree(built_sample / "data" / "index", tmp_path / "data" / "index")
    return load_settings(staff_env(tmp_path))


@pytest.fixture
async def client(aiohttp_client, kb: Settings):
    return await aiohttp_client(web_app(kb))
