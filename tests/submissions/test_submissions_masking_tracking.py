"""Masking helpers and tracking numbers."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from submissions.masking import mask_address, mask_email, mask_id_number, mask_mobile, mask_name
from submissions.tracking import ALPHABET, new_tracking_number, normalize_tracking_number
from submissions.workflow import Kind

TRACKING_REGEX = re.compile(r"(XF|JY)\d{8}[A-Z0-9]{6}")


def test_mask_mobile() -> None:
    assert mask_mobile("13611111111") == "136****1111"
    assert mask_mobile("") == ""
    assert mask_mobile(None) == ""
    assert mask_mobile("12345") == "*****"


def test_mask_id_number() -> None:
    assert mask_id_number("31010119900307123X") == "3101**********123X"
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_id_number(None) == ""
    assert mask_id_number("1234") == "****"


def test_mask_name() -> None:
    assert mask_name("赵六") == "赵*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("赵") == "*"
    assert mask_name("") == ""


def test_mask_email_and_address() -> None:
    assert mask_email("zhangsan@example.com") == "z***@example.com"
    assert mask_email("a@example.com") == "***@example.com"
    assert mask_email(None) == ""
    assert mask_address("徐汇区漕溪北路100弄2号") == "徐汇区漕溪北***"
    assert mask_address("短地址") == "***"


def test_tracking_number_format_and_prefixes() -> None:
    moment = datetime(2025, 3, 1, 2, 0, tzinfo=timezone.utc)
    petition_number = new_tracking_number(Kind.PETITION, moment)
    suggestion_number = new_tracking_number(Kind.SUGGESTION, moment)
    assert TRACKING_REGEX.fullmatch(petition_number) and petition_number.startswith("XF20250301")
    assert TRACKING_REGEX.fullmatch(suggestion_number) and suggestion_number.startswith("JY20250301")


def test_tracking_number_date_is_the_shanghai_date() -> None:
    # 16:30 UTC on 1 January is 00:30 on 2 January in Shanghai.
    late_evening_utc = datetime(2025, 1, 1, 16, 30, tzinfo=timezone.utc)
    assert new_tracking_number(Kind.PETITION, late_evening_utc)[2:10] == "20250102"
    assert new_tracking_number(Kind.PETITION, datetime(2025, 1, 1, 15, 59, tzinfo=timezone.utc))[2:10] == "20250101"


def test_tracking_numbers_are_random_distinct_and_avoid_look_alikes() -> None:
    moment = datetime(2025, 3, 1, tzinfo=timezone.utc)
    draws = 20000
    numbers = {new_tracking_number(Kind.PETITION, moment) for _ in range(draws)}
    # 32**6 (about 1.07e9) random parts: 20,000 draws repeat one about 0.19 times on average (birthday
    # bound), so an occasional repeat is expected (the store draws again on a collision); more than 3
    # has a chance of about 1 in 20,000, while a narrow or sequential generator repeats far more often.
    assert draws - len(numbers) <= 3
    random_parts = "".join(number[10:] for number in numbers)
    assert set(random_parts) <= set(ALPHABET)
    assert not set("0O1I") & set(random_parts)
    assert len(set(random_parts)) == 32  # every allowed character is used: not a narrow generator


def test_normalize_tracking_number() -> None:
    assert normalize_tracking_number(" xf20250301-abc234 ") == "XF20250301ABC234"
    assert normalize_tracking_number("ＸＦ２０２５０３０１ＡＢＣ２３４") == "XF20250301ABC234"
    assert normalize_tracking_number("XF2025030ABC234") is None
    assert normalize_tracking_number("AB20250301ABC234") is None
    assert normalize_tracking_number("") is None
    assert normalize_tracking_number(None) is None
