"""A synthetic set of submissions with known recurring problems, for measuring the grouping.

Each topic is one recurring problem written in many citizens' words: several ways of stating the
problem, details, how long it has lasted and what is asked, mixed with openings every topic shares
(so the wording is not a giveaway) and spread over districts and months. The seed fixes the set.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from submissions.validation import SHANGHAI_DISTRICTS
from submissions.workflow import Kind

SEED = 20240613
PER_TOPIC = 40


@dataclass(frozen=True)
class Topic:
    name: str
    kind: Kind
    problems: tuple[str, ...]
    details: tuple[str, ...]
    requests: tuple[str, ...]
    titles: tuple[str, ...] = ()


TOPICS: tuple[Topic, ...] = (
    Topic("餐馆油烟", Kind.PETITION,
          ("楼下的饭店每天排放大量油烟，家里窗户都不敢开", "小区底商的餐馆油烟直排，熏得整栋楼都是油味",
           "附近烧烤店晚上油烟很重，呛得老人孩子咳嗽", "隔壁新开的餐厅抽油烟机对着我家窗户排烟",
           "沿街小吃店的油烟和气味严重影响居民生活"),
          ("油烟机也没有装净化设备", "衣服晾在外面都是油味", "排烟管道就在居民楼外墙上", "晚上十一点还在排油烟"),
          ("请环保部门督促餐馆安装油烟净化器", "希望有关部门查处餐饮油烟直排", "要求饭店整改排烟管道，不要对着住户")),
    Topic("拖欠工资", Kind.PETITION,
          ("公司已经拖欠我们工资三个月了，老板一直说没钱", "我在工地干活，包工头拖欠工钱不给",
           "单位欠薪半年，多次讨要都没有结果", "装修公司不发工资，几十个工人的血汗钱拿不到",
           "工厂停工后拖欠员工的工资和加班费"),
          ("劳动合同也没有签", "找老板讨薪他就躲着不见", "快过年了家里等着这笔钱", "我们有考勤记录和工资条"),
          ("请劳动监察部门帮我们追讨欠薪", "要求公司尽快足额支付拖欠的工资", "希望政府督促包工头结清工钱")),
    Topic("小区停车", Kind.PETITION,
          ("小区里车位太少，晚上回家根本找不到地方停车", "小区消防通道被私家车占满，停车秩序混乱",
           "物业把公共区域划成车位高价出租，业主停车难", "外来车辆随意进入小区乱停乱放",
           "小区门口道路两边停满了车，救护车都进不来"),
          ("有时候只能停到几公里外", "每天晚上为了停车吵架", "消防车进不来很危险", "物业收了停车费却不管理"),
          ("请相关部门规范小区停车管理", "希望增加停车位并清理占用消防通道的车辆", "要求物业公开停车收费标准")),
    Topic("夜间施工噪声", Kind.PETITION,
          ("附近工地每天深夜还在施工，打桩机噪音吵得睡不着", "地铁工地夜里施工，机器轰鸣一直到凌晨",
           "旁边楼盘工地半夜浇筑混凝土，噪声特别大", "道路施工通宵作业，搅拌车来回开很吵",
           "工地晚上十点以后仍然在敲敲打打"),
          ("孩子第二天还要上学", "老人心脏不好被吵得难受", "打电话给工地没人理", "已经持续了好几个星期"),
          ("请城管部门查处夜间违规施工", "要求工地晚上停止高噪声作业", "希望核查工地有没有夜间施工许可")),
    Topic("加装电梯", Kind.SUGGESTION,
          ("老小区没有电梯，老人上下楼非常困难", "六层的老公房住了很多老人，爬楼太辛苦",
           "我们楼想加装电梯，但是审批手续太复杂", "加装电梯一楼住户不同意，工作推不下去",
           "老旧多层住宅加装电梯的补贴政策不清楚"),
          ("腿脚不便的老人一年都下不了几次楼", "很多楼组已经签了意见书", "费用分摊没有统一标准", "希望街道出面协调"),
          ("建议简化老旧小区加装电梯的审批流程", "建议提高加装电梯的财政补贴", "建议街道设立加装电梯协调服务窗口"),
          ("老旧小区加装电梯", "简化加装电梯审批", "加快老公房加装电梯")),
    Topic("物业服务", Kind.PETITION,
          ("小区物业服务太差，垃圾不清运，绿化也没人管", "物业费年年涨，服务却越来越差",
           "物业公司不履行合同，门禁坏了几个月不修", "业委会和物业勾结，维修资金使用不公开",
           "物业保安形同虚设，小区里电动车经常被偷"),
          ("业主多次投诉物业都不理", "公共收益账目从来不公示", "楼道灯坏了也不修", "物业经理态度很恶劣"),
          ("请房管部门督促物业整改", "要求公开物业费和公共收益的账目", "希望支持业主依法更换物业公司")),
    Topic("学龄入学", Kind.PETITION,
          ("孩子今年上小学，户口在这里却被分到很远的学校", "对口学校学位不够，孩子入学被统筹到别的区",
           "随迁子女入学材料要求太多，积分不够上不了公办学校", "学区划分年年变，买房时承诺的对口学校没了",
           "幼儿园招生名额太少，孩子排不上队"),
          ("每天接送要一个多小时", "我们是长期居住在本区的", "咨询教育局一直没有答复", "材料都已经按要求准备好了"),
          ("请教育部门合理安排就近入学", "希望公开学区划分和学位分配的依据", "要求解决随迁子女在本地入学问题")),
    Topic("医保报销", Kind.PETITION,
          ("在外地住院的医药费回来报销不了", "医保异地结算手续繁琐，跑了好几趟都没办成",
           "门诊大病的药费医保报销比例太低", "医院说这个药不在医保目录里，要全部自费",
           "退休后医保关系转不过来，看病不能报销"),
          ("自费花了好几万元", "家里老人长期吃药负担很重", "窗口让我们回参保地办", "材料交上去两个月没有消息"),
          ("请医保部门帮忙办理报销", "希望简化医保异地就医的报销手续", "要求解释为什么不能报销")),
    Topic("公交线路", Kind.SUGGESTION,
          ("我们小区附近没有公交车站，出行很不方便", "这条公交线路班次太少，早高峰要等半个小时",
           "新建的大型社区没有公交线路通到地铁站", "公交末班车太早，下晚班的人回不了家",
           "公交线路调整后老人去医院要换乘两次"),
          ("很多上班族只能打车", "附近还有一所学校和一家医院", "周边几万居民都有这个需求", "等车的时候没有候车亭"),
          ("建议增设公交站点并加密班次", "建议开通社区到地铁站的接驳巴士", "建议延长公交末班车时间"),
          ("增设社区公交线路", "加密早高峰公交班次", "开通地铁接驳公交")),
    Topic("垃圾站臭味", Kind.PETITION,
          ("小区垃圾房夏天臭气熏天，苍蝇蚊子特别多", "垃圾中转站就建在居民楼旁边，味道很难闻",
           "湿垃圾桶不按时清运，满地都是污水", "垃圾分类投放点离窗户太近，每天闻臭味",
           "垃圾压缩站运转时噪声和臭味都很大"),
          ("窗户一年四季都不敢打开", "老人孩子经常闻了恶心", "清运车每天凌晨来很吵", "向居委会反映过多次"),
          ("请有关部门迁移垃圾站", "要求每天按时清运垃圾并清洗消毒", "希望给垃圾房加装除臭设备")),
    Topic("违章搭建", Kind.PETITION,
          ("楼上邻居在屋顶违章搭建了阳光房", "一楼住户私自扩建院子，占用了小区绿地",
           "有人在小区里违法加盖房子，影响采光", "邻居破坏承重墙改造房屋，担心楼房安全",
           "小区里有人违建彩钢板房用来出租"),
          ("已经向城管举报过但一直没拆", "我们家的采光和通风受到影响", "施工时漏水到我们家", "其他业主也很有意见"),
          ("请城管部门依法拆除违法建筑", "要求责令邻居恢复原状", "希望尽快查处小区内的违章搭建")),
    Topic("老年助餐", Kind.SUGGESTION,
          ("社区里独居老人很多，吃饭是个大问题", "附近没有老年食堂，老人只能自己凑合做饭",
           "社区长者食堂数量太少，排队时间长", "行动不便的老人希望能有送餐上门服务",
           "老年助餐点的饭菜价格偏高，老人负担不起"),
          ("子女都在外地工作", "很多老人吃剩饭剩菜", "现有助餐点离小区太远", "老人们都很期待"),
          ("建议每个街道增设社区老年食堂", "建议为高龄老人提供助餐送餐服务", "建议对老年助餐给予补贴"),
          ("增设社区老年食堂", "完善老年人助餐服务", "推广长者食堂送餐上门")),
    Topic("共享单车乱停", Kind.SUGGESTION,
          ("地铁站门口共享单车堆成山，行人都走不过去", "共享单车乱停乱放占用盲道和人行道",
           "小区门口每天堆满共享单车，车都开不出去", "废旧共享单车长期堆放没人清理",
           "共享电动自行车在路边随意停放影响交通"),
          ("早晚高峰特别严重", "盲人出行很危险", "企业的运维人员很少来整理", "有的车已经坏了很久"),
          ("建议划定共享单车停放区域并加强管理", "建议督促企业及时清理乱停车辆", "建议设置电子围栏规范停放"),
          ("规范共享单车停放", "治理地铁站单车乱停", "设置单车电子围栏")),
    Topic("房屋漏水", Kind.PETITION,
          ("楼上卫生间漏水，我家天花板渗水发霉", "新买的商品房外墙渗水，开发商不给修",
           "顶楼屋面漏水，一下雨家里就要拿盆接水", "邻居家水管爆裂，把我家的地板泡坏了",
           "房子还在保修期内，漏水问题一直得不到维修"),
          ("墙皮大片脱落", "找物业和开发商互相推诿", "申请维修资金手续太难", "已经漏了一年多"),
          ("请房管部门督促开发商维修", "要求楼上住户赔偿损失并修好防水", "希望协调动用维修资金修屋面")),
)

OPENINGS = ("", "您好，", "你好，我想反映一个问题：", "我是这里的老住户，", "本人反映情况如下：",
            "打扰了，", "想请政府帮忙解决一件事。", "我们很多居民都有这个烦恼，")
DURATIONS = ("这种情况已经持续三个月了。", "快半年了一直没有解决。", "从去年开始就这样。", "最近一个月越来越严重。", "")
CONTACTS = ("", "", "", "", "我叫王建国，电话13812345678。", "联系电话：139 1234 5678。")


@dataclass(frozen=True)
class SyntheticCase:
    topic: int  # index into TOPICS: the known group
    kind: Kind
    district: str
    created_at: datetime
    title: str | None
    content: str
    request: str | None


def generate(per_topic: int = PER_TOPIC, seed: int = SEED, months: int = 6,
             now: datetime | None = None) -> list[SyntheticCase]:
    """``per_topic`` cases for every topic (14 topics: 560 by default), over the last ``months`` months."""
    rng = random.Random(seed)
    now = now or datetime(2026, 6, 15, 12, tzinfo=timezone.utc)
    cases: list[SyntheticCase] = []
    for number, topic in enumerate(TOPICS):
        for _ in range(per_topic):
            content = (rng.choice(OPENINGS) + rng.choice(topic.problems) + "，" + rng.choice(topic.details) + "。"
                       + rng.choice(DURATIONS) + rng.choice(CONTACTS))
            request = rng.choice(topic.requests) + "。"
            if topic.kind is Kind.SUGGESTION:
                content, request, title = content + request, None, rng.choice(topic.titles)
            else:
                title = None
            created = now - timedelta(days=rng.uniform(0, 30.4 * months), minutes=rng.randrange(1440))
            cases.append(SyntheticCase(number, topic.kind, rng.choice(SHANGHAI_DISTRICTS), created, title, content, request))
    rng.shuffle(cases)
    return cases
