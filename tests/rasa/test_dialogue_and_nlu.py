"""Rasa's own evaluations on the trained model: test stories (dialogue) and held-out NLU data.

Both run in one process (``tests/rasa/evaluations.py``): Python, Rasa and TensorFlow start once."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT, load_settings
from launch.training import ensure_model

MIN_INTENT_MACRO_F1 = 0.9


@dataclass(frozen=True)
class Evaluation:
    finished: subprocess.CompletedProcess[str]
    out_dir: Path

    def output(self) -> str:
        return self.finished.stdout[-4000:] + self.finished.stderr[-4000:]


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory: pytest.TempPathFactory) -> Evaluation:
    model = ensure_model(load_settings())
    out_dir = tmp_path_factory.mktemp("rasa-evaluation")
    finished = subprocess.run(
        [sys.executable, "-m", "tests.rasa.evaluations", str(model), "tests/stories/test_stories.yml", str(out_dir)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=1800,  # 900 s for each, as before
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert finished.returncode == 0, finished.stderr[-4000:]
    return Evaluation(finished, out_dir)


def test_every_rule_and_story_is_followed(evaluation: Evaluation) -> None:
    stories = json.loads((evaluation.out_dir / "stories.json").read_text(encoding="utf-8"))
    failed = evaluation.out_dir / "failed_test_stories.yml"
    details = failed.read_text(encoding="utf-8") if failed.is_file() else stories["error"] + "\n" + evaluation.output()
    assert stories["passed"], details
    assert "story:" not in details.split("stories:", 1)[-1], details


def test_intent_macro_f1_on_held_out_data(evaluation: Evaluation) -> None:
    report = json.loads((evaluation.out_dir / "nlu_report.json").read_text(encoding="utf-8"))
    assert report["macro_f1"] >= MIN_INTENT_MACRO_F1, evaluation.finished.stdout[-3000:]
    assert report["intents"]["emergency"]["recall"] == 1.0, evaluation.finished.stdout[-3000:]
