"""Arbitration between what the classifier heard and what the knowledge base can answer.

The intent classifier is trained on a few hundred sentences; the knowledge base is what staff
publish, and it grows without retraining. So outside a form, a message the classifier files
under "start something" (a petition, a suggestion, a status lookup, the deadline calculator) is
only taken as a command when the citizen clearly asked for it:

* a button payload (``/file_petition``), or
* a command in the words themselves ("我要投诉物业", "帮我查一下进度", a tracking number, a date
  to count from) that is not phrased as a question about the procedure ("想提建议，该走什么渠道？").

Anything else is treated as a question: the knowledge base answers it when it is confident, and
the citizen is offered the form or calculator the classifier had in mind as a button; when the
knowledge base is not sure either, the assistant says so (with that button) rather than opening
a form nobody asked for. See README, "How a message is routed".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Optional

from bot.deadlines import parse_start_date
from core.textnorm import normalize
from submissions.tracking import find_tracking_number

# Intents that start something: the form or calculation each one starts.
COMMAND_INTENTS = ("file_petition", "file_suggestion", "check_status", "ask_deadline")
# Intents with a fixed reply outside a form, unless the message is in fact a question the knowledge
# base answers ("举报人的名字，纪委会帮我保密伐？" was read as bot_challenge, "……还有别的法子不？" as deny).
SMALL_TALK_REPLIES = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thank": "utter_you_are_welcome",
    "bot_challenge": "utter_iamabot",
    "ask_capabilities": "utter_capabilities",
    "deny": "utter_ok_anything_else",
    "stop": "utter_nothing_to_stop",
}
# A question shorter than this (courtesies removed) is small talk, whatever it asks.
MIN_QUESTION_CHARS = 6

_QUESTION = re.compile(
    r"[?？]|吗|怎么|怎样|如何|咋|哪里|哪儿|哪个|哪些|哪种|哪条|什么|啥|多久|多长|多少|几[天日个种条年月]|是否|能否|可否"
    r"|能不能|可不可以|可以不|有没有|要不要|需不需要|该不该|应不应该|行不行"
    r"|还是(?![^，,。？?！!]*吧(?:[。！!，,]|$))"  # "A还是B" asks; "还是帮我提个建议吧" decides
    r"|((?!不)[\u4e00-\u9fff])不\1"  # A-not-A: 收不收, 算不算, 管不管
    r"|(伐|(?<![那这什怎多要])么|莫)[。.!！]?$"  # dialect and spoken question particles at the end: 有规定伐, 交费莫
)
_FILE_VERBS = r"(提交|提出|提|递交|递|写|登记|反映|投诉|举报|控告|检举|信访|上访|走访|建言|申诉|说说|告)"
_FILE_COMMAND = re.compile(
    r"(我|我们|咱|俺)?(要|想|想要|需要|打算|准备|希望|得)(在这里|在这儿|在线|在网上|网上|线上|现在|马上)?"
    r"((给|向|跟|对)[^，,。？?！!]{1,8}?)?" + _FILE_VERBS  # "我想给市里提个建议", "我要向区里反映"
    + r"|(帮|替|给)(我|我们|忙)(在线|在网上|网上|在这里|在这儿|这里|这儿|在此)?(提交|登记|反映|投诉|递|写|提)"
    + r"|(帮|替|给)?(我|我们)?把.{0,12}(递|交|提交|反映|转|送)(上去|给|到)"
    + r"|^(在线|网上)?(提交|登记)(一个|一条|一下|一件)?"
    + r"|^(投诉|举报|信访|上访|提建议|建议|人民建议|我要信访|反映问题)$"
    + r"|^(提|提交|提出)(个|一个|条|一条|点|些)(建议|人民建议)$"
    # "我有个金点子", "我有一条建议想提": someone with something to hand in
    + r"|^(我|我们)?(有|想到)(个|一个|条|一条|几条|些|一些)[^，,。？?！!]{0,12}?(建议|金点子|好点子|点子|想法|主意|意见)"
)
_STATUS_COMMAND = re.compile(
    r"(查|查询|查一下|查查|看看|看一下|问问)(我的|一下|下)?.{0,10}(进度|状态|结果|办理情况|处理情况|办到|到哪)"
    r"|我(之前|以前|上次|前几天|上周|上个月|刚才|昨天)?(的|反映的|提交的|投诉的|提的).{0,12}((办|处理)得怎么?样|怎么?样了|到哪|哪一步|有结果|有回复|有回音|有答复|有消息|受理了|进度|状态)"
    r"|^(查询|查)?(办理)?(进度|状态)$"
)
_RULE_WORDS = re.compile(r"超期|超时|过期|逾期|期限|规定|多久|多长时间|几天|正常|合法|合理|应该|该不该")
# "怎么查进度" asks how; "我的件办得怎么样了" asks about the citizen's own case.
_HOW_TO = re.compile(r"怎么(?!样)|怎样(?!了)|如何|在哪|哪里|去哪|什么方式|什么渠道|什么途径|通过什么")
_COURTESY = re.compile(r"^(你好|您好|hi|hello|哈喽|嗨|喂|请问|谢谢|麻烦问一下|打扰一下|老师|同志)[，,。！!\s]*", re.IGNORECASE)
_PERSON = re.compile(
    r"转人工|人工服务|人工客服|找人工|要人工|接人工|真人|接线员|^(人工|客服|找客服)$"
    r"|(找|联系|要|换|转)(个)?(工作人员|客服|领导|真人|人)(说|谈|聊|沟通|对话|处理)?[。！!]?$"
)
_CALCULATE = re.compile(r"(帮|给|替)(我|忙)(算|计算|推算|数)|算一下|算算|计算一下|帮我看看.{0,6}(哪天|几号)")


class Route(str, Enum):
    """What the assistant does with the message."""

    START = "start"  # start the form or calculation the intent names
    ANSWER = "answer"  # answer from the knowledge base, offering the intent's form as a button


@dataclass(frozen=True)
class Decision:
    route: Route
    reason: str  # for logs and tests: which rule decided


def is_payload(text: str) -> bool:
    """A button's payload (``/file_petition``, ``/check_status{...}``), not typed words."""
    return text.lstrip().startswith("/")


def is_question(normalised: str) -> bool:
    return bool(_QUESTION.search(normalised))


def status_request(normalised: str) -> Optional[str]:
    """Why the (normalised) message asks about the citizen's own case, or None: a tracking number,
    or words like "我之前提交的建议有结果了吗" that are not a question of how to check."""
    if find_tracking_number(normalised):
        return "tracking number"
    if _STATUS_COMMAND.search(normalised) and not _HOW_TO.search(normalised) and not asks_about_the_rules(normalised):
        return "status request"
    return None


def asks_about_the_rules(normalised: str) -> bool:
    """A question whether a case's wait is normal or overdue ("……还没处理结果，这算不算超期？"):
    the rule answers it (the lookup is offered as a button), not the lookup alone."""
    return is_question(normalised) and bool(_RULE_WORDS.search(normalised))


def asks_to_start(intent: str, text: str, today: Optional[date] = None) -> Optional[str]:
    """Why the message is a clear request to start what ``intent`` names, or None when it is not.

    ``today`` anchors relative dates ("昨天") for the deadline calculator.
    """
    if is_payload(text):
        return "button"
    normalised = normalize(text)
    if intent == "check_status":
        return status_request(normalised)
    if intent == "ask_deadline":
        if parse_start_date(normalised, today or date.today()) is not None:
            return "a date to count from"
        if _CALCULATE.search(normalised):
            return "calculation request"
        return None
    if intent in ("file_petition", "file_suggestion"):
        if _FILE_COMMAND.search(normalised) and not is_question(normalised):
            return "filing request"
        return None
    return None


def is_substantive_question(text: str) -> bool:
    """A real question behind a greeting, thanks or a remark about the assistant."""
    normalised = normalize(text)
    while True:
        stripped = _COURTESY.sub("", normalised, count=1)
        if stripped == normalised:
            break
        normalised = stripped
    return len(normalised) >= MIN_QUESTION_CHARS and is_question(normalised)


def asks_for_a_person(text: str) -> bool:
    """An unmistakable request for a person ("转人工", "我要找工作人员"), as opposed to a question
    about staff ("工作人员会不会把我的事说出去？")."""
    return bool(_PERSON.search(normalize(text)))


def decide(intent: str, text: str, today: Optional[date] = None) -> Decision:
    """Start what the intent names only on a clear request; otherwise answer (or say not sure)."""
    why = asks_to_start(intent, text, today) if intent in COMMAND_INTENTS else None
    if why is not None:
        return Decision(Route.START, why)
    return Decision(Route.ANSWER, "question" if is_question(normalize(text)) else "no clear request")
