"""What each simulated citizen says, drawn from a fixed seed.

A citizen holds one or more conversations in a row, each with a sender id of its own. In each,
the citizen greets, asks a few knowledge questions, files a full suggestion (consent, name, a mobile
number nobody else uses, district, no e-mail, title, content, confirmation), checks its status
with the tracking number the assistant gave, asks a question or two more and says thanks. The
status query's text is only known once the form has ended, so it is a template here.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

SMALL_TALK, KNOWLEDGE, FORM, STATUS = "small talk", "knowledge", "form", "status"
TURN_KINDS = (KNOWLEDGE, SMALL_TALK, FORM, STATUS)
# In a status turn's text, replaced by the tracking number the citizen's form ended with.
TRACKING_PLACEHOLDER = "{tracking_number}"

GREETINGS = ("您好", "你好", "你好，请问在吗", "您好，我想咨询一下")
THANKS = ("谢谢你的帮助", "谢谢", "好的，谢谢", "明白了，谢谢您")
SUGGESTION_OPENINGS = ("我有个建议想提交", "我想提个建议", "我要提人民建议")
# Names the form accepts today. Some other common two-character names (周杰, 孙丽, 马丽, 郑强 …)
# are read as small talk by the NLU and asked for again; that is a form-quality matter, not
# something to time here.
NAMES = ("赵敏", "李雷", "王芳", "张伟", "刘洋", "陈静", "杨帆", "黄磊", "徐静", "朱明", "罗斌", "梁红",
         "谢娜", "王小明", "李秀英", "张建国", "欧阳娜娜")
DISTRICTS = ("黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区",
             "宝山区", "嘉定区", "浦东新区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区")
SUGGESTIONS = (
    ("社区增设长椅", "建议在社区公园步道旁增设长椅，方便老人散步时休息。"),
    ("增加夜间公交班次", "建议延长地铁站接驳公交的末班时间，方便加班的市民夜间回家。"),
    ("老旧小区加装电梯", "建议简化老旧小区加装电梯的审批流程，并公开补贴标准和办理进度。"),
    ("学校周边交通安全", "建议在小学门口上下学时段安排交通协管员，并增设减速带和人行横道。"),
)
STATUS_QUERIES = ("查一下{tracking_number}，手机尾号{last4}", "我想查询{tracking_number}的办理进度，手机后四位{last4}")


@dataclass(frozen=True)
class Turn:
    kind: str
    text: str
    # The last turn of a form: its reply must hold a tracking number.
    ends_form: bool = False


@dataclass(frozen=True)
class CitizenScript:
    sender_id: str
    mobile: str
    turns: tuple[Turn, ...]


def mobile_for(conversation: int, run_tag: int) -> str:
    """A valid mainland mobile number unique to this conversation within this run."""
    return f"1{3 + run_tag % 7}{conversation:09d}"


def conversation_script(
    conversation: int, questions: Sequence[str], seed: int, run_tag: int, sender_prefix: str
) -> CitizenScript:
    """The ``conversation``-th conversation of a run (numbered across all its citizens)."""
    rng = random.Random(f"{seed}:{run_tag}:{conversation}")
    mobile = mobile_for(conversation, run_tag)
    asked = rng.sample(list(questions), k=min(len(questions), rng.randint(3, 5)))
    before_form = rng.randint(1, len(asked) - 1) if len(asked) > 1 else len(asked)
    title, content = rng.choice(SUGGESTIONS)
    form = [rng.choice(SUGGESTION_OPENINGS), "同意", rng.choice(NAMES), mobile, rng.choice(DISTRICTS), "跳过",
            title, content]
    status = rng.choice(STATUS_QUERIES).replace("{last4}", mobile[-4:])
    turns = [
        Turn(SMALL_TALK, rng.choice(GREETINGS)),
        *(Turn(KNOWLEDGE, q) for q in asked[:before_form]),
        *(Turn(FORM, text) for text in form),
        Turn(FORM, "确认", ends_form=True),
        Turn(STATUS, status),
        *(Turn(KNOWLEDGE, q) for q in asked[before_form:]),
        Turn(SMALL_TALK, rng.choice(THANKS)),
    ]
    return CitizenScript(f"{sender_prefix}-{run_tag}-{conversation:04d}", mobile, tuple(turns))


def citizen_scripts(
    citizens: int, conversations_each: int, questions: Sequence[str], seed: int, run_tag: int, sender_prefix: str
) -> list[list[CitizenScript]]:
    """For every citizen, the conversations they hold one after the other."""
    if not questions:
        raise ValueError("no knowledge questions to ask")
    return [[conversation_script(citizen * conversations_each + k, questions, seed, run_tag, sender_prefix)
             for k in range(conversations_each)] for citizen in range(citizens)]
