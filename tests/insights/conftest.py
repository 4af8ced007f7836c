"""Fixtures for the recurring-problems tests: a private data directory (its own database and
vector cache) and the real web application on it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from core.settings import Settings, load_settings  # noqa: E402
from tests.staff.support import staff_env, web_app  # noqa: E402


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    (tmp_path / "knowledge").mkdir()
    return load_settings(staff_env(tmp_path))


@pytest.fixture
async def client(aiohttp_client, settings: Settings):
    return await aiohttp_client(web_app(settings))
