from datetime import date

import pytest

from bot.deadlines import StartEvent, chinese_number, deadline_reply, deadlines_for, parse_start_date, start_event

TODAY = date(2026, 11, 22)  # a Sunday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我3月1日收到处理意见", date(2026, 3, 1)),
        ("2025年12月31日收到", date(2025, 12, 31)),
        ("2026-01-05收到处理意见书", date(2026, 1, 5)),
        ("十一月一号收到答覆", date(2026, 11, 1)),
        ("12月25日收到", date(2025, 12, 25)),  # a month/day still ahead this year means last year
        ("今天收到", TODAY),
        ("昨天拿到答复", date(2026, 11, 21)),
        ("前天", date(2026, 11, 20)),
        ("三天前收到", date(2026, 11, 19)),
        ("上周五收到书面答复", date(2026, 11, 13)),
        ("上个月15号收到", date(2026, 10, 15)),
        ("2月30日", None),
        ("最近收到的", None),
    ],
)
def test_dates_absolute_and_relative(text: str, expected: date | None) -> None:
    assert parse_start_date(text, TODAY) == expected


def test_chinese_numbers() -> None:
    assert [chinese_number(t) for t in ["十", "十五", "二十一", "三十", "9", "两"]] == [10, 15, 21, 30, 9, 2]
    assert chinese_number("百") is None


@pytest.mark.parametrize(
    ("text", "event"),
    [
        ("我3月1日收到处理意见，复查最晚哪天申请？", StartEvent.OPINION_RECEIVED),
        ("昨天收到复查意见，复核截止哪天", StartEvent.REVIEW_OPINION_RECEIVED),
        ("4月2日收到答复，最晚哪天可以申请复核", StartEvent.REVIEW_OPINION_RECEIVED),
        ("6月1日受理的，最晚几号要办结", StartEvent.ACCEPTED),
        ("我5月10号递交的信访，最晚哪天告诉我受不受理", StartEvent.SUBMITTED),
        ("帮我算一下", None),
    ],
)
def test_what_happened_on_the_date(text: str, event: StartEvent | None) -> None:
    assert start_event(text) is event


def test_the_starting_day_is_not_counted() -> None:
    (review,) = deadlines_for(StartEvent.OPINION_RECEIVED, date(2026, 3, 1))
    assert review.last_day == date(2026, 3, 31) and not review.rolled


def test_a_last_day_on_a_rest_day_rolls_to_the_next_working_day() -> None:
    # 2026-09-01 + 60 days = Saturday 2026-10-31 -> Monday 2026-11-02
    general, extended = deadlines_for(StartEvent.ACCEPTED, date(2026, 9, 1))
    assert general.calendar_day == date(2026, 10, 31) and general.last_day == date(2026, 11, 2)
    assert extended.days == 90
    # 2026-09-05 + 30 = 2026-10-05, inside the National Day holiday (1-7 October 2026)
    (review,) = deadlines_for(StartEvent.OPINION_RECEIVED, date(2026, 9, 5))
    assert review.calendar_day == date(2026, 10, 5) and review.last_day == date(2026, 10, 8)


def test_reply_cites_the_articles_and_the_counting_rule() -> None:
    reply = deadline_reply(StartEvent.OPINION_RECEIVED, date(2026, 3, 1))
    assert "2026年3月31日" in reply and "第三十五条" in reply
    assert "第二百零一条" in reply and "仅供参考" in reply


def test_years_without_holiday_data_are_flagged() -> None:
    assert "尚未纳入" in deadline_reply(StartEvent.OPINION_RECEIVED, date(2027, 3, 1))
