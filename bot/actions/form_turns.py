"""What a citizen's message means while a form is open.

Inside a form almost everything is an answer: names, numbers, addresses and long descriptions
the classifier was never trained on. Only a few things interrupt: a clear question, a request
for a person, an emergency, a wish to cancel, or a correction of an earlier answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from bot.actions.form_fields import FormField
from core.textnorm import normalize
from submissions.validation import MOBILE_LABELS, is_skip_word, validate_district

# Intents that suspend the form: the assistant handles them, then asks the same question again.
QUESTION_INTENTS = frozenset({"ask_procedure", "ask_deadline"})
CONFIDENT = 0.8
# A long answer to a free-text question is content even when it mentions a question word.
LONG_ANSWER_CHARS = 40

_QUESTION_MARKERS = re.compile(r"[?？]|吗|呢|怎么|怎样|如何|多久|多长|多少|什么|哪|是否|能否|能不能|可不可以|会不会|是不是|要不要|有没有|几天|期限")
# "等一下，我不弄了": a hesitation before the cancel word still cancels.
_CANCEL = re.compile(r"^((等一下|等一等|等等|等会儿?|稍等|哎呀?|唉|嗯|那个?|算了)[，,。.！!\s]*)?(我)?(要)?(还是)?"
                     r"(取消|退出|不填了|不弄了|不办了|不搞了|不写了|算了|放弃|不提交了|不想提交了|不查了|停止|中止)")
_CORRECTION = re.compile(r"修改|更改|改一下|改下|改成|改为|更正|填错|写错|输错|弄错|说错|搞错|记错|打错|重新填|重填")
_INSTEAD = re.compile(r"(?<!不)是(?P<new>[^，,。；;！!？?\s]+?)[，,]?(而)?不是|不是[^，,。；;！!？?]+[，,；;]\s*(而)?是(?P<new_after>[^，,。；;！!？?\s]+)")
_REFUSE = re.compile(r"不同意|不愿意|拒绝|不接受|^(不|否|不行|不要|不可以|no)[。！!.]?$", re.IGNORECASE)
_AGREE = re.compile(r"^(我)?(同意|接受|好的?|可以|是的?|行|嗯+|确认|确定|没问题|yes|ok|agree)", re.IGNORECASE)
_CONFIRM = re.compile(r"^(确认|确定|提交|是的?|对的?|没错|无误|没问题|好的?|可以|行|ok|yes)", re.IGNORECASE)
_NAME_PREFIX = re.compile(r"^(我的?(名字|姓名)(是|叫|为)?|(姓名|名字|称呼)\s*(是|为|叫|:|：)|我(叫|是)|本人(叫|是)?|叫我)\s*")
_NAME_SUFFIX = re.compile(r"[。.!！~～]+$|(就行|就好|即可)$")
# Answers at the name step that are not names: courtesies, yes/no, "don't know".
_NOT_NAMES = frozenset(
    """你好 您好 嗨 哈喽 hello hi 谢谢 谢谢你 多谢 感谢 好 好的 好吧 行 可以 是 是的 对 对的 嗯 嗯嗯 没问题 ok okay yes no
    不 不是 不对 没有 不要 不用 不用了 不知道 不清楚 同意 确认 确定 再见 拜拜 在吗 哦 啊 喂""".split()
)


@dataclass(frozen=True)
class UserTurn:
    text: Text  # as typed (validators and records keep the citizen's own words)
    normalised: Text  # as the models see it (for keyword checks)
    intent: Text
    confidence: float

    @classmethod
    def latest(cls, tracker: Tracker) -> "UserTurn":
        message = tracker.latest_message or {}
        intent = message.get("intent") or {}
        text = message.get("original_text") or message.get("text") or ""
        return cls(text, normalize(text), intent.get("name") or "", float(intent.get("confidence") or 0.0))

    def is_confident(self, *intents: Text) -> bool:
        return self.intent in intents and self.confidence >= CONFIDENT

    @property
    def looks_like_question(self) -> bool:
        return bool(_QUESTION_MARKERS.search(self.normalised))


def is_long_answer(turn: UserTurn, field: Optional[FormField], min_chars: int = 15) -> bool:
    """A message of at least ``min_chars`` characters while the form asks for a long text."""
    return bool(field and field.long_text and len(turn.normalised) >= min_chars)


def wants_to_cancel(turn: UserTurn, field: Optional[FormField]) -> bool:
    if field is not None and field.optional and is_skip_word(turn.text):
        return False  # "不想填" to an optional question skips it; the classifier may hear "stop"
    if is_long_answer(turn, field):  # a description that happens to start with "算了" is still content
        return bool(_CANCEL.match(turn.normalised)) and len(turn.normalised) <= 12
    return bool(_CANCEL.match(turn.normalised)) or turn.is_confident("stop")


def end_form(*own_slots: Text) -> List[EventType]:
    """Events that end a form from its validation, forgetting ``own_slots`` (at least one).

    Forgetting one of the form's own slots is what makes it work: Rasa rejects a run of the form
    whose validation sets no slot but ``requested_slot`` (``FormAction.validate``), and a rejected
    form lets the general rules answer the message instead ("目前没有正在填写的内容").
    """
    if not own_slots:
        raise ValueError("end_form needs at least one of the form's own slots")
    return [*(SlotSet(slot, None) for slot in own_slots), SlotSet("requested_slot", None)]


def interrupts(turn: UserTurn, field: Optional[FormField]) -> bool:
    """Whether the message suspends the form (a question, a person, an emergency)."""
    if turn.intent == "emergency":
        return not is_long_answer(turn, field)
    if turn.is_confident("request_human"):
        return True
    if turn.is_confident(*QUESTION_INTENTS) and turn.looks_like_question:
        return not is_long_answer(turn, field, LONG_ANSWER_CHARS)
    return False


# "这个会公开吗？别人能看到我的名字吗？" asked at any step: answered, then the step asked again.
_PRIVACY = re.compile(r"(会|能|被|要|不会)[^，,。？?]{0,3}(公开|泄露|泄漏|外泄|透露)|隐私|保密|别人.{0,6}(看到|看见|知道)"
                      r"|(名字|姓名|信息|手机号?|身份).{0,6}(看到|看见|知道|被查)")


def asks_about_privacy(turn: UserTurn, field: Optional[FormField]) -> bool:
    """A short question about who sees what the citizen gives (not a long text that mentions it)."""
    return turn.looks_like_question and not is_long_answer(turn, field) and bool(_PRIVACY.search(turn.normalised))


def is_refusal(turn: UserTurn) -> bool:
    return bool(_REFUSE.search(turn.normalised))


def is_agreement(turn: UserTurn) -> bool:
    return bool(_AGREE.match(turn.normalised)) and not is_refusal(turn)


def is_confirmation(turn: UserTurn) -> bool:
    return bool(_CONFIRM.match(turn.normalised)) and not is_refusal(turn)


def is_correction(turn: UserTurn, field: Optional[FormField]) -> bool:
    return not is_long_answer(turn, field) and bool(_CORRECTION.search(turn.normalised))


def field_named(turn: UserTurn, fields: Iterable[FormField]) -> Optional[FormField]:
    """The field the message names ("手机号填错了" -> mobile); the longest matching name wins."""
    best: Optional[FormField] = None
    best_length = 0
    for field in fields:
        for name in field.names:
            if name in turn.normalised and len(name) > best_length:
                best, best_length = field, len(name)
    return best


def value_after_name(turn: UserTurn, field: FormField) -> Optional[Text]:
    """The new value in a correction like "手机号改成13900001111", if the message carries one."""
    text = turn.normalised
    either_way = _INSTEAD.search(text)  # "是静安区不是普陀区", "不是普陀区，是静安区"
    if either_way:
        return either_way.group("new") or either_way.group("new_after")
    for marker in ("改成", "改为", "换成", "应该是", "是", "为", "：", ":"):
        position = text.rfind(marker)
        if position >= 0:
            candidate = text[position + len(marker):].strip(" ，,。")
            if candidate and not any(candidate.startswith(name) for name in field.names):
                return candidate
    return None


# "我叫孙悦，手机13655557777": a mobile number (with its label) said together with the name.
_MOBILE_WITH_NAME = re.compile(
    rf"[，,、;；\s]*(我的)?({MOBILE_LABELS}|[联聯][系繫]方式)?\s*(是|为|為|:|：)?\s*"
    r"(?P<mobile>(\+?86)?[1１][3-9３-９]([\s-]?[0-9０-９]){9})(?![0-9０-９])"
)


def mobile_beside_name(turn: UserTurn) -> Tuple[UserTurn, Optional[Text]]:
    """The turn without a mobile number said beside the name, and that number (or None)."""
    match = _MOBILE_WITH_NAME.search(turn.text)
    if match is None:
        return turn, None
    rest = (turn.text[:match.start()] + turn.text[match.end():]).strip(" ，,、;；。")
    if not rest:
        return turn, None
    return UserTurn(rest, normalize(rest), turn.intent, turn.confidence), match.group("mobile")


def name_in(turn: UserTurn) -> Text:
    """The name a citizen typed at the name step, without "我叫" / "姓名是" around it.

    Kept as typed (a name is not converted to Simplified characters)."""
    text = turn.text.strip()
    text = _NAME_PREFIX.sub("", text, count=1)
    return _NAME_SUFFIX.sub("", text).strip()


def seems_not_a_name(turn: UserTurn) -> bool:
    """At the name step the answer is a name unless it is clearly something else: a question,
    a courtesy or yes/no word, or a district. The classifier is not asked: it has never seen
    most names and reads 周杰 or 吴婷 as "affirm"."""
    name = normalize(name_in(turn))
    if turn.looks_like_question or not name:
        return True
    if name.lower() in _NOT_NAMES:
        return True
    return name.endswith(("区", "县")) and validate_district(name).ok


def is_resumed_after_interruption(events: List[Dict[Text, Any]], form_name: Text) -> bool:
    """True when the form runs again after another action answered the latest message.

    Then the latest message was already handled (a question, a request for a person) and must
    not be read as an answer to the form's question.
    """
    own_actions = {"action_listen", "action_extract_slots", form_name, f"validate_{form_name}"}
    for event in reversed(events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") not in own_actions:
            return True
    return False
