"""Petition deadlines computed from a date the citizen gives ("我3月1日收到处理意见").

The 《信访工作条例》 sets the periods (15, 60 + 30, 30 and 30 days); they are counted as
:mod:`core.periods` counts them (《民法典》第二百零一条、第二百零三条), as the staff desk's case clocks
are. Results are indicative; the authority's written notice prevails.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from enum import Enum
from typing import Optional

from core.periods import COUNTING_RULE, Deadline, holiday_data_covers, period_end
from core.textnorm import normalize


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}


class StartEvent(Enum):
    """What happened on the date the citizen gives."""

    OPINION_RECEIVED = "收到处理意见"  # -> request 复查 within 30 days
    REVIEW_OPINION_RECEIVED = "收到复查意见"  # -> request 复核 within 30 days
    ACCEPTED = "受理"  # -> handled within 60 (+30) days
    SUBMITTED = "提交信访事项"  # -> told whether accepted within 15 days


def chinese_number(text: str) -> Optional[int]:
    """'12', '十二', '二十一', '三十' -> int (up to 99)."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _DIGITS[text] if len(text) == 1 else None
    tens, _, units = text.partition("十")
    return (_DIGITS.get(tens, 0) if tens else 1) * 10 + (_DIGITS.get(units, 0) if units else 0)


_NUM = r"([0-9]{1,2}|[零〇一二两三四五六七八九十]{1,3})"
_FULL_DATE = re.compile(r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})")
_MONTH_DAY = re.compile(_NUM + r"\s*月\s*" + _NUM + r"\s*[日号]?")
_SAME_MONTH_DAY = re.compile(r"(上个?月|本月|这个?月)\s*" + _NUM + r"\s*[日号]")
_DAYS_AGO = re.compile(_NUM + r"\s*(天|日)(之?前)")
_WEEKDAY = re.compile(r"(上|这|本)(个)?(周|星期|礼拜)([一二三四五六日天末])")
_RELATIVE_WORDS = (("大前天", 3), ("前天", 2), ("昨天", 1), ("昨日", 1), ("今天", 0), ("今日", 0))


def _safe_date(year: int, month: int, day: int) -> Optional[date]:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _latest_not_after(month: int, day: int, today: date) -> Optional[date]:
    """The most recent month/day on or before today (a date a citizen received something)."""
    this_year = _safe_date(today.year, month, day)
    if this_year and this_year <= today:
        return this_year
    return _safe_date(today.year - 1, month, day)


def parse_start_date(text: str, today: date) -> Optional[date]:
    """The date in the message: absolute (2026年3月1日, 3月1日) or relative (昨天, 三天前, 上周五)."""
    text = normalize(text)
    match = _FULL_DATE.search(text)
    if match:
        return _safe_date(*(int(g) for g in match.groups()))
    match = _SAME_MONTH_DAY.search(text)
    if match:
        day = chinese_number(match.group(2))
        first_of_month = today.replace(day=1)
        month_start = (first_of_month - timedelta(days=1)).replace(day=1) if match.group(1).startswith("上") else first_of_month
        return _safe_date(month_start.year, month_start.month, day) if day else None
    match = _MONTH_DAY.search(text)
    if match:
        month, day = chinese_number(match.group(1)), chinese_number(match.group(2))
        return _latest_not_after(month, day, today) if month and day else None
    match = _DAYS_AGO.search(text)
    if match:
        days = chinese_number(match.group(1))
        return today - timedelta(days=days) if days is not None else None
    match = _WEEKDAY.search(text)
    if match:
        monday = today - timedelta(days=today.weekday())
        if match.group(1) == "上":
            monday -= timedelta(days=7)
        return monday + timedelta(days=_WEEKDAYS[match.group(4)])
    for word, days_back in _RELATIVE_WORDS:
        if word in text:
            return today - timedelta(days=days_back)
    return None


def start_event(text: str) -> Optional[StartEvent]:
    text = normalize(text)
    if "复查意见" in text or re.search(r"复核.{0,6}(截止|最晚|最迟|期限|哪天|几号)|(截止|最晚|最迟|期限|哪天|几号).{0,8}复核", text):
        return StartEvent.REVIEW_OPINION_RECEIVED
    if re.search(r"(处理|办理|答复|信访)意见|书面答复|答复|处理结果|复查", text):
        return StartEvent.OPINION_RECEIVED
    if re.search(r"受理(了|的|后|之后|以后|[，,。]|$)", text) and not re.search(r"受不受理|是否受理|不予受理", text):
        return StartEvent.ACCEPTED
    if re.search(r"递交|提交|寄出|寄了|投递|写信|上访|走访|信访|反映", text):
        return StartEvent.SUBMITTED
    return None


def deadlines_for(event: StartEvent, start: date) -> list[Deadline]:
    if event is StartEvent.OPINION_RECEIVED:
        return [period_end(start, 30, "申请复查", "《信访工作条例》第三十五条", citizen_acts=True)]
    if event is StartEvent.REVIEW_OPINION_RECEIVED:
        return [period_end(start, 30, "申请复核", "《信访工作条例》第三十六条", citizen_acts=True)]
    if event is StartEvent.ACCEPTED:
        return [
            period_end(start, 60, "办结（一般期限）", "《信访工作条例》第三十四条"),
            period_end(start, 90, "办结（经批准延长后的最长期限）", "《信访工作条例》第三十四条"),
        ]
    return [period_end(start, 15, "书面告知是否受理", "《上海市信访条例》第三十五条、《信访工作条例》第二十三条")]


def format_day(day: date) -> str:
    weekday = "一二三四五六日"[day.weekday()]
    return f"{day.year}年{day.month}月{day.day}日（星期{weekday}）"


def deadline_reply(event: StartEvent, start: date) -> str:
    lines = [f"按您{format_day(start)}{event.value}推算："]
    for deadline in deadlines_for(event, start):
        line = f"· {deadline.what}：{deadline.days}日期限的最后一天是{format_day(deadline.last_day)}（{deadline.basis}）"
        if deadline.rolled:
            line += f"。第{deadline.days}日{format_day(deadline.calendar_day)}是休息日，顺延至其后第一个工作日"
            if deadline.citizen_acts:
                line += f"；稳妥起见，建议您在{format_day(deadline.calendar_day)}前提出"
        lines.append(line + "。")
    if event is StartEvent.OPINION_RECEIVED:
        lines.append("· 复查机关应自收到复查请求之日起30日内提出复查意见；收到复查意见后仍不服的，可在30日内申请复核（《信访工作条例》第三十五条、第三十六条）。")
    if event is StartEvent.REVIEW_OPINION_RECEIVED:
        lines.append("· 复核机关应自收到复核请求之日起30日内提出复核意见；复核后对同一事项以同一事实和理由再提出的，不再受理（《信访工作条例》第三十六条）。")
    if event is StartEvent.SUBMITTED:
        lines.append("· 受理后一般应在60日内办结，情况复杂的可延长不超过30日（《信访工作条例》第三十四条）。15日是从有关机关收到之日起算，邮寄在途的时间不在其中。")
    if not holiday_data_covers(start + timedelta(days=90)):
        lines.append("· 注意：该年度的法定节假日安排尚未纳入计算，仅按周末顺延。")
    lines.append(f"说明：{COUNTING_RULE}。结果仅供参考，具体以办理机关的书面告知为准。")
    return "\n".join(lines)
