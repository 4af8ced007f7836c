"""Turning the best hit into what the assistant says: the answering sentences and the source line."""
from __future__ import annotations

from core.settings import Settings, settings as default_settings
from core.textnorm import normalize

from .chunking import join_sentences
from .encoder import get_encoder
from .keywords import tokenize
from .searcher import Hit

MAX_ANSWER_CHARS = 180
MAX_ANSWER_SENTENCES = 3
KEYWORD_WEIGHT = 0.5
# A further sentence joins the answer when its score is within this margin of the best one.
KEEP_MARGIN = 0.05


def _keyword_overlap(query_tokens: set[str], sentence: str) -> float:
    """Share of the query's keywords (weighted by length: longer words say more) in the sentence."""
    if not query_tokens:
        return 0.0
    sentence_tokens = set(tokenize(sentence))
    total = sum(len(t) for t in query_tokens)
    return sum(len(t) for t in query_tokens & sentence_tokens) / total


def _truncate(sentence: str, max_chars: int) -> str:
    """Cut at the last clause mark that fits, so the answer never stops mid-word."""
    if len(sentence) <= max_chars:
        return sentence
    head = sentence[: max_chars - 1]
    cut = max(head.rfind(mark) for mark in "；，、：")
    return (head[:cut] if cut > max_chars // 2 else head) + "……"


def extract_answer(query: str, hit: Hit, *, max_chars: int = MAX_ANSWER_CHARS, cfg: Settings | None = None) -> str:
    """The 1-3 sentences of the hit's passage that answer the query, in their original order.

    Each sentence is scored by embedding similarity to the query plus keyword overlap; the best
    one is always kept, others join while they score close to it and the answer stays within
    ``max_chars`` characters.
    """
    sentences = list(hit.sentences)
    if len(sentences) <= 1:
        return _truncate(hit.text, max_chars)
    cfg = cfg or default_settings()
    text = normalize(query, cfg.max_input_chars)
    encoder = get_encoder(cfg.embedding_model)
    similarity = encoder.encode(sentences) @ encoder.encode_query(text)
    query_tokens = set(tokenize(text))
    scores = [float(s) + KEYWORD_WEIGHT * _keyword_overlap(query_tokens, sentence)
              for s, sentence in zip(similarity, sentences)]
    ranked = sorted(range(len(sentences)), key=lambda i: -scores[i])
    best = ranked[0]
    chosen = {best}
    length = len(sentences[best])
    for i in ranked[1:]:
        if len(chosen) == MAX_ANSWER_SENTENCES or scores[i] < scores[best] - KEEP_MARGIN:
            break
        if length + len(sentences[i]) <= max_chars:
            chosen.add(i)
            length += len(sentences[i])
    return _truncate(join_sentences([sentences[i] for i in sorted(chosen)]), max_chars)


def format_citation(hit: Hit) -> str:
    """``来源：《信访工作条例》第三十五条``; without an article, ``来源：《文件名》（发布机关，日期）`` and the url."""
    if hit.citation:
        return f"来源：{hit.citation}"
    details = "，".join(part for part in (hit.issuer, hit.date) if part)
    line = f"来源：《{hit.source}》" + (f"（{details}）" if details else "")
    return f"{line} {hit.url}" if hit.url else line
