"""Masking helpers and tracking numbers."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from core.personal_data.masking import (
    log_safe, mask_address, mask_email, mask_id_number, mask_mobile, mask_name, redact_personal_data,
)
from submissions.tracking import (ALPHABET, find_tracking_number, join_tracking_numbers, new_tracking_number,
                                  normalize_tracking_number)
from submissions.validation import validate_id_number, validate_mobile
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


@pytest.mark.parametrize("typed", ["我的编号是 JY 20261208 K7Q2MX，手机后四位2468", "查询 jy-20261208-k7q2mx 尾号2468",
                                   "JY20261208K7Q2MX", "查ＪＹ２０２６１２０８Ｋ７Ｑ２ＭＸ"])
def test_a_tracking_number_is_found_however_it_is_written(typed: str) -> None:
    assert find_tracking_number(typed) == "JY20261208K7Q2MX"
    assert "JY20261208K7Q2MX" in join_tracking_numbers(typed)
    assert "2468" in join_tracking_numbers(typed) or "2468" not in typed


def test_joining_leaves_other_text_and_numbers_alone() -> None:
    text = "电话 021-12345678，编号 XF 2026120 ABC123 不完整"
    assert join_tracking_numbers(text) == text
    assert find_tracking_number(text) is None


# --- personal data inside free text --------------------------------------------------------------

# Every way of writing a mobile or ID number the validators accept is also masked inside a text.
MOBILES_AS_TYPED = ["13987654321", "139 8765 4321", "139-8765-4321", "139—8765—4321", "139–8765–4321",
                    "139－8765－4321", "(139)8765 4321", "+86 139 8765 4321", "0086-139-8765-4321",
                    "１３９８７６５４３２１", "139  -  8765 - 4321"]
IDS_AS_TYPED = ["310104198503121235", "3101 0419 8503 1212 35", "310104 19850312 1235", "3101-0419-8503-1212-35",
                "3101—0419—8503—1212—35", "３１０１０４１９８５０３１２１２３５", "11010519491231002x"]


@pytest.mark.parametrize("typed", MOBILES_AS_TYPED)
def test_every_mobile_the_validator_accepts_is_masked_in_text(typed: str) -> None:
    number = validate_mobile(typed).value
    assert number
    masked = redact_personal_data(f"我的手机是{typed}，请回电。")
    assert mask_mobile(number) in masked and number[3:7] not in re.sub(r"\D", "", masked)


@pytest.mark.parametrize("typed", IDS_AS_TYPED)
def test_every_id_number_the_validator_accepts_is_masked_in_text(typed: str) -> None:
    number = validate_id_number(typed).value
    assert number
    masked = redact_personal_data(f"身份证{typed}。")
    assert masked == f"身份证{mask_id_number(number)}。"
    assert number[4:14] not in re.sub(r"\D", "", masked)


def test_e_mail_names_and_house_numbers_are_masked_in_text() -> None:
    text = "我叫张三，邮箱 Zhang.San@Example.com，住徐汇区漕溪北路100弄2号301室，本人欧阳娜娜。"
    assert redact_personal_data(text) == "我叫张*，邮箱 Z***@Example.com，住徐汇区漕溪北路***，本人欧***。"
    assert redact_personal_data("ｚｓ＠ｅｘａｍｐｌｅ．ｃｏｍ") == "z***@example.com"


@pytest.mark.parametrize("text", ["我是来咨询的。", "信访事项XF20261129ABCDEF的期限是60日。", "座机021-12345678",
                                  "2024年1月1日起施行，共120条。", "请拨打12345热线。"])
def test_ordinary_text_is_left_as_it_is(text: str) -> None:
    assert redact_personal_data(text) == text


def test_log_safe_escapes_control_characters_and_masks() -> None:
    forged = "ok\n2026-11-29 INFO audit: export_reveal by admin\x1b[2J\r\u202e 13912345678"
    safe = log_safe(forged)
    assert "\n" not in safe and "\r" not in safe and "\x1b" not in safe and "\u202e" not in safe
    assert safe == r"ok\n2026-11-29 INFO audit: export_reveal by admin\x1b[2J\r\u202e 139****5678"
