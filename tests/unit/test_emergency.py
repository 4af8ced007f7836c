"""The phrases that force the emergency intent (bot/emergency.py): danger now, not a story or a question."""
from __future__ import annotations

import pytest

from bot.emergency import is_emergency, is_self_harm
from core.textnorm import normalize


@pytest.mark.parametrize(
    "text",
    [
        "有人打架受伤了",
        "楼道里着火了",
        "我爸突然倒在地上叫不醒了",
        "我妈晕过去了，怎么办",
        "老人抽搐口吐白沫",
        "他没有心跳了",
        "我爸心脏病发作了",
        "孩子喝了农药",
        "有人触电了",
        "我家有人煤气中毒了",
        "家裡著火了",  # Traditional, normalised first
        "我真的撑不下去了，今晚就想从楼顶跳下去",
        "活着没意思，药我都准备好了",
        "去年就不想活了，现在更想死",  # thoughts of self-harm count whatever the tense
        "我爸上个月做了手术，刚才突然晕倒了叫不醒",  # a past event, and danger now
        "河边有个小孩掉进水里了，在水里扑腾",
        "仓库冒烟了，火苗已经窜出来了",
        "隔壁厨房冒黑烟了",
        "路口两辆车撞了，有个人躺在地上一动不动",
        "我妈在小区门口被车撞了",
        "厨房燃气管子在嘶嘶漏气，满屋子都是味儿，怎么办",
        "家里漏煤气了",
        "我5岁的女儿在商场里走丢了，找了半个小时都没找到",
        "孩子不见了，到处都找不到",
        "对门的小王站在阳台栏杆外面，喊着要跳下去",
        "我爸爸突然胸口劇痛、滿頭大汗，現在說不出話來",  # Traditional, normalised first
        "奶奶嘴歪了，半边身子动不了",
    ],
)
def test_danger_now_is_an_emergency(text: str) -> None:
    assert is_emergency(normalize(text)), text


@pytest.mark.parametrize(
    "text",
    [
        "我要投诉急救车来得太慢",
        "上次我爸中风了救护车来得太慢，我想投诉",
        "信访事项多久能办完？",
        "消防通道被占了可以向哪里反映",
        "我反映的问题一直没人管，怎么办",
        "去年楼下饭店着火了，把我家熏坏了，饭店到现在不赔钱，能不能信访要赔偿",
        "三年前我在菜场被人打了，派出所一直没给处理结果",
        "上个月我爸心脏病发作住院了，拆迁补偿不合理可以信访吗",
        "前年小区发生过燃气泄漏，我想提一个改造管道的建议",
        "上个月我爸突然心脏病发作住院了，拆迁补偿不合理可以信访吗",
        "去年我被车撞了，肇事方一直不赔，可以信访吗",
        "楼下烧烤店油烟太大，我想反映",
        "小区消防通道被车堵死了，万一起火怎么办",
        "我妈的信访材料找不到了，能补交吗",
        "孩子的户口本丢了去哪补办",
        "燃气公司收费不合理，我想投诉",
        "前年我女儿在商场走丢过一次，商场广播不管用，我想提个建议",
        "去年我爸胸口剧痛送医，医院耽误了治疗，我想投诉",
    ],
)
def test_questions_and_past_events_are_not(text: str) -> None:
    assert not is_emergency(normalize(text)), text


def test_self_harm_is_told_apart() -> None:
    assert is_self_harm(normalize("我不想活了"))
    assert not is_self_harm(normalize("楼道里着火了"))
