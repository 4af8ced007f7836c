"""The development conversations of ../shared/eval/dev_cases.yaml, through the running assistant.

The cases are run by the shared evaluation script itself (converse.py, Rasa's REST channel), as
the assistant is judged.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.stack import RunningAssistant, shared_dir

FOUNDATION_CASES = ["greet", "thanks", "human", "emergency", "out-of-scope", "html-injection"]
KNOWLEDGE_CASES = [
    "accept-deadline", "handling-deadline", "review", "re-review", "group-visit", "channels",
    "court-matter", "suggestion", "hotline", "regulation", "door-to-door", "traditional",
]
SUBMISSION_CASES = ["file-suggestion"]


def run_converse(assistant: RunningAssistant, case_ids: list[str]) -> subprocess.CompletedProcess[str]:
    shared = shared_dir()
    return subprocess.run(
        [sys.executable, str(shared / "eval" / "converse.py"), str(shared / "eval" / "dev_cases.yaml"),
         "--url", assistant.rasa_url, "--only", ",".join(case_ids)],
        capture_output=True, text=True, timeout=600,
    )


@pytest.mark.server
@pytest.mark.parametrize("case_ids", [FOUNDATION_CASES, KNOWLEDGE_CASES, SUBMISSION_CASES],
                         ids=["foundation", "knowledge", "submission"])
def test_dev_cases_pass(assistant: RunningAssistant, case_ids: list[str]) -> None:
    finished = run_converse(assistant, case_ids)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert f"{len(case_ids)} passed, 0 failed" in finished.stdout
