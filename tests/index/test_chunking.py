"""Parsing and chunking: headings, citations, sentence boundaries, long sections, Traditional input."""
from __future__ import annotations

import pytest

from index.chunking import MAX_CHUNK_CHARS, MAX_SENTENCE_CHARS, chunk_document, parse_heading_citation
from index.documents import parse_document

FRONT = """---
title: 测试文档
source: 信访工作条例
issuer: 中共中央、国务院
date: 2022-05-01
questions:
  - 这是一个问题吗？
---
"""


def chunks_of(body: str, doc_id: str = "t-doc"):
    document = parse_document(doc_id, (FRONT + body).encode("utf-8"))
    assert document is not None
    return chunk_document(document)


def test_sections_become_chunks_with_heading_paths_and_citations():
    chunks = chunks_of(
        "开头的一段话。\n\n"
        "## 申请复查（第三十五条）\n\n对处理意见不服的，可以申请复查。\n\n"
        "## 申请复核（第三十六条）\n\n对复查意见不服的，可以请求复核。\n\n"
        "### 复核以后\n\n同一事实和理由不再受理。\n\n"
        "## 上海的规定（《上海市信访条例》第三十八条、第三十九条）\n\n上海另有规定。\n\n"
        "## 写信的办法（试行）\n\n写清楚姓名和地址。\n"
    )
    assert [(c.section, c.citation) for c in chunks] == [
        ("", ""),
        ("申请复查", "《信访工作条例》第三十五条"),
        ("申请复核", "《信访工作条例》第三十六条"),
        ("申请复核 / 复核以后", "《信访工作条例》第三十六条"),  # inherited from the parent heading
        ("上海的规定", "《上海市信访条例》第三十八条、第三十九条"),
        ("写信的办法（试行）", ""),  # parentheses that are not an article stay in the heading
    ]
    assert [c.chunk_id for c in chunks] == [f"t-doc#{i}" for i in range(6)]
    # The older single-source front matter: one source, its date of unknown kind.
    assert all(c.source == "信访工作条例" and c.issuer == "中共中央、国务院" and c.date == "2022年5月1日" for c in chunks)
    assert chunks[1].text == "对处理意见不服的，可以申请复查。"


SOURCES_FRONT = """---
title: 复查
sources:
  - name: 信访工作条例
    issuer: 中共中央、国务院
    articles: 第三十五条
    published: 2022-02-25
    effective: 2022-05-01
    url: https://example.gov.cn/xfgzl
  - name: 《上海市信访条例》
    issuer: 上海市人民代表大会常务委员会
    amended: 2018-12-20
---
"""


def test_sources_list_each_section_carries_the_source_its_citation_names():
    document = parse_document("t-sources", (SOURCES_FRONT + "## 复查（第三十五条）\n\n可以申请复查。\n\n"
                                            "## 上海（《上海市信访条例》第三十八条）\n\n上海另有规定。\n\n"
                                            "## 说明\n\n没有条款。\n").encode("utf-8"))
    assert document is not None and [s.name for s in document.sources] == ["信访工作条例", "上海市信访条例"]
    national, shanghai, note = chunk_document(document)
    assert (national.source, national.date, national.url) == ("信访工作条例", "2022年5月1日起施行", "https://example.gov.cn/xfgzl")
    assert (shanghai.source, shanghai.issuer, shanghai.date, shanghai.url) == (
        "上海市信访条例", "上海市人民代表大会常务委员会", "2018年12月20日修正", "")
    assert (note.citation, note.source) == ("", "信访工作条例")  # no citation: the document's own source


@pytest.mark.parametrize(
    "front, reason",
    [
        ("---\ntitle: t\nsources: []\n---\n\n正文。\n", "non-empty list"),
        ("---\ntitle: t\nsources:\n  - issuer: 某机关\n---\n\n正文。\n", "lacks name"),
        ("---\ntitle: t\nsources:\n  - name: 某文件\n    page: 3\n---\n\n正文。\n", "unknown fields"),
        ("---\ntitle: t\nsource: 某文件\nsources:\n  - name: 某文件\n---\n\n正文。\n", "not both"),
    ],
)
def test_malformed_sources_are_refused(front, reason):
    with pytest.raises(ValueError, match=reason):
        parse_document("t-bad", front.encode("utf-8"))


@pytest.mark.parametrize(
    "heading, expected",
    [
        ("申请复查（第三十五条）", ("申请复查", "《信访工作条例》第三十五条")),
        ("复核以后（《信访工作条例》第三十六条第三款）", ("复核以后", "《信访工作条例》第三十六条第三款")),
        ("半角括号(第十条)", ("半角括号", "《信访工作条例》第十条")),
        ("没有条文", ("没有条文", "")),
        ("办法（试行）", ("办法（试行）", "")),
    ],
)
def test_heading_citation(heading, expected):
    assert parse_heading_citation(heading, "信访工作条例") == expected


def test_sentences_end_at_chinese_sentence_marks_with_quotes_attached():
    (chunk,) = chunks_of("## 一节\n\n他说：“可以申请。”然后离开了！要等多久？最后一句没有句号\n")
    assert chunk.sentences == ("他说：“可以申请。”", "然后离开了！", "要等多久？", "最后一句没有句号")


def test_long_section_is_split_between_sentences_into_similar_pieces():
    sentences = [f"这是第{i}句话，用来把一个小节写得很长很长。" for i in range(40)]
    chunks = chunks_of("## 很长的一节（第九条）\n\n" + "".join(sentences) + "\n\n## 下一节\n\n短的。\n")
    long_chunks = [c for c in chunks if c.section == "很长的一节"]
    assert len(long_chunks) >= 3
    assert all(len(c.text) <= MAX_CHUNK_CHARS for c in long_chunks)
    assert [s for c in long_chunks for s in c.sentences] == sentences  # nothing lost, order kept
    assert {c.citation for c in long_chunks} == {"《信访工作条例》第九条"}
    sizes = [len(c.text) for c in long_chunks]
    assert max(sizes) - min(sizes) < MAX_CHUNK_CHARS / 2
    assert chunks[-1].section == "下一节"


def test_over_long_sentence_is_cut_after_clause_marks():
    sentence = "，".join(["这一句的分句写得相当长"] * 30) + "。"
    pieces = [s for c in chunks_of("## 一节\n\n" + sentence + "\n") for s in c.sentences]
    assert len(pieces) > 1
    assert all(len(p) <= MAX_SENTENCE_CHARS for p in pieces)
    assert all(p.endswith(("，", "。")) for p in pieces)
    assert "".join(pieces) == sentence


def test_markdown_lists_and_emphasis_are_cleaned():
    (chunk,) = chunks_of("## 材料\n\n- **身份证**复印件\n- 相关[证明](https://example.org)材料\n")
    assert chunk.sentences == ("身份证复印件", "相关证明材料")
    assert chunk.text == "身份证复印件；相关证明材料"


def test_traditional_and_fullwidth_input_is_normalised():
    document = parse_document(
        "t-trad",
        (
            "---\ntitle: 複查的期限\nsource: 信訪工作條例\n---\n\n"
            "## 申請複查（第三十五條）\n\n信訪人對處理意見不服的，可以在３０日內申請複查。\n"
        ).encode("utf-8"),
    )
    (chunk,) = chunk_document(document)
    assert chunk.title == "复查的期限"
    assert chunk.section == "申请复查"
    assert chunk.citation == "《信访工作条例》第三十五条"
    assert chunk.text == "信访人对处理意见不服的，可以在30日内申请复查。"


@pytest.mark.parametrize(
    "doc_id, raw, message",
    [
        ("no-front", "## 只有正文\n\n内容。\n", "front matter"),
        ("bad-yaml", "---\ntitle: [未闭合\n---\n\n正文。\n", "YAML"),
        ("no-title", "---\nsource: 某文件\n---\n\n正文。\n", "title"),
        ("no-body", "---\ntitle: 标题\nsource: 某文件\n---\n\n", "body"),
        ("Bad_Id", "---\ntitle: 标题\nsource: 某文件\n---\n\n正文。\n", "file name"),
    ],
)
def test_malformed_documents_are_rejected_with_a_reason(doc_id, raw, message):
    with pytest.raises(ValueError, match=message):
        parse_document(doc_id, raw.encode("utf-8"))


def test_retired_document_parses_to_none():
    assert parse_document("old", b"---\ntitle: t\nsource: s\nstatus: retired\n---\n\nx.\n") is None
