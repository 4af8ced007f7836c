"""Quality gates on the real knowledge base (measurements live in `python -m index eval|answers`)."""
from __future__ import annotations

import pytest

from core.settings import PROJECT_ROOT, load_settings
from index import Searcher, build_index
from index.answer_check import load_cases, report, run
from index.evaluate import load_eval_set


MIN_ANSWER_SHARE = 0.85


@pytest.fixture(scope="module")
def real_searcher() -> Searcher:
    cfg = load_settings()
    build_index(cfg)  # incremental: a no-op when the shared index is current
    return Searcher(cfg)


def test_answers_contain_what_they_must(real_searcher: Searcher) -> None:
    outcomes = run(real_searcher, load_cases())
    share = sum(o.passed for o in outcomes) / len(outcomes)
    assert share >= MIN_ANSWER_SHARE, report(outcomes)


def test_off_topic_questions_are_never_answered(real_searcher: Searcher) -> None:
    eval_set = load_eval_set(PROJECT_ROOT / "tests" / "data" / "retrieval_eval.yaml")
    answered = [q for q in eval_set.off_topic if real_searcher.search(q).confident]
    assert len(answered) <= len(eval_set.off_topic) // 10, answered
