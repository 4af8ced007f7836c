"""The in-domain model: fitted at every build, reported with each search, optional for old versions."""
from __future__ import annotations

import numpy as np
import pytest

from core.settings import Settings
from index import Searcher, build_index, store
from index.answer import answer_question
from index.domain import DomainModel, fit_domain


def test_the_model_round_trips_and_needs_both_kinds_of_question(tmp_path) -> None:
    model = DomainModel(np.arange(4, dtype=np.float32) / 10, -0.2)
    model.save(tmp_path / "domain.npz")
    loaded = DomainModel.load(tmp_path / "domain.npz")
    vector = np.ones(4, dtype=np.float32)
    assert loaded is not None and loaded.probability(vector) == pytest.approx(model.probability(vector))
    assert DomainModel.load(tmp_path / "missing.npz") is None
    assert fit_domain(np.ones((3, 4)), np.zeros((0, 4))) is None


def test_a_build_fits_it_and_every_search_says_how_likely_the_message_is_in_domain(built: Settings) -> None:
    searcher = Searcher(built)
    petition = searcher.search("我对信访处理意见不服，还能找谁？")
    restaurant = searcher.search("推荐一家好吃的餐厅")
    assert petition.in_domain is not None and restaurant.in_domain is not None
    assert petition.in_domain > 0.5 > restaurant.in_domain
    assert answer_question(searcher, "推荐一家好吃的餐厅").suggested_questions == []
    assert searcher.search("推荐一家好吃的餐厅", mode="keyword").in_domain is None  # no query vector there


def test_a_version_built_before_the_model_existed_still_answers(built: Settings) -> None:
    current = store.version_path(built.index_dir, store.current_version(built.index_dir))
    (current / store.DOMAIN).unlink()
    searcher = Searcher(built)
    result = searcher.search("对复查意见还是不满意可以怎么办？")
    assert result.in_domain is None
    assert answer_question(searcher, "对复查意见还是不满意可以怎么办？").confident


def test_without_off_topic_training_questions_the_build_fits_no_model_and_still_publishes(
        kb: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    import index.domain

    monkeypatch.setattr(index.domain, "OFF_TOPIC_TRAIN", tmp_path / "absent.txt")
    report = build_index(kb)
    assert report.published
    version = store.version_path(kb.index_dir, store.current_version(kb.index_dir))
    assert not (version / store.DOMAIN).exists()
    assert Searcher(kb).search("对复查意见还是不满意可以怎么办？").in_domain is None
