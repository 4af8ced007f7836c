"""Quality gates on the real knowledge base (measurements live in `python -m index eval|answers`)."""
from __future__ import annotations

import pytest

from core.settings import PROJECT_ROOT, load_settings
from index import Searcher, build_index
from index.answer_check import load_cases, report, run
from index.evaluate import ModeRecords, collect, load_eval_set, metrics

MIN_ANSWER_SHARE = 0.85
CITIZEN_EVAL = PROJECT_ROOT / "tests" / "data" / "citizen_eval.yaml"
# Regression floors on the held-back test split of the citizen set (measured figures are in README,
# "Measured"; the aims of issue 11 are higher): a change that loses ground fails here.
FLOORS = {"hit_at_1": 0.83, "fact": 0.65, "off_topic_abstention": 0.93}
# ... and ceilings: answering confidently from a document that does not answer is the worst failure.
CEILINGS = {"confident_wrong": 0.08}


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


def test_citizen_eval_set_names_passages_that_exist_and_facts_they_state(real_searcher: Searcher) -> None:
    """If a heading or a sentence of a document changes, the evaluation set must change with it."""
    chunks = real_searcher.chunks
    problems = []
    for item in load_eval_set(CITIZEN_EVAL).answerable:
        texts = []
        for ref in item.passages:
            matching = [c for c in chunks if ref.matches(c)]
            if not matching:
                problems.append(f"{item.question}: no passage {ref}")
            texts += [c.text for c in matching]
        joined = "\n".join(texts)
        problems += [f"{item.question}: no passage states {group}" for group in item.facts
                     if not any(word in joined for word in group)]
    assert not problems, "\n".join(problems[:20])


@pytest.fixture(scope="module")
def citizen_test_records(real_searcher: Searcher) -> ModeRecords:
    return collect(real_searcher, load_eval_set(CITIZEN_EVAL).only("test"), "hybrid")


def test_citizen_questions_keep_their_measured_quality(real_searcher: Searcher, citizen_test_records: ModeRecords) -> None:
    measured = metrics(citizen_test_records, real_searcher.threshold)
    shortfalls = {name: getattr(measured, name) for name, floor in FLOORS.items() if getattr(measured, name) < floor}
    shortfalls |= {name: getattr(measured, name) for name, cap in CEILINGS.items() if getattr(measured, name) > cap}
    assert not shortfalls, (shortfalls, measured)


def test_not_sure_replies_offer_citizens_their_topic_and_other_subjects_nothing(citizen_test_records: ModeRecords) -> None:
    """Likely-topic buttons follow the in-domain model, not the answer confidence: on the test
    split, 31 of 62 unsure answerable questions get a button to an answering document (24 when the
    confidence decided), and 0 of 54 unsure off-topic questions get buttons (7 before)."""
    unsure = [offered for offered in citizen_test_records.unsure_offers_right if offered is not None]
    off_topic = [offered for offered in citizen_test_records.off_topic_offered if offered is not None]
    assert sum(unsure) >= 0.45 * len(unsure), (sum(unsure), len(unsure))
    assert sum(off_topic) <= 0.05 * len(off_topic), (sum(off_topic), len(off_topic))


def test_buttons_offer_short_questions(real_searcher: Searcher) -> None:
    """Typical questions told with a story make poor quick-reply buttons: a short one of the same
    document goes first whenever there is one close enough (about 7% of buttons were long before)."""
    from index.searcher import MAX_BUTTON_CHARS

    buttons = []
    for item in load_eval_set(CITIZEN_EVAL).answerable[:100]:
        for hit in real_searcher.search(item.question).hits[:3]:
            buttons += real_searcher.related_questions(hit, k=3) + real_searcher.related_questions(hit, k=1, include_own=True)
    long_buttons = [b for b in buttons if len(b) > MAX_BUTTON_CHARS]
    assert len(long_buttons) <= 0.03 * len(buttons), long_buttons[:10]


def test_a_typical_question_leads_to_its_own_document(real_searcher: Searcher) -> None:
    """Staff correct a wrong answer by listing the citizen's question under the right document
    (docs/knowledge-format.md), so a listed question must be answered from there. Two questions are
    listed, nearly word for word, under two documents that both answer them: either may come first."""
    listed = real_searcher.question_documents()
    elsewhere = []
    for question, doc_id in listed.items():
        result = real_searcher.search(question)
        if not (result.confident and result.hits[0].doc_id == doc_id):
            elsewhere.append(f"{question} ({doc_id}) -> {result.hits[0].doc_id if result.hits else None}")
    assert len(elsewhere) <= len(listed) // 100, "\n".join(elsewhere)
