"""Phrases that can only mean "danger now": the emergency intent is forced when one is present.

Kept apart from the NLU component (:mod:`bot.nlu.emergency_guard`), which imports Rasa and
TensorFlow: the action server checks the same phrases (:mod:`bot.actions.routing`) without them.
"""
from __future__ import annotations

import re

EMERGENCY_INTENT = "emergency"

# Danger to others or to the body: fire, violence, medical collapse, poisoning, gas, people trapped.
# Not forced when the message tells it as a past event ("去年楼下饭店着火了，……能信访要赔偿吗"):
# that is a petition story, and the classifier still decides whether it is an emergency.
DANGER_PATTERNS: tuple[str, ...] = (
    r"(着|著|起|失)火(了|啦)|火灾|烧起来了|火苗|冒(黑|浓)?烟了|(浓|黑)烟(滚滚|很大)",
    r"救命",
    r"(有人|正在|在)(打架|斗殴|打人|行凶|砍人|捅人|杀人)",
    r"(拿|持)(刀|枪|棍)",
    r"(晕倒|昏迷|没有?呼吸|心脏骤停|大出血|流了很多血)",
    r"(叫不醒|不省人事|(昏|晕)过去了|抽搐|口吐白沫|没有?心跳|没气了|呼吸困难|心脏病(发作|犯了))",
    r"(胸口|胸部|心口)(剧痛|绞痛|疼得厉害|痛得厉害)|说不出话(来)?了?|(嘴|口眼)歪了|半边身子(不能动|动不了|发麻)",
    r"(喝|吃)了(农药|老鼠药|敌敌畏|百草枯|很多安眠药|一瓶安眠药)|(中毒|触电)了",
    r"(有人|好多人|孩子|老人|我)(受伤|流血)了",
    r"(煤气|燃气|天然气)[^，。,；;！!？?]{0,4}(泄漏|漏气|漏了|在漏)|漏(煤|燃)?气了|满屋子?都是(煤气|燃气|天然气)?味",
    r"出车祸|被车撞(倒|飞|伤)?了|撞(倒|到|伤)了?人|(躺|倒)在(地上|路上|路边)一动不动|一动不动了",
    r"(被困|困在).{0,4}(电梯|火|水)",
    r"(落水|溺水)|掉(进|到|入)了?(水|河|湖|江|海|井|池塘|水库)",
    r"(家暴|在打我|打我了|被人打了)",
    r"(绑架|被抢走|劫持)",
    # a person lost just now ("我5岁的女儿在商场里走丢了"); not lost papers ("我妈的材料找不到了")
    r"(孩子|小孩|娃|女儿|儿子|闺女|孙子|孙女|外孙|外孙女|老人|爷爷|奶奶|外公|外婆|老爸|老妈|爸爸|妈妈)"
    r"(在[^，。,；;！!？?]{0,8})?(走丢|走失|丢了|不见了|失踪|找不到了|没找到)",
    r"(闯进|闯入)我家|砸我家",
)
# Thoughts of ending one's life: always forced, whatever the tense.
SELF_HARM_PATTERNS: tuple[str, ...] = (
    r"(跳楼|跳河|轻生|自杀|不想活|活不下去|活着没意思|活着没有意义|想死|不如死了|寻死|了结自己|结束(自己的)?生命)",
    r"(撑不下去了|从.{0,8}跳下去|(要|想)跳下去|割腕|上吊)",
)
_DANGER = re.compile("|".join(f"(?:{p})" for p in DANGER_PATTERNS))
_SELF_HARM = re.compile("|".join(f"(?:{p})" for p in SELF_HARM_PATTERNS))
# A time well in the past: "去年", "上个月", "三年前", "那次".
_PAST_EVENT = re.compile(
    r"去年|前年|上个?月|上上个?月|上周|上星期|上礼拜|当年|那年|那次|那天|曾经"
    r"|([0-9]+|[一二两三四五六七八九十几半]+)(年|个月|个星期|周|天)(以)?前"
)

# ... unless it also says the danger is back now ("上个月做了手术，刚才突然晕倒了"); "到现在" is a story's.
_NOW = re.compile(r"(?<!到)现在|刚才|刚刚|正在|此刻|赶紧|快来")


def is_self_harm(text: str) -> bool:
    """True when the (normalised) text speaks of ending one's own life."""
    return bool(_SELF_HARM.search(text or ""))


def is_emergency(text: str) -> bool:
    """True when the (normalised) text describes danger happening now (or thoughts of self-harm)."""
    text = text or ""
    if is_self_harm(text):
        return True
    return bool(_DANGER.search(text)) and (not _PAST_EVENT.search(text) or bool(_NOW.search(text)))
