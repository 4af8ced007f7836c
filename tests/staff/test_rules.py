"""The pure rules of the staff side: ids, document checks, status marking, token matching."""
from __future__ import annotations

import pytest

from core.settings import PROJECT_ROOT
from web.staff.auth import bearer_token, staff_name
from web.staff.validation import (
    InvalidDocument,
    InvalidDocumentId,
    check_doc_id,
    document_status,
    validate_document,
    with_status,
)

REPOSITORY_DOCUMENTS = sorted((PROJECT_ROOT / "knowledge").glob("*.md"))


@pytest.mark.parametrize("path", REPOSITORY_DOCUMENTS, ids=lambda p: p.stem)
def test_every_repository_document_passes_the_publishing_checks(path):
    """Staff can open and save any shipped document without being asked to fix it first."""
    validate_document(path.stem, path.read_text(encoding="utf-8"))


def test_ids():
    for good in ("abc", "sh-12345-hotline", "a" * 64, "2024-notice"):
        assert check_doc_id(good) == good
    for bad in ("ab", "a" * 65, "ABC", "a.b", "a/b", "..", "-ab", "ab_c", "abc\n", " abc", "信访", "", None):
        with pytest.raises(InvalidDocumentId):
            check_doc_id(bad)


def test_retiring_marks_the_front_matter_and_keeps_everything_else():
    original = (PROJECT_ROOT / "knowledge" / "xfgzl-review.md").read_text(encoding="utf-8")
    retired = with_status(original, "retired")
    assert document_status(original) == "active" and document_status(retired) == "retired"
    assert with_status(retired, "retired") == retired
    assert retired.replace("status: retired\n", "") == original
    restored = with_status(retired, "active")
    assert document_status(restored) == "active" and restored.count("status:") == 1
    with pytest.raises(InvalidDocument):
        with_status("no front matter", "retired")


def test_a_retired_document_still_has_to_be_complete():
    original = (PROJECT_ROOT / "knowledge" / "xfgzl-review.md").read_text(encoding="utf-8")
    validate_document("xfgzl-review", with_status(original, "retired"))
    with pytest.raises(InvalidDocument):
        validate_document("xfgzl-review", with_status(original, "retired").replace("issuer: 中共中央、国务院\n", ""))


def test_bearer_tokens():
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("bearer   abc  ") == "abc"
    for header in (None, "", "Bearer", "Bearer ", "Basic abc", "abc"):
        assert bearer_token(header) is None


def test_a_token_names_its_owner_and_nothing_else_matches():
    tokens = {"t-one": "张三", "t-two": "李四", "令牌三": "王五"}
    assert staff_name("t-one", tokens) == "张三"
    assert staff_name("t-two", tokens) == "李四"
    assert staff_name("令牌三", tokens) == "王五"  # non-ASCII tokens compare as bytes
    for wrong in ("t-on", "t-one ", "T-ONE", "", "x" * 10_000, None):
        assert staff_name(wrong, tokens) is None
    assert staff_name("t-one", {}) is None


SOURCES_DOCUMENT = """---
title: 申请复查
sources:
  - name: 信访工作条例
    issuer: 中共中央、国务院
    articles: 第三十五条
    effective: 2022-05-01
    url: https://www.gov.cn/zhengce/2022-04/07/content_5683824.htm
region: 全国
tags: [复查]
questions:
  - 对处理意见不服怎么办？
  - 复查找谁？
  - 复查多久申请？
---

## 申请复查（第三十五条）

对处理意见不服的，可以自收到书面答复之日起30日内请求复查。
"""


def test_a_sources_list_is_accepted_and_each_entry_checked():
    validate_document("t-sources", SOURCES_DOCUMENT)
    cases = {
        "请至少填写一个日期": SOURCES_DOCUMENT.replace("    effective: 2022-05-01\n", ""),
        "第 1 个来源的施行日期（effective）应写成": SOURCES_DOCUMENT.replace("2022-05-01", "2022年5月1日"),
        "第 1 个来源中有无法识别的字段：page": SOURCES_DOCUMENT.replace("    articles:", "    page: 3\n    articles:"),
        "第 1 个来源的发布机关（issuer）": SOURCES_DOCUMENT.replace("    issuer: 中共中央、国务院\n", ""),
        "不要同时填写": SOURCES_DOCUMENT.replace("region: 全国\n", "region: 全国\nsource: 信访工作条例\n"),
        "第 1 个来源的网址（url）": SOURCES_DOCUMENT.replace("https://www.gov.cn", "www.gov.cn"),
        "来源（sources）应是一个列表": SOURCES_DOCUMENT.split("sources:")[0] + "sources: 信访工作条例\nregion:"
        + SOURCES_DOCUMENT.split("region:")[1],
    }
    for expected, text in cases.items():
        with pytest.raises(InvalidDocument) as refused:
            validate_document("t-sources", text)
        assert any(expected in problem for problem in refused.value.problems), (expected, refused.value.problems)
