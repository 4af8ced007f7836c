import pytest

from core.textnorm import cap_length, display_safe, normalize, strip_markup, to_halfwidth_alnum, to_simplified


def test_traditional_becomes_simplified() -> None:
    assert to_simplified("信訪事項辦理期限是多久？") == "信访事项办理期限是多久？"
    assert normalize("黃浦區信訪工作會議") == "黄浦区信访工作会议"


def test_fullwidth_letters_and_digits_become_halfwidth_but_chinese_punctuation_stays() -> None:
    assert to_halfwidth_alnum("ＪＹ２０２６１１２２Ｋ７Ｑ２ＭＸ") == "JY20261122K7Q2MX"
    assert to_halfwidth_alnum("１２３４５，热线？") == "12345，热线？"
    assert normalize("打　１２３４５") == "打 12345"


def test_variant_character_used_in_taiwan_is_mapped() -> None:
    assert normalize("妳好") == "你好"


def test_whitespace_and_invisible_characters_are_cleaned() -> None:
    assert normalize("  信访\t\n有哪些\u200b途径  ") == "信访 有哪些途径"
    assert normalize(None) == "" and normalize("   ") == ""


def test_long_text_keeps_its_start_and_its_end() -> None:
    capped = cap_length("开头" + "中" * 5000 + "结尾的问题？", 300)
    assert len(capped) == 300
    assert capped.startswith("开头") and capped.endswith("结尾的问题？")
    assert cap_length("短", 300) == "短" and cap_length("任意长度", 0) == "任意长度"


def test_display_safe_makes_markup_inert_without_losing_it() -> None:
    shown = display_safe("<img src=x onerror=alert(1)> 你好")
    assert "<" not in shown and ">" not in shown
    assert shown == "＜img src=x onerror=alert(1)＞ 你好"


@pytest.mark.parametrize(
    "text, words",
    [
        ("<script>alert(1)</script>复核要多久", "复核要多久"),
        ("[点击查看信访进度](javascript:alert('x')) 受理期限多久", "受理期限多久"),  # the bait's label too
        ("[官网](https://www.gjxfj.gov.cn)怎么进", "官网怎么进"),
        ("<b>复查</b>期限", "复查 期限"),
        ("请看 javascript:void(0) 这个", "请看 这个"),
        ("温度<5度时怎么办", "温度<5度时怎么办"),  # a comparison is no tag
        ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),  # nothing else: kept as it was
    ],
)
def test_markup_is_removed_and_the_words_kept(text: str, words: str) -> None:
    assert strip_markup(text) == words
