"""The grouping on a synthetic set of 560 submissions in 14 known recurring problems
(tests/insights/synthetic.py), with the real embedding model; ``python -m benchmarks.grouping`` prints
the same scores around the threshold."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from core.settings import load_settings
from insights.analysis import build_groups
from insights.cases import Case
from insights.grouping import group_vectors
from insights.metrics import score_grouping
from insights.vectors import VectorCache
from submissions.workflow import Status
from tests.insights.synthetic import PER_TOPIC, TOPICS, generate

# Floors well under what the threshold reaches (purity 0.98, inverse purity 0.96, adjusted Rand
# 0.95): one topic split in two or two topics merged already fails them.
MIN_PURITY = 0.9
MIN_INVERSE_PURITY = 0.9
MIN_ADJUSTED_RAND = 0.85


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory):
    from index.encoder import get_encoder

    cases = generate()
    as_cases = [Case(f"N{index}", c.kind, Status.SUBMITTED, c.district, c.created_at, c.title, c.content)
                for index, c in enumerate(cases)]
    cache_dir = tmp_path_factory.mktemp("vectors")
    cache = VectorCache(cache_dir, get_encoder(load_settings().embedding_model))
    vectors = cache.vectors([case.text for case in as_cases])
    return cases, as_cases, vectors, cache_dir


def test_the_synthetic_set_is_large_varied_and_fixed():
    cases = generate()
    assert len(cases) == len(TOPICS) * PER_TOPIC >= 500
    assert len({case.district for case in cases}) == 16
    assert len({(case.created_at.year, case.created_at.month) for case in cases}) >= 6
    assert len({case.content for case in cases}) > 0.9 * len(cases)  # varied wording, few exact repeats
    assert [case.content for case in generate()] == [case.content for case in cases]  # deterministic


def test_grouping_recovers_the_known_problems(synthetic):
    cases, _, vectors, _ = synthetic
    known = np.array([case.topic for case in cases])
    scores = score_grouping(group_vectors(vectors), known)
    print(f"\ngrouping of {len(cases)} synthetic submissions: {scores}")
    assert scores.purity >= MIN_PURITY
    assert scores.inverse_purity >= MIN_INVERSE_PURITY
    assert scores.adjusted_rand >= MIN_ADJUSTED_RAND


def test_groups_are_labelled_by_their_topic_words(synthetic):
    cases, as_cases, vectors, _ = synthetic
    topic_of = {case_.tracking_number: case.topic for case, case_ in zip(cases, as_cases)}
    expected = {"餐馆油烟": "油烟", "拖欠工资": "工资", "加装电梯": "电梯", "医保报销": "医保", "共享单车乱停": "单车"}
    seen = set()
    for group in build_groups(as_cases, vectors):
        topic = TOPICS[Counter(topic_of[member.tracking_number] for member in group.members).most_common(1)[0][0]].name
        assert 2 <= len(group.examples) <= 3 and len({e.headline for e in group.examples}) == len(group.examples)
        if topic in expected and len(group.members) >= PER_TOPIC // 2:
            assert expected[topic] in group.keywords, (topic, group.keywords)
            seen.add(topic)
    assert seen == set(expected)


def test_vectors_are_cached_by_content(synthetic):
    from index.encoder import get_encoder

    _, as_cases, vectors, cache_dir = synthetic
    again = VectorCache(cache_dir, get_encoder(load_settings().embedding_model))
    assert np.allclose(again.vectors([case.text for case in as_cases[:50]]), vectors[:50])
    assert again.encoded == 0
    again.vectors([as_cases[0].text + "（补充）"])
    assert again.encoded == 1


def test_scores_of_obvious_groupings():
    known = np.array([0, 0, 1, 1, 2, 2])
    assert score_grouping(known, known).adjusted_rand == pytest.approx(1.0)
    alone = score_grouping(np.arange(6), known)
    assert alone.purity == 1.0 and alone.inverse_purity == pytest.approx(0.5) and alone.adjusted_rand <= 0.0
    lumped = score_grouping(np.zeros(6), known)
    assert lumped.inverse_purity == 1.0 and lumped.purity == pytest.approx(1 / 3)
