"""Fixtures shared by the whole suite."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.support.stack import RunningAssistant, running_assistant


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAssistant]:
    """The real assistant (Rasa server + action server + web service), started once per session."""
    with running_assistant(tmp_path_factory.mktemp("assistant")) as running:
        yield running
