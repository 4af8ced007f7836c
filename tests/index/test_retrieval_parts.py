"""The parts of retrieval that need no model: query focus, synonyms, coverage, fusion weights, the
confidence model and the evaluation set's format."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.confidence import FEATURES, ConfidenceModel
from index.evaluate import PassageRef, load_eval_set
from index.fusion import (
    MODES,
    NEAR_DUPLICATE_BONUS,
    SIGNALS,
    WEIGHTS,
    Weights,
    fuse,
    with_near_duplicates_first,
)
from index.keywords import KeywordIndex, canonical_text, load_synonyms, tokenize
from index.query import in_mandarin, question_focus


def test_a_short_question_is_its_own_focus() -> None:
    assert question_focus("复查要在几天内申请？") is None
    assert question_focus("我家楼下饭店油烟很大找了物业也没用现在该怎么办") is None  # one sentence


def test_a_story_is_searched_by_the_sentence_that_asks() -> None:
    story = "我家楼下的饭店每天营业到凌晨，油烟很大。找了物业也没用。请问信访事项多久能办完？"
    assert question_focus(story) == "请问信访事项多久能办完？"
    # a bare "怎么办" says too little: the sentence before it comes along
    story = "我去年搬到了浦东。区里给我出了处理意见，说不支持我的请求。我该怎么办？"
    assert question_focus(story) == "区里给我出了处理意见，说不支持我的请求。我该怎么办？"
    # and when that makes the whole message, the message is its own focus
    assert question_focus("区里给我出了处理意见，说不支持我的请求，我觉得没调查清楚。我该怎么办？") is None


@pytest.mark.parametrize(("typed", "searched"), [
    ("petition 受理之后要多久 finish？", "信访 受理之后要多久 办完？"),
    ("上海的 citizen hotline number 是多少", "上海的 市民 热线 号码 是多少"),
    ("复核期限'; DELETE FROM submissions WHERE x", "复核期限"),  # code marks: the other Latin words go
    ("随申办APP怎么提建议", "随申办APP怎么提建议"),
    ("拍完CT多久复查一次", "拍完CT多久复查一次"),  # an acronym alone tells another subject apart: kept
])
def test_english_words_are_searched_in_the_documents_words(typed: str, searched: str) -> None:
    assert in_mandarin(typed) == searched


def test_shanghainese_is_searched_in_mandarin_words() -> None:
    assert in_mandarin("区里讲我的事体已经受理了，啥辰光能办好？有规定伐？") == "区里讲我的事情已经受理了，什么时候能办好？有规定吗？"
    assert in_mandarin("处理结果伊拉寄过来了，我勿满意，哪能办？") == "处理结果他们寄过来了，我不满意，怎么办？"
    assert in_mandarin("阿拉一幢楼想一道去反映") == "我们一幢楼想一起去反映"
    # Mandarin words that contain the same characters stay as they are
    for mandarin in ("阿拉伯国家", "伊拉克", "采伐林木要审批吗", "请勿拦车", "一道数学题"):
        assert in_mandarin(mandarin) == mandarin


def test_citizens_words_become_the_documents_words_longest_first() -> None:
    assert canonical_text("对处理结果不满意怎么办") == "对处理意见不服怎么办"
    assert canonical_text("我有个好点子") == "我有个人民建议"  # 好点子 before 点子
    assert canonical_text("信仿要花钱吗") == "信访要收费吗"
    assert canonical_text("复查要多久") == "复查要多久"  # document words stay


def test_every_synonym_group_names_a_document_word_and_variants(tmp_path: Path) -> None:
    pairs = load_synonyms()
    assert pairs and all(variant != word for variant, word in pairs)
    assert [len(v) for v, _ in pairs] == sorted((len(v) for v, _ in pairs), reverse=True)
    file = tmp_path / "synonyms.txt"
    file.write_text("# comment\n不服 不满意 # trailing comment\n\n", encoding="utf-8")
    assert load_synonyms(file) == [("不满意", "不服")]


def test_known_share_is_the_weight_of_terms_the_collection_has() -> None:
    index = KeywordIndex.build([tokenize("信访事项的复查期限"), tokenize("人民建议的征集渠道")])
    assert index.known_share(tokenize("复查期限")) == pytest.approx(1.0)
    assert index.known_share(tokenize("护照签证")) == 0.0
    assert 0.0 < index.known_share(tokenize("复查护照")) < 1.0
    assert index.known_share([]) == 0.0


@pytest.mark.parametrize("mode", MODES)
def test_each_mode_uses_its_signals_with_weights_summing_to_one(mode: str) -> None:
    weights = WEIGHTS.for_mode(mode)
    assert sum(weights.values()) == pytest.approx(1.0)
    if mode == "dense":
        assert all(name.startswith("dense") for name in weights)
    elif mode == "keyword":
        assert all(name.startswith("keyword") for name in weights)
    else:
        assert set(weights) == set(SIGNALS)
    with pytest.raises(ValueError):
        Weights().for_mode("other")


def test_the_shipped_confidence_model_rises_with_every_signal(tmp_path: Path) -> None:
    model = ConfidenceModel.load()
    assert set(model.coefficients) <= set(FEATURES)
    low = dict.fromkeys(FEATURES, 0.1)
    assert 0.0 < model.probability(low) < 0.5
    for name in FEATURES:  # more evidence never makes the searcher less sure
        assert model.probability({**low, name: 0.9}) >= model.probability(low), name
    assert model.probability(dict.fromkeys(FEATURES, 0.9)) > 0.9
    copy = tmp_path / "confidence.json"
    model.save(copy)
    assert ConfidenceModel.load(copy) == model


def test_eval_set_reads_passages_reviewed_alternatives_and_facts(tmp_path: Path) -> None:
    file = tmp_path / "eval.yaml"
    file.write_text(
        "questions:\n"
        "  - q: 复查找谁\n    passages: [xfgzl-review#向谁申请复查]\n    also: [guide-timeline]\n"
        "    fact: [[上一级], [复查]]\n    kind: short\n    split: dev\n"
        "  - q: 只有文档\n    docs: [rmjy-what-is]\n"
        "off_topic:\n  - {q: 今天天气, kind: far}\n  - 明天呢\n", encoding="utf-8")
    reviewed, strict = load_eval_set(file), load_eval_set(file, strict=True)
    first = reviewed.answerable[0]
    assert first.docs == {"xfgzl-review", "guide-timeline"} and strict.answerable[0].docs == {"xfgzl-review"}
    assert first.facts == (("上一级",), ("复查",)) and (first.kind, first.split) == ("short", "dev")
    assert reviewed.answerable[1].passages == (PassageRef("rmjy-what-is"),)
    assert reviewed.off_topic == ["今天天气", "明天呢"] and reviewed.off_topic_kinds == ["far", ""]
    assert [q.question for q in reviewed.only("dev").answerable] == ["复查找谁"]


def test_a_passage_reference_matches_by_document_and_heading_fragment() -> None:
    class Hit:  # the two fields a reference reads
        def __init__(self, doc_id: str, section: str) -> None:
            self.doc_id, self.section = doc_id, section

    assert PassageRef.parse("xfgzl-review#向谁").matches(Hit("xfgzl-review", "向谁申请复查"))
    assert not PassageRef.parse("xfgzl-review#向谁").matches(Hit("xfgzl-review", "复查的期限"))
    assert PassageRef.parse("xfgzl-review").matches(Hit("xfgzl-review", "复查的期限"))
    assert not PassageRef.parse("xfgzl-review").matches(Hit("guide-timeline", "复查"))
    assert np.isclose(sum(WEIGHTS.for_mode("hybrid").values()), 1.0)


def test_a_question_for_a_number_wants_a_text_that_states_one() -> None:
    from index.query import asks_for_number, states_number

    assert asks_for_number("信访件转到单位以后多久决定是否受理？") and asks_for_number("12345热线电话是多少")
    assert not asks_for_number("复查向谁申请")
    assert states_number("应当自收到之日起15日内书面告知") and states_number("代表不超过五人")
    assert not states_number("涉及两个以上机关、单位的事项，由相关单位协商受理")  # 两个 is not an answer


def test_a_nearly_identical_typical_question_lifts_its_document_above_one_sharing_more_words() -> None:
    # passage 0: another document, more shared words; passage 1: its document lists the very question
    signals = {name: np.asarray([0.6, 0.5], dtype=np.float32) for name in SIGNALS}
    signals["dense_question"] = np.asarray([0.81, 0.98], dtype=np.float32)
    plain = fuse(signals, np.zeros(2, dtype=np.float32), "hybrid")
    assert plain.fused[0] > plain.fused[1]
    lifted = with_near_duplicates_first(plain)
    assert lifted.fused[1] > lifted.fused[0]
    assert lifted.fused[1] - plain.fused[1] == pytest.approx(NEAR_DUPLICATE_BONUS)
    assert lifted.peak_fused[1] == pytest.approx(lifted.fused[1])


def test_without_a_near_duplicate_or_in_keyword_mode_nothing_changes() -> None:
    signals = {name: np.asarray([0.6, 0.5], dtype=np.float32) for name in SIGNALS}
    plain = fuse(signals, np.zeros(2, dtype=np.float32), "hybrid")
    assert with_near_duplicates_first(plain) is plain
    signals["dense_question"] = np.asarray([0.6, 0.99], dtype=np.float32)
    keyword_only = fuse(signals, np.zeros(2, dtype=np.float32), "keyword")
    assert with_near_duplicates_first(keyword_only) is keyword_only
