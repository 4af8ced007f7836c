"""Splitting long replies under WeChat's and WeCom's byte limits."""
from __future__ import annotations

import pytest

from bot.connectors.textparts import split_text, utf8_size

ANSWER = (
    "公民、法人或者其他组织可以通过五种形式向各级机关、单位反映情况，提出建议、意见或者投诉请求。"
    "信息网络、书信、电话、传真、走访都可以。"
)
SOURCE = "来源：《信访工作条例》第十七条 https://www.gov.cn/zhengce/2022-04/07/content_5683928.htm"


def test_a_short_reply_is_one_part_unchanged() -> None:
    assert split_text(f"{ANSWER}\n{SOURCE}", 1800) == [f"{ANSWER}\n{SOURCE}"]


@pytest.mark.parametrize("text", ["", "\n\n", "\n"])
def test_nothing_to_say_gives_no_part(text: str) -> None:
    assert split_text(text, 100) == []


def test_lines_are_kept_whole_and_the_source_line_survives() -> None:
    lines = [f"第{n}段。{ANSWER}" for n in range(1, 9)] + [SOURCE]
    text = "\n".join(lines)
    parts = split_text(text, 600)
    assert len(parts) > 1
    assert all(utf8_size(p) <= 600 for p in parts)
    # Every cut is at a line break: each line appears whole in exactly one part.
    for line in lines:
        assert sum(line in p.split("\n") for p in parts) == 1
    assert parts[-1].endswith(SOURCE)
    assert "\n".join(parts) == text


def test_a_long_line_is_cut_after_sentences() -> None:
    sentences = [f"这是第{n}句话，内容用于检验按句切分。" for n in range(1, 40)]
    text = "".join(sentences)
    parts = split_text(text, 300)
    assert len(parts) > 1
    assert all(utf8_size(p) <= 300 for p in parts)
    assert all(p.endswith("。") for p in parts)
    assert "".join(parts) == text


def test_text_without_boundaries_is_cut_between_characters() -> None:
    text = "信" * 1000 + "😀" * 10
    parts = split_text(text, 100)
    assert all(0 < utf8_size(p) <= 100 for p in parts)
    assert "".join(parts) == text


def test_paragraph_breaks_inside_a_part_are_kept_but_never_start_a_part() -> None:
    text = "甲" * 30 + "\n\n" + "乙" * 30 + "\n\n" + "丙" * 30
    parts = split_text(text, 200)
    assert parts == ["甲" * 30 + "\n\n" + "乙" * 30, "丙" * 30]


def test_a_link_longer_than_the_rest_of_a_part_moves_whole_to_the_next() -> None:
    link = "https://www.shanghai.gov.cn/xinfang/index.html?from=wechat"
    text = "请访问网上信访平台：\n" + link
    parts = split_text(text, 60)
    assert link in parts


def test_tiny_limits_still_fit_one_character() -> None:
    assert split_text("😀好", 1) == ["😀", "好"]
