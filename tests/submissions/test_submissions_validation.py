"""The pure form validators: every class of invalid input and every normalisation."""
from __future__ import annotations

from datetime import date

import pytest

from submissions.validation import (
    SHANGHAI_DISTRICTS,
    SKIP,
    id_check_char,
    is_skip_word,
    validate_address,
    validate_district,
    validate_email,
    validate_id_number,
    validate_mobile,
    validate_name,
    validate_petition_content,
    validate_request,
    validate_suggestion_content,
    validate_title,
)


# --- mobile ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "typed",
    [
        "13612341111",
        "136 1234 1111",
        "136-1234-1111",
        "+86 136 1234 1111",
        "+8613612341111",
        "8613612341111",
        "0086-136-1234-1111",
        "１３６１２３４１１１１",
        "＋８６１３６１２３４１１１１",
        "(+86) 136 1234 1111",
        "  13612341111  ",
    ],
)
def test_mobile_forms_are_normalised(typed: str) -> None:
    result = validate_mobile(typed)
    assert result.ok and result.value == "13612341111"


@pytest.mark.parametrize("second_digit", "3456789")
def test_mobile_every_allowed_second_digit(second_digit: str) -> None:
    assert validate_mobile(f"1{second_digit}012345678").value == f"1{second_digit}012345678"


@pytest.mark.parametrize(
    ("typed", "expected_fragment"),
    [
        ("", "请填写"),
        (None, "请填写"),
        ("1361234111", "10 位"),
        ("136123411112", "12 位"),
        ("12612341111", "13 至 19 开头"),
        ("10012341111", "13 至 19 开头"),
        ("23612341111", "13 至 19 开头"),
        ("1361234abcd", "只能包含数字"),
        ("١٣٦١٢٣٤١١١١", "只能包含数字"),  # Arabic-Indic digits are not accepted
        ("+1 13612341111", "12 位"),
    ],
)
def test_mobile_errors_explain_the_problem(typed: str, expected_fragment: str) -> None:
    result = validate_mobile(typed)
    assert not result.ok and result.value is None
    assert expected_fragment in (result.error or "")
    assert "11" in (result.error or "")


def test_mobile_error_and_repr_do_not_echo_the_number() -> None:
    result = validate_mobile("1361234111")
    assert "1361234111" not in (result.error or "")
    assert "13612341111" not in repr(validate_mobile("13612341111"))


# --- district ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("typed", "district"),
    [
        ("浦东", "浦东新区"),
        ("浦东新区", "浦东新区"),
        ("黄浦", "黄浦区"),
        ("徐汇", "徐汇区"),
        ("长宁", "长宁区"),
        ("静安", "静安区"),
        ("普陀", "普陀区"),
        ("虹口", "虹口区"),
        ("杨浦", "杨浦区"),
        ("闵行", "闵行区"),
        ("宝山", "宝山区"),
        ("嘉定", "嘉定区"),
        ("金山", "金山区"),
        ("松江", "松江区"),
        ("青浦", "青浦区"),
        ("奉贤", "奉贤区"),
        ("崇明", "崇明区"),
        ("我住在徐汇区漕溪北路", "徐汇区"),
        ("上海市闵行区莘庄镇", "闵行区"),
        ("浦東新區", "浦东新区"),  # Traditional characters
        ("浦东新区黄浦江边", "浦东新区"),  # 黄浦江 is a river, not 黄浦区
        ("静安区宝山路", "静安区"),  # a full district name beats a road named after another district
        ("闸北", "静安区"),  # merged in 2015
        ("南汇", "浦东新区"),
        ("卢湾区", "黄浦区"),
        ("崇明县", "崇明区"),
        ("Pudong", "浦东新区"),
        ("xuhui district", "徐汇区"),
    ],
)
def test_district_forms(typed: str, district: str) -> None:
    result = validate_district(typed)
    assert result.ok, result.error
    assert result.value == district


def test_every_canonical_district_validates_to_itself() -> None:
    assert len(SHANGHAI_DISTRICTS) == 16
    for district in SHANGHAI_DISTRICTS:
        assert validate_district(district).value == district


@pytest.mark.parametrize("typed", ["北京市朝阳区", "杭州", "普陀山", "苏州工业园区", "", "不知道"])
def test_district_outside_shanghai_lists_the_districts(typed: str) -> None:
    result = validate_district(typed)
    assert not result.ok
    for district in SHANGHAI_DISTRICTS:
        assert district in (result.error or "")


def test_district_several_mentioned_asks_for_one() -> None:
    result = validate_district("徐汇和长宁都有")
    assert not result.ok
    assert "多个区" in (result.error or "") and "徐汇区" in (result.error or "") and "长宁区" in (result.error or "")


# --- ID number ---------------------------------------------------------------------------------

def test_id_check_digit_known_values() -> None:
    assert id_check_char("11010519491231002") == "X"
    assert id_check_char("31010119900307123") == "0"
    assert id_check_char("44030419851231001") == "1"


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
        ("110105 19491231 002X", "11010519491231002X"),
        ("310101199003071230", "310101199003071230"),
        ("440304198512310011", "440304198512310011"),
    ],
)
def test_id_number_valid(typed: str, normalised: str) -> None:
    assert validate_id_number(typed).value == normalised


@pytest.mark.parametrize(
    ("typed", "expected_fragment"),
    [
        ("110105491231002", "15位的旧版"),
        ("1101051949123100", "18位（您填写了 16 位）"),
        ("11010519491231002XX", "18位（您填写了 19 位）"),
        ("11010519491231002Y", "前17位应为数字"),
        ("1101051949123100AX", "前17位应为数字"),
        ("110105194913310024", "出生日期"),  # month 13
        ("110105194902300028", "出生日期"),  # 30 February
        ("110105189912310025", "出生日期"),  # before 1900
        ("110105209912310023", "出生日期"),  # in the future
        ("110105194912310021", "校验位"),
    ],
)
def test_id_number_errors(typed: str, expected_fragment: str) -> None:
    result = validate_id_number(typed, today=date(2025, 3, 1))
    assert not result.ok
    assert expected_fragment in (result.error or ""), result.error
    assert "跳过" in (result.error or "")  # tells the citizen the field is optional


def test_id_number_future_birth_date_depends_on_today() -> None:
    number = "110105202501010010"
    number = number[:17] + id_check_char(number[:17])
    assert not validate_id_number(number, today=date(2024, 12, 31)).ok
    assert validate_id_number(number, today=date(2025, 1, 1)).ok


# --- e-mail ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("a@b.cn", "a@b.cn"),
        ("Zhang.San+tag@Example.COM", "Zhang.San+tag@example.com"),
        ("ｚｓ＠ｅｘａｍｐｌｅ．ｃｏｍ", "zs@example.com"),
        (" user_1@mail.sh.gov.cn ", "user_1@mail.sh.gov.cn"),
    ],
)
def test_email_valid(typed: str, normalised: str) -> None:
    assert validate_email(typed).value == normalised


@pytest.mark.parametrize(
    "typed",
    ["a@b", "a@@b.com", "a b@c.com", "@b.com", "a@.com", "a..b@c.com", ".a@b.com", "a.@b.com", "a@b.c", "a@-b.com", "ab.com", "a@b.com<script>"],
)
def test_email_invalid(typed: str) -> None:
    result = validate_email(typed)
    assert not result.ok
    assert "name@example.com" in (result.error or "")


# --- skip words --------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["跳过", "不填", "没有", "无", "略", "没有。", " 跳过！", "SKIP", "暂无", "没有邮箱", "不提供", SKIP, ""])
def test_skip_words_on_optional_fields(typed: str) -> None:
    assert validate_id_number(typed).value == SKIP
    assert validate_email(typed).value == SKIP
    assert validate_email(typed).skipped


def test_none_on_optional_field_is_skip() -> None:
    assert validate_email(None).value == SKIP


def test_is_skip_word_rejects_real_content() -> None:
    assert not is_skip_word("zhang@example.com")
    assert not is_skip_word("没有人管楼道堆物的问题已经很久了")
    assert not is_skip_word(None)


def test_skip_word_is_not_accepted_for_required_fields() -> None:
    assert not validate_mobile("跳过").ok
    assert not validate_district("跳过").ok
    assert not validate_petition_content("跳过").ok


# --- name --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("typed", "normalised"),
    [("赵六", "赵六"), ("  赵  六 ", "赵 六"), ("阿卜杜·热合曼", "阿卜杜·热合曼"), ("John Smith", "John Smith"), ("陳大文", "陳大文"), ("王", "王")],
)
def test_name_valid(typed: str, normalised: str) -> None:
    assert validate_name(typed).value == normalised


@pytest.mark.parametrize(
    ("typed", "expected_fragment"),
    [
        ("", "请填写"),
        ("张" * 31, "最多 30 个字"),
        ("张3", "数字"),
        ("张三１", "数字"),
        ("http://evil.cn", "网址"),
        ("www.example.com", "网址"),
        ("<b>张三</b>", "标记"),
        ("张三@", "符号"),
        ("张三！！", "汉字或字母"),
    ],
)
def test_name_invalid(typed: str, expected_fragment: str) -> None:
    result = validate_name(typed)
    assert not result.ok
    assert expected_fragment in (result.error or ""), result.error


# --- address, title, content, request ----------------------------------------------------------

def test_address_limits() -> None:
    assert validate_address("漕溪北路1号").ok
    assert validate_address("  漕溪北路1号  ").value == "漕溪北路1号"
    too_short = validate_address("徐汇区")
    assert not too_short.ok and "3 个字" in (too_short.error or "") and "5 至 200" in (too_short.error or "")
    assert validate_address("路" * 200).ok
    too_long = validate_address("路" * 201)
    assert not too_long.ok and "201 个字" in (too_long.error or "") and "最多 200" in (too_long.error or "")


def test_title_limits() -> None:
    assert validate_title("老年食堂").ok
    assert not validate_title("食堂").ok
    assert validate_title("题" * 30).ok
    assert "31 个字" in (validate_title("题" * 31).error or "")  # a sentence is asked to be shortened


@pytest.mark.parametrize("validate", [validate_petition_content, validate_request, validate_suggestion_content])
def test_long_text_limits_count_after_trimming(validate) -> None:  # type: ignore[no-untyped-def]
    exactly_min = "字" * 15
    assert validate(f"   {exactly_min}\n\n  ").value == exactly_min
    short = validate("   " + "字" * 14 + "   ")
    assert not short.ok and "您填写了 14 个字" in (short.error or "") and "15 至 2000" in (short.error or "")
    assert validate("字" * 2000).ok
    long = validate("字" * 2001)
    assert not long.ok and "您填写了 2001 个字" in (long.error or "") and "最多 2000" in (long.error or "")
    assert not validate(None).ok


def test_long_text_keeps_paragraphs_but_drops_noise() -> None:
    typed = "第一段：楼下餐馆油烟扰民。\r\n\r\n\r\n\r\n  第二段：\t已投诉多次\u200b。  "
    assert validate_petition_content(typed).value == "第一段：楼下餐馆油烟扰民。\n\n第二段： 已投诉多次。"


def test_validators_are_idempotent() -> None:
    cases = [
        (validate_mobile, "+86 136-1234-1111"),
        (validate_district, "我住在徐汇区漕溪北路"),
        (validate_id_number, "11010519491231002x"),
        (validate_email, "A@Example.COM"),
        (validate_name, " 赵  六 "),
        (validate_address, " 漕溪北路 1 号 "),
        (validate_petition_content, "  " + "内容" * 10 + "\n\n\n结尾"),
    ]
    for validate, typed in cases:
        once = validate(typed).value
        assert validate(once).value == once


@pytest.mark.parametrize(
    "validator, text, value",
    [
        (validate_mobile, "手机是13501234567", "13501234567"),
        (validate_mobile, "我的手机号：135 0123 4567哦", "13501234567"),
        (validate_mobile, "電話13501234567。", "13501234567"),
        (validate_email, "我的邮箱：Zhang@Example.com", "Zhang@example.com"),
        (validate_id_number, "身份证号是11010519491231002X", "11010519491231002X"),
    ],
)
def test_a_value_said_with_its_field_name_is_accepted(validator, text: str, value: str) -> None:
    result = validator(text)
    assert result.ok and result.value == value


def test_refusals_to_an_optional_question_skip_it() -> None:
    for text in ("不想填", "不想提供。", "不给", "没有邮箱，跳过", "不想填，谢谢"):
        assert validate_email(text).skipped and validate_id_number(text).skipped
    assert not validate_mobile("手机").ok
    assert not is_skip_word("谢谢") and not is_skip_word("a@b.cn 跳过")
