"""A group's most characteristic words: jieba tokens (as the knowledge index cuts them) weighted
by how many of the group's submissions use them against how many of all submissions do (a
class-based TF-IDF), so words every complaint shares (问题, 希望, 部门) do not label anything."""
from __future__ import annotations

import math
import re
from collections import Counter

from index.keywords import tokenize

KEYWORDS_PER_GROUP = 5
# Words of any complaint or suggestion: they say nothing about which problem it is.
GENERIC_WORDS = frozenset(
    """问题 反映 希望 要求 建议 有关 有关部门 部门 相关 相关部门 政府 解决 情况 一直 已经 没有 现在 我们 居民
    本人 您好 你好 打扰 帮忙 一件 持续 严重 越来越 最近 开始 去年 今年 半年 一年 一个月 三个月 月份 几个
    电话 联系 联系电话 老住户 烦恼 很多 非常 特别 根本 之后 以后 时候 不来 不见 不好 不能 不够 不理 从来
    好几个 星期 就要 有人 受到 万元 居家 一年四季""".split()
)
_WORD = re.compile(r"^[\u3400-\u9fffA-Za-z]{2,}$")


def words(text: str) -> set[str]:
    """The distinct content words of a text (two characters or more; no numbers, no fillers)."""
    return {token for token in tokenize(text) if _WORD.match(token) and token not in GENERIC_WORDS}


def group_keywords(group_words: list[list[set[str]]], per_group: int = KEYWORDS_PER_GROUP) -> list[list[str]]:
    """For each group (a list of its submissions' word sets), its ``per_group`` best words."""
    everywhere: Counter[str] = Counter()
    for members in group_words:
        for member in members:
            everywhere.update(member)
    total = sum(len(members) for members in group_words)
    labels: list[list[str]] = []
    for members in group_words:
        inside: Counter[str] = Counter()
        for member in members:
            inside.update(member)
        size = max(len(members), 1)
        scored = sorted(
            inside.items(),
            key=lambda item: (-(item[1] / size) * math.log(1 + total / everywhere[item[0]]), item[0]),
        )
        labels.append(_without_parts([word for word, count in scored if count > 0], per_group))
    return labels


def _without_parts(ranked: list[str], count: int) -> list[str]:
    """The first ``count`` words, skipping one that is part of a word already chosen (油烟 after 油烟机)."""
    chosen: list[str] = []
    for word in ranked:
        if not any(word in other or other in word for other in chosen):
            chosen.append(word)
        if len(chosen) == count:
            break
    return chosen
