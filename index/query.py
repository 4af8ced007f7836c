"""What to search for in a citizen's message, and what kind of answer it wants.

Citizens often tell their story first and ask last ("我家楼下饭店油烟很大，找了物业没用……现在该怎么
办？"). Scored as a whole, the story's details drown the question: BM25's coverage and the
embedding both average over every clause. The message is therefore also searched by its *focus*,
the sentence that asks, and each passage keeps the better of the two scores.

Many citizens here write as they speak, in Shanghainese (阿拉、伊拉、啥辰光、伐、哪能) or Mandarin
colloquialisms (咋). The embedding model and the documents know Mandarin only, so the message is
searched in Mandarin words (:func:`in_mandarin`); the citizen's own words are what is stored and
shown.
"""
from __future__ import annotations

import re

_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;\n]*")
_ASKS = re.compile(r"[?？]|吗|呢|怎么|怎样|如何|哪|什么|啥|多久|多长|多少|几|是否|能否|能不能|可不可以|会不会|有没有|要不要|咋|伐")
# Shanghainese and colloquial words -> Mandarin, longest first. Each pattern is narrow enough not to
# touch Mandarin words (阿拉伯, 伊拉克, 采伐, 请勿).
_MANDARIN = [(re.compile(pattern), mandarin) for pattern, mandarin in (
    (r"啥辰光|啥时光", "什么时候"), (r"辰光", "时候"), (r"阿拉(?!伯)", "我们"), (r"伊拉(?!克)", "他们"),
    (r"哪能", "怎么"), (r"事体", "事情"), (r"晓得", "知道"), (r"覅", "不要"), (r"里厢", "里面"),
    (r"一道(?=去|来|走|反映|上访|信访)", "一起"), (r"(?<![请切])勿", "不"), (r"搿", "这"),
    (r"侬", "你"), (r"咋", "怎么"), (r"啥", "什么"),
    (r"(?<![采砍征讨杀步])伐(?=[\s，,。.？?！!]|$)", "吗"),
)]
# English words citizens mix in ("petition 受理之后要多久 finish？", "citizen hotline number"), in
# the documents' words. Other Latin-letter words in a mostly Chinese message are dropped (a
# stray "DELETE FROM submissions WHERE" says nothing the documents say); names people write in
# Latin letters (APP, WeChat, email) are kept, and so is every Latin word of a message that has
# neither English words nor code marks ("拍完CT多久复查一次": CT says it is about a hospital).
_ENGLISH = [(re.compile(rf"(?<![A-Za-z]){pattern}(?![A-Za-z])", re.IGNORECASE), chinese) for pattern, chinese in (
    (r"how long", "多久"), (r"how to|how do i|how can i", "怎么"), (r"petitions?|petitioning", "信访"),
    (r"complaints?|complain", "投诉"), (r"suggestions?|proposals?", "建议"), (r"hotlines?", "热线"),
    (r"citizens?", "市民"), (r"phone numbers?|numbers?", "号码"), (r"phone|call", "电话"),
    (r"finish(ed)?|done|completed?", "办完"), (r"deadlines?|time limits?", "期限"), (r"foreigners?", "外国人"),
    (r"online", "网上"), (r"anonymous(ly)?", "匿名"), (r"emergency", "紧急"), (r"reply|response", "答复"),
)]
_LATIN_WORD = re.compile(r"(?<![A-Za-z])[A-Za-z][A-Za-z'_-]*")
_KEPT_LATIN = frozenset({"app", "apps", "email", "e-mail", "wechat", "pdf", "ok"})
_CODE_MARKS = re.compile(r"['\"`;=<>*{}\[\]|\\]+")
_HAN = re.compile(r"[\u3400-\u9fff]")
# A message needs this many Chinese characters before its other Latin words are dropped.
MIN_HAN_TO_DROP_LATIN = 4
# A message shorter than this is its own focus.
MIN_STORY_CHARS = 24


def question_focus(text: str) -> str | None:
    """The sentence of a longer message that asks (the last one that does), or None when the
    message is short or is that one sentence itself."""
    if len(text) < MIN_STORY_CHARS:
        return None
    sentences = [s.strip() for s in _SENTENCE.findall(text) if s.strip()]
    if len(sentences) < 2:
        return None
    asking = [s for s in sentences if _ASKS.search(s)]
    focus = asking[-1] if asking else sentences[-1]
    if len(focus) < 12 and len(sentences) >= 2:  # "怎么办？" alone says too little: take the sentence before too
        position = sentences.index(focus)
        focus = "".join(sentences[max(0, position - 1): position + 1])
    return focus if focus != text else None


def in_mandarin(text: str) -> str:
    """``text`` with Shanghainese, colloquial and common English words in Mandarin, and other
    Latin-letter words and code marks dropped from a mostly Chinese message (what the search
    looks for)."""
    for pattern, mandarin in _MANDARIN:
        text = pattern.sub(mandarin, text)
    if not _LATIN_WORD.search(text):
        return text
    translated = text
    for pattern, chinese in _ENGLISH:
        translated = pattern.sub(chinese, translated)
    # An acronym alone ("拍完CT多久复查一次") is kept: it is what tells another subject apart.
    mixed = translated != text or bool(_CODE_MARKS.search(text))
    text = translated
    if mixed and len(_HAN.findall(text)) >= MIN_HAN_TO_DROP_LATIN:
        text = _LATIN_WORD.sub(lambda word: word.group(0) if word.group(0).lower() in _KEPT_LATIN else " ", text)
        text = re.sub(r"\s{2,}", " ", _CODE_MARKS.sub(" ", text)).strip()
    return text


# A question after a number (how many days, which number, when) is answered by a text with one.
_NUMBER_QUESTION = re.compile(r"多少|几[天日个人名年月号点位]|多久|多长|号码|电话|热线|期限|时限|哪天|哪一天|哪年|什么时候|何时|截止")
_HAS_NUMBER = re.compile(r"\d|[一二三四五六七八九十百两]+(日|天|年|个月|个工作日|周|小时|人|名|号)")


def asks_for_number(text: str) -> bool:
    return bool(_NUMBER_QUESTION.search(text))


def states_number(text: str) -> bool:
    return bool(_HAS_NUMBER.search(text))
