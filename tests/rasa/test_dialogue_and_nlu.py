"""Rasa's own evaluations on the trained model: test stories (dialogue) and held-out NLU data."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT, load_settings
from core.training import ensure_model

RASA = str(Path(sys.executable).with_name("rasa"))
MIN_INTENT_MACRO_F1 = 0.9


@pytest.fixture(scope="module")
def model() -> Path:
    return ensure_model(load_settings())


def test_every_rule_and_story_is_followed(model: Path, tmp_path: Path) -> None:
    finished = subprocess.run(
        [RASA, "test", "core", "--model", str(model), "--stories", "tests/stories/test_stories.yml",
         "--out", str(tmp_path), "--fail-on-prediction-errors"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text(encoding="utf-8") if failed.is_file() else finished.stdout[-4000:] + finished.stderr[-4000:]
    assert finished.returncode == 0, details
    assert "story:" not in details.split("stories:", 1)[-1], details


def test_intent_macro_f1_on_held_out_data(model: Path, tmp_path: Path) -> None:
    report_file = tmp_path / "nlu_report.json"
    finished = subprocess.run(
        [sys.executable, "-m", "bot.evaluate_nlu", "--model", str(model), "--json", str(report_file)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900,
    )
    assert finished.returncode == 0, finished.stderr[-4000:]
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["macro_f1"] >= MIN_INTENT_MACRO_F1, finished.stdout[-3000:]
    assert report["intents"]["emergency"]["recall"] == 1.0, finished.stdout[-3000:]
