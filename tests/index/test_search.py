"""Searching: the confidence decision, answer extraction, citations and related questions."""
from __future__ import annotations

import pytest

from core.settings import Settings
from index import Searcher, extract_answer, format_citation
from index.answer import extract_sentences
from index.searcher import Hit


@pytest.fixture
def searcher(built: Settings) -> Searcher:
    return Searcher(built)


@pytest.mark.parametrize("question", ["今天天气怎么样", "个人所得税怎么申报", "推荐一家好吃的火锅店", "怎么办护照"])
def test_off_topic_questions_fall_below_the_threshold(searcher: Searcher, question: str):
    result = searcher.search(question)
    assert not result.confident
    assert result.best is None
    assert result.confidence < result.threshold


@pytest.mark.parametrize(
    "question, doc_id",
    [
        ("建议被采纳了有没有奖励", "fx-suggestion"),
        ("複查要在多長時間內申請", "fx-review"),  # Traditional characters
        ("走访的代表最多几个人", "fx-channels"),
    ],
)
def test_on_topic_questions_are_answered_confidently(searcher: Searcher, question: str, doc_id: str):
    result = searcher.search(question)
    assert result.confident, result.confidence
    assert result.best is not None and result.best.doc_id == doc_id
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= hit.dense <= 1.0 and 0.0 <= hit.keyword <= 1.0 for hit in result.hits)


def test_shanghainese_is_searched_in_mandarin_and_the_citizens_words_are_kept(searcher: Searcher):
    typed = "复查要啥辰光申请伐？"
    result, mandarin = searcher.search(typed), searcher.search("复查要什么时候申请吗？")
    assert result.query == typed  # what the staff queue and the logs keep
    assert result.confidence == pytest.approx(mandarin.confidence)
    assert [h.chunk_id for h in result.hits] == [h.chunk_id for h in mandarin.hits]


def test_empty_query_is_not_confident(searcher: Searcher):
    result = searcher.search("   ")
    assert result.hits == [] and not result.confident


def test_searcher_without_an_index_answers_not_sure(kb: Settings):
    result = Searcher(kb).search("复查要多久")
    assert result.version is None and result.hits == [] and not result.confident


def test_answer_is_the_answering_sentences_of_the_passage(searcher: Searcher, built: Settings):
    question = "多人走访最多可以去几个代表"
    hit = searcher.search(question).hits[0]
    assert hit.chunk_id == "fx-channels#2"
    answer = extract_answer(question, hit, cfg=built)
    # a short section is one answer, kept whole, led by the sentence that answers (the number)
    assert answer.startswith("多人就共同的信访事项走访的，应当推选代表，代表人数不超过5人。")
    assert sorted(hit.sentences) == sorted(s for s in hit.sentences if s in answer) and len(answer) == len(hit.text)
    # a section longer than the answer may be is cut to its answering sentences
    short = extract_answer(question, hit, max_chars=45, cfg=built)
    assert "代表人数不超过5人" in short and short != hit.text and len(short) <= 45
    kept = [s for s in hit.sentences if s in short]
    assert kept and "".join(kept) == short


def test_long_answer_is_capped(searcher: Searcher, built: Settings):
    hit = searcher.search("复核的期限").hits[0]
    assert len(extract_answer("复核的期限", hit, max_chars=30, cfg=built)) <= 30


def test_citation_names_the_article_when_the_heading_has_one(searcher: Searcher):
    hit = searcher.search("复查要在多长时间内申请").hits[0]
    assert hit.chunk_id == "fx-review#0"
    assert format_citation(hit) == "来源：《信访工作条例》第三十五条"


def test_citation_names_the_document_when_the_section_has_no_article(searcher: Searcher):
    letter = next(h for h in searcher.search("来信要写明哪些内容", k=10).hits if h.chunk_id == "fx-channels#3")
    assert format_citation(letter) == "来源：《信访工作条例》（中共中央、国务院，2022年5月1日）"
    about = next(h for h in searcher.search("什么是人民建议", k=10).hits if h.chunk_id == "fx-suggestion#0")
    assert format_citation(about) == (
        "来源：《上海市人民建议征集若干规定》（上海市人民代表大会常务委员会，2020年12月30日） https://example.sh.gov.cn/rmjyzj"
    )


def test_related_questions_come_from_other_documents(searcher: Searcher):
    hit = searcher.search("复查要在多长时间内申请").hits[0]
    related = searcher.related_questions(hit, k=3)
    review_questions = {"对信访处理意见不服怎么办？", "复查要在多长时间内申请？", "对复查意见还是不满意可以怎么办？"}
    assert 1 <= len(related) <= 2  # the fixtures have only two other documents: one question each
    assert not set(related) & review_questions
    own = searcher.related_questions(hit, k=3, include_own=True)
    assert own[0] in review_questions


def test_sentence_vectors_are_remembered_and_equal_to_fresh_ones(searcher: Searcher, encoder):
    """Answers score the passages' sentences; each goes through the model once per process."""
    import numpy as np

    sentences = ["信访事项应当自受理之日起60日内办结。", "复查意见应当自收到复查请求之日起30日内提出。",
                 "信访事项应当自受理之日起60日内办结。"]
    fresh = encoder.encode(sentences)
    before = encoder.texts_encoded
    remembered = encoder.encode_sentences(sentences)
    encoded_first = encoder.texts_encoded - before
    assert encoded_first <= 2  # the repeated sentence is encoded once (none if an earlier test warmed it)
    assert np.allclose(remembered, fresh, atol=1e-5)
    before = encoder.texts_encoded
    assert np.allclose(encoder.encode_sentences(sentences[:2]), fresh[:2], atol=1e-5)
    assert encoder.texts_encoded == before

    newly_encoded = searcher.warm_answer_cache()
    assert searcher.warm_answer_cache() == 0  # everything of this version is known now
    assert newly_encoded >= 0
    best = searcher.search("信访事项多久办结").hits[0]
    before = encoder.texts_encoded
    extract_answer("信访事项多久办结", best)
    assert encoder.texts_encoded == before  # no sentence went through the model (nor the query: cached)


def _passage(number: int, section: str, citation: str, *sentences: str) -> Hit:
    return Hit(chunk_id=f"fx-deadline#{number}", doc_id="fx-deadline", title="办理期限", section=section,
               citation=citation, sentences=sentences, source="信访工作条例", issuer="", date="", url="",
               region="全国", score=0.3, dense=0.3, keyword=0.3, bm25=5.0, version="v")


def test_a_sentence_restating_one_already_in_the_answer_is_left_out(built: Settings):
    national = _passage(0, "受理后60日内办结", "《信访工作条例》第三十四条",
                        "信访事项自受理之日起60日内办结。",
                        "情况复杂的，经本机关、单位负责人批准，可以适当延长，但最多延长30日，并要告诉信访人延期的理由。")
    shanghai = _passage(1, "上海的规定", "《上海市信访条例》第三十七条",
                        "情况复杂的，经本行政机关负责人批准可以延长，最多三十日，并告知信访人理由。",
                        "在上海，延长办理期限要经本行政机关负责人批准。")
    for best, kept, restated in ((national, "最多延长30日", "最多三十日"), (shanghai, "最多三十日", "最多延长30日")):
        text, _ = extract_sentences("情况复杂的可以延长多久？", [national, shanghai], best, cfg=built)
        assert kept in text and restated not in text, text  # the other passage says the same again
        assert text.count("情况复杂的") == 1
