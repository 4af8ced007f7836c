"""A small dated set for the API and page tests: three recurring problems with known growth, and
a case filed again (an open original, a closed copy, an unrelated case)."""
from __future__ import annotations

from dataclasses import dataclass, replace

from core.settings import Settings
from submissions.workflow import Kind

from .seeding import add_cases, close_case, dated, moments_previous_month, moments_this_month
from .synthetic import TOPICS, SyntheticCase, generate

FUMES, WAGES, MEALS = (next(i for i, t in enumerate(TOPICS) if t.name == name) for name in ("餐馆油烟", "拖欠工资", "老年助餐"))
# (topic, this month, previous month)
COUNTS = ((FUMES, 8, 2), (WAGES, 3, 6), (MEALS, 4, 0))
ORIGINAL = ("漕溪北路的垃圾中转站紧挨着我们小区，每天散发恶臭，污水流到人行道上，夏天苍蝇成群，"
            "已经三个月了。我叫王建国，手机13812345678。")
REFILED = ("漕溪北路的垃圾中转站紧挨着我们小区，每天都散发恶臭，污水流到人行道上，夏天苍蝇成群，"
           "已经持续三个月了。")
UNRELATED = "建议在我们社区开通一条到地铁站的接驳公交，早高峰班次加密，方便上班族和学生出行。"


@dataclass(frozen=True)
class Seeded:
    numbers_by_topic: dict[int, list[str]]
    original: str  # open, previous month, 徐汇区
    closed_copy: str  # the same text, closed
    refiled: str  # this month, 徐汇区, nearly the same words: a likely duplicate of ``original``
    unrelated: str  # this month, 徐汇区, about something else
    months: dict[str, int]  # submissions per month (YYYY-MM, Shanghai)


def seed(settings: Settings) -> Seeded:
    pool = generate()
    cases: list[SyntheticCase] = []
    topics: list[int] = []
    for topic, this_month, previous in COUNTS:
        mine = [case for case in pool if case.topic == topic][: this_month + previous]
        if topic == MEALS:  # titles a spreadsheet would run as formulas
            mine = [replace(case, title="=" + (case.title or "")) for case in mine]
        cases += dated(mine[:this_month], moments_this_month(this_month))
        cases += dated(mine[this_month:], moments_previous_month(previous))
        topics += [topic] * len(mine)
    before, now = moments_previous_month(2), moments_this_month(2)
    extra = [
        SyntheticCase(-1, Kind.PETITION, "徐汇区", before[0], None, ORIGINAL, "请有关部门迁移垃圾站。"),
        SyntheticCase(-1, Kind.PETITION, "徐汇区", before[1], None, ORIGINAL, "请有关部门迁移垃圾站。"),
        SyntheticCase(-1, Kind.PETITION, "徐汇区", now[0], None, REFILED, "请有关部门迁移垃圾站。"),
        SyntheticCase(-1, Kind.SUGGESTION, "徐汇区", now[1], "开通地铁接驳公交", UNRELATED, None),
    ]
    numbers = add_cases(settings, cases + extra)
    close_case(settings, numbers[len(cases) + 1])
    by_topic: dict[int, list[str]] = {}
    for topic, number in zip(topics, numbers):
        by_topic.setdefault(topic, []).append(number)
    from insights.cases import month_of

    months: dict[str, int] = {}
    for case in cases + extra:
        months[month_of(case.created_at)] = months.get(month_of(case.created_at), 0) + 1
    original, closed_copy, refiled, unrelated = numbers[len(cases):]
    return Seeded(by_topic, original, closed_copy, refiled, unrelated, months)
