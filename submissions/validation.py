"""Pure validators for the fields of a petition or suggestion.

Each ``validate_*`` function takes what the citizen typed and returns a :class:`FieldResult`:
either ``ok`` with the normalised value, or an ``error`` in Chinese that says what is wrong and
what is expected. Validators are idempotent (a normalised value validates to itself), so the
store re-validates everything it is given.

Optional fields (ID number, e-mail) accept a "skip" word (跳过、不填、没有 …) and then return
:data:`SKIP`. ``SKIP`` is a plain string so it can sit in a Rasa slot; the store treats it, ``None``
and ``""`` alike as "not given".
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Final, Optional

from core.personal_data.patterns import DIGIT_SEPARATORS, EMAIL_PATTERN, ascii_contact_text
from core.textnorm import clean_whitespace, normalize, to_halfwidth_alnum

SKIP: Final = "__SKIP__"

NAME_MAX = 30
ADDRESS_MIN, ADDRESS_MAX = 5, 200
TEXT_MIN, TEXT_MAX = 15, 2000
TITLE_MIN, TITLE_MAX = 4, 30  # a title, not the suggestion itself (that is the next step)
EMAIL_MAX = 254


@dataclass(frozen=True)
class FieldResult:
    """Outcome of one validator. ``value`` is hidden from ``repr`` (it may be a mobile number)."""

    value: Optional[str] = field(default=None, repr=False)
    error: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def skipped(self) -> bool:
        return self.ok and self.value == SKIP


def _ok(value: str) -> FieldResult:
    return FieldResult(value=value)


def _error(message: str) -> FieldResult:
    return FieldResult(error=message)


# --- skip words --------------------------------------------------------------------------------

SKIP_WORDS: Final = frozenset(
    {
        "跳过", "不填", "没有", "无", "略", "没", "暂无", "不需要", "不用", "不用了", "不想填",
        "不提供", "不愿提供", "不方便", "不方便提供", "不愿意提供", "不填写", "否", "空", "免",
        "不想填了", "不填了", "不想提供", "不想给", "不给", "不想说", "不想写", "不想留", "不留", "不便提供",
        "skip", "none", "no", "n/a", "na", "-", "/",
    }
)
_COURTESY_CLAUSES: Final = frozenset({"", "谢谢", "谢了", "好的", "好", "嗯", "哦", "那就", "就"})
_CLAUSE_BREAK = re.compile(r"[\s。，,.!！?？~～、…;；]+")
_EDGE_PUNCTUATION = re.compile(r"^[\s。，,.!！?？~～、…]+|[\s。，,.!！?？~～、…]+$")


def is_skip_word(text: Optional[str]) -> bool:
    """True for 跳过、不填、没有、无、略 … (ignoring case and surrounding punctuation), or :data:`SKIP`."""
    if text is None:
        return False
    if text == SKIP:
        return True
    core = _EDGE_PUNCTUATION.sub("", normalize(text)).lower()
    # "没有邮箱，跳过": every clause a skip word (or a short "没有……")
    clauses = [c for c in _CLAUSE_BREAK.split(core) if c not in _COURTESY_CLAUSES]
    return bool(clauses) and all(c in SKIP_WORDS or (c.startswith("没有") and len(c) <= 5) for c in clauses)


def _optional_skip(text: Optional[str]) -> Optional[FieldResult]:
    if text is None or not text.strip() or is_skip_word(text):
        return _ok(SKIP)
    return None


# --- mobile ------------------------------------------------------------------------------------

# Separators between digit groups (core.personal_data.patterns): the validators drop them.
_DIGIT_SEPARATORS = re.compile(f"[{DIGIT_SEPARATORS}]")


_MOBILE = re.compile(r"^(?:\+86|0086|86)?(1[3-9][0-9]{9})$")
# "手机是13501234567", "我的邮箱：a@b.cn 哦": the words around a value are not part of it.
_LABEL_LEAD = r"^\s*(?:我的|本人的?)?(?:{labels})(?:是|为|:|：)?\s*"
_TRAILING_PARTICLES = re.compile(r"[\s。！!~～]*(?:哦|噢|哈|啊|呀|吧|的|嗯)?[\s。！!~～]*$")


# The words a citizen may put before a mobile number ("手机", "電話號碼", "联系电话"), as a pattern.
MOBILE_LABELS = r"手[机機][号號]?[码碼]?|[电電][话話]([号號][码碼])?|[联聯][系繫][电電][话話]|[号號][码碼]"


def _without_label(text: str, labels: str) -> str:
    """``text`` without a leading field name ("手机号是") and trailing particles ("哦。")."""
    stripped = re.sub(_LABEL_LEAD.format(labels=labels), "", text, count=1, flags=re.IGNORECASE)
    return _TRAILING_PARTICLES.sub("", stripped) or text
_MOBILE_EXAMPLE = "例如 13812345678"


def validate_mobile(text: Optional[str]) -> FieldResult:
    """Mainland mobile: ``1[3-9]`` + 9 digits; separators and +86/86/0086 tolerated."""
    raw = _DIGIT_SEPARATORS.sub("", _without_label(ascii_contact_text(text or ""), MOBILE_LABELS))
    if not raw:
        return _error(f"请填写您的11位手机号码，{_MOBILE_EXAMPLE}。")
    match = _MOBILE.match(raw)
    if match:
        return _ok(match.group(1))
    digits = raw[1:] if raw.startswith("+") else raw
    if not digits.isdigit() or not digits.isascii():
        return _error(f"手机号码只能包含数字，请填写11位手机号码，{_MOBILE_EXAMPLE}。")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix):]
            break
    if len(digits) != 11:
        return _error(f"您填写的号码是 {len(digits)} 位数字，手机号码应为 11 位，{_MOBILE_EXAMPLE}。")
    return _error(f"手机号码应为 11 位数字，以 13 至 19 开头（第一位是 1，第二位是 3 到 9），{_MOBILE_EXAMPLE}。")


# --- district ----------------------------------------------------------------------------------

SHANGHAI_DISTRICTS: Final = (
    "黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区",
    "宝山区", "嘉定区", "浦东新区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区",
)
_PINYIN = {
    "huangpu": "黄浦区", "xuhui": "徐汇区", "changning": "长宁区", "jingan": "静安区",
    "putuo": "普陀区", "hongkou": "虹口区", "yangpu": "杨浦区", "minhang": "闵行区",
    "baoshan": "宝山区", "jiading": "嘉定区", "pudong": "浦东新区", "jinshan": "金山区",
    "songjiang": "松江区", "qingpu": "青浦区", "fengxian": "奉贤区", "chongming": "崇明区",
}
# Districts merged away, still used by residents: 南汇 (2009 → 浦东), 卢湾 (2011 → 黄浦),
# 闸北 (2015 → 静安); 崇明 was a county (县) until 2016.
_FORMER_NAMES = {"南汇区": "浦东新区", "卢湾区": "黄浦区", "闸北区": "静安区", "崇明县": "崇明区"}
_FULL_NAMES: dict[str, str] = {name: name for name in SHANGHAI_DISTRICTS} | _FORMER_NAMES
_SHORT_NAMES: dict[str, str] = {name[:2]: canonical for name, canonical in _FULL_NAMES.items()}
_SHORT_NAMES["浦东新"] = "浦东新区"
# Place names that contain a district's short form but do not mean that district.
_MISLEADING_PLACES = ("黄浦江", "普陀山")
_PINYIN_WORD = re.compile(r"[a-z]+")


def _districts_matching(text: str, names: dict[str, str]) -> set[str]:
    return {canonical for name, canonical in names.items() if name in text}


def validate_district(text: Optional[str]) -> FieldResult:
    """One of Shanghai's 16 districts, from a full name, short form or a sentence naming one."""
    normalised = normalize(text or "")
    if not normalised:
        return _error(f"请告诉我您所在的上海市区，可选：{'、'.join(SHANGHAI_DISTRICTS)}。")
    cleaned = normalised
    for place in _MISLEADING_PLACES:
        cleaned = cleaned.replace(place, "")
    found = _districts_matching(cleaned, _FULL_NAMES) or _districts_matching(cleaned, _SHORT_NAMES)
    if not found:
        words = _PINYIN_WORD.findall(cleaned.lower().replace("'", "").replace("’", ""))
        found = {_PINYIN[word] for word in words if word in _PINYIN}
    if len(found) == 1:
        return _ok(found.pop())
    if len(found) > 1:
        mentioned = "、".join(name for name in SHANGHAI_DISTRICTS if name in found)
        return _error(f"您提到了多个区（{mentioned}），请只告诉我一个：事项发生地或您的居住地所在的区。")
    return _error(
        "本服务受理上海市范围内的事项，没有识别出您所在的上海市区。"
        f"请从以下16个区中选择一个：{'、'.join(SHANGHAI_DISTRICTS)}。"
    )


# --- resident ID number ------------------------------------------------------------------------

_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS: Final = "10X98765432"


def id_check_char(first17: str) -> str:
    """GB 11643-1999 check character for the first 17 digits of an ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK_CHARS[total % 11]


def validate_id_number(text: Optional[str], *, today: Optional[date] = None) -> FieldResult:
    """Optional 18-character resident ID number (birth date and check digit verified)."""
    skipped = _optional_skip(text)
    if skipped:
        return skipped
    raw = _DIGIT_SEPARATORS.sub("", _without_label(to_halfwidth_alnum(text or ""), "身份[证證]([号號][码碼]?)?")).upper()
    example = "如不想提供，可以回复“跳过”。"
    if len(raw) == 15 and raw.isdigit() and raw.isascii():
        return _error("您填写的是15位的旧版身份证号码，请填写18位的第二代居民身份证号码，" + example)
    if not re.fullmatch(r"[0-9]{17}[0-9X]", raw):
        if len(raw) != 18:
            return _error(f"居民身份证号码应为18位（您填写了 {len(raw)} 位），前17位是数字，最后一位是数字或字母X，" + example)
        return _error("居民身份证号码的前17位应为数字，最后一位是数字或字母X，" + example)
    try:
        birth = date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
    except ValueError:
        return _error("身份证号码中的出生日期（第7到14位）不是有效日期，请核对后重新填写，" + example)
    if birth.year < 1900 or birth > (today or date.today()):
        return _error("身份证号码中的出生日期（第7到14位）不合理，请核对后重新填写，" + example)
    if id_check_char(raw[:17]) != raw[17]:
        return _error("身份证号码的校验位（最后一位）与前17位不符，可能有数字输错了，请核对后重新填写，" + example)
    return _ok(raw)


# --- e-mail ------------------------------------------------------------------------------------

_EMAIL = re.compile(f"^{EMAIL_PATTERN}$")


def validate_email(text: Optional[str]) -> FieldResult:
    """Optional e-mail address: ``name@domain.tld``; the domain is lower-cased."""
    skipped = _optional_skip(text)
    if skipped:
        return skipped
    raw = _without_label(ascii_contact_text(text or "").strip(), "([电電]子)?[邮郵]箱(地址)?|[邮郵]件地址|e-?mail")
    expected = "请填写形如 name@example.com 的电子邮箱地址，如不想提供，可以回复“跳过”。"
    if " " in raw or raw.count("@") != 1:
        return _error("邮箱地址应包含且只包含一个 @，且不能有空格。" + expected)
    if len(raw) > EMAIL_MAX or not _EMAIL.match(raw) or ".." in raw or raw.startswith("."):
        return _error("这个邮箱地址的格式不正确。" + expected)
    local, domain = raw.split("@")
    if local.endswith("."):
        return _error("这个邮箱地址的格式不正确。" + expected)
    return _ok(f"{local}@{domain.lower()}")


# --- name --------------------------------------------------------------------------------------

_NAME_ALLOWED = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z·•・.' \-]+$")
_URL_HINT = re.compile(r"https?|www\.|\.(?:com|cn|net|org)\b", re.IGNORECASE)


def _light_clean(text: Optional[str]) -> str:
    """NFC, half-width letters and digits, no control characters, single spaces; no t2s conversion."""
    return clean_whitespace(to_halfwidth_alnum(unicodedata.normalize("NFC", text or "")))


def validate_name(text: Optional[str]) -> FieldResult:
    """1–30 characters of Chinese or Latin letters (· and - allowed); no digits, links or markup.

    Traditional characters are kept as typed: a person's name is not converted.
    """
    name = _light_clean(text)
    if not name:
        return _error("请填写您的姓名。")
    if len(name) > NAME_MAX:
        return _error(f"姓名最多 {NAME_MAX} 个字（您填写了 {len(name)} 个字），请只填写姓名。")
    if any(char.isdigit() for char in name):
        return _error("姓名中不能包含数字，请只填写您的姓名，例如：张三。")
    if _URL_HINT.search(name) or any(char in name for char in "<>/:@&;=\\{}[]"):
        return _error("姓名中不能包含网址、符号或标记，请只填写您的姓名，例如：张三。")
    if not _NAME_ALLOWED.match(name):
        return _error("姓名只能包含汉字或字母（少数民族姓名可使用间隔号“·”），请重新填写，例如：张三。")
    return _ok(name)


# --- address, title, long texts ----------------------------------------------------------------

_CONTROL_EXCEPT_NEWLINE = re.compile(r"[\u0000-\u0009\u000b-\u001f\u007f\u200b-\u200f\u2028-\u202e\ufeff]")
_SPACES = re.compile(r"[ \t\u3000\u00a0]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def clean_multiline(text: Optional[str]) -> str:
    """Keep paragraphs (single blank lines) but drop control characters and stray spaces."""
    value = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n")
    value = _SPACES.sub(" ", _CONTROL_EXCEPT_NEWLINE.sub("", value.replace("\t", " ")))
    lines = [line.strip() for line in value.split("\n")]
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()


def _length_error(what: str, given: int, minimum: int, maximum: int, hint: str) -> Optional[str]:
    if given < minimum:
        return f"{what}需要 {minimum} 至 {maximum} 个字，您填写了 {given} 个字，{hint}"
    if given > maximum:
        return f"{what}最多 {maximum} 个字，您填写了 {given} 个字，请精简后再提交。"
    return None


def validate_address(text: Optional[str]) -> FieldResult:
    """Address of 5–200 characters (after trimming)."""
    address = _light_clean(text)
    error = _length_error("地址", len(address), ADDRESS_MIN, ADDRESS_MAX, "请填写到街道、门牌号，例如：漕溪北路100弄2号。")
    return _error(error) if error else _ok(address)


def validate_title(text: Optional[str]) -> FieldResult:
    """Suggestion title of 4–30 characters (after trimming)."""
    title = _light_clean(text)
    error = _length_error("建议标题", len(title), TITLE_MIN, TITLE_MAX, "请用一句话概括您的建议，例如：增设社区老年食堂。")
    return _error(error) if error else _ok(title)


def _validate_long_text(text: Optional[str], what: str, hint: str) -> FieldResult:
    value = clean_multiline(text)
    error = _length_error(what, len(value), TEXT_MIN, TEXT_MAX, hint)
    return _error(error) if error else _ok(value)


def validate_petition_content(text: Optional[str]) -> FieldResult:
    """事项内容: 15–2000 characters."""
    return _validate_long_text(text, "事项内容", "请具体说明事情的经过：时间、地点、涉及的单位或人员。")


def validate_request(text: Optional[str]) -> FieldResult:
    """诉求: 15–2000 characters."""
    return _validate_long_text(text, "诉求", "请具体说明您希望有关部门如何处理。")


def validate_suggestion_content(text: Optional[str]) -> FieldResult:
    """建议内容: 15–2000 characters."""
    return _validate_long_text(text, "建议内容", "请具体说明现状、问题和您的建议。")
