"""Turning a search into what the assistant says: the sentences that answer, their sources, and
questions to ask next. The action server, the staff search preview and ``python -m index search``
all call :func:`answer_question`, so staff see exactly what citizens get.

The answer is drawn from the best document only (never a mix of documents), but from more than
its best passage: passages of that document that rank close to the best one, and for a "what is
…" question the document's opening passage, which usually defines the term. A rule is often split
over sections (the 60-day limit and its 30-day extension), and a citizen asking about it needs both.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.settings import Settings, settings as default_settings
from core.textnorm import normalize

from .chunking import join_sentences
from .encoder import get_encoder
from .keywords import keyword_tokens
from .query import asks_for_number, in_mandarin, states_number
from .searcher import Hit, Searcher, SearchResult

MAX_ANSWER_CHARS = 200
MAX_ANSWER_SENTENCES = 3
KEYWORD_WEIGHT = 0.5
# A further sentence joins the answer when its score is within this margin of the best one.
KEEP_MARGIN = 0.12
# Passages of the best document within this fused-score margin of the best passage are used too.
PASSAGE_MARGIN = 0.15
MAX_PASSAGES = 3
SEARCH_DEPTH = 8
# What a cited answer's source line starts with (the actions recognise a cited reply by it).
CITATION_PREFIX = "来源："
_DEFINITION_QUESTION = re.compile(r"是什么|什么是|什么叫|啥叫|何谓|何为|什么意思|啥意思|指什么|是指|含义|定义|是啥|怎么回事|咋回事|是干什么的|是做什么的")
NUMBER_BONUS = 0.08
# A sentence this similar to one already in the answer says the same thing again (a Shanghai
# section restating the national rule): it is left out. Restatements measure about 0.95 with
# m3e-small, different rules of the same topic at most about 0.85.
REDUNDANT_SIMILARITY = 0.92


@dataclass(frozen=True)
class Answer:
    query: str
    confident: bool
    text: str = ""  # the answering sentences; empty when not confident
    citation: str = ""  # "来源：…"
    related_questions: list[str] = field(default_factory=list)  # other documents, for buttons
    # Typical questions of the closest documents: likely topics, offered even when not confident.
    suggested_questions: list[str] = field(default_factory=list)
    search: SearchResult | None = None

    @property
    def other_subject(self) -> bool:
        """See :attr:`SearchResult.other_subject` (False without a search)."""
        return self.search is not None and self.search.other_subject


def _keyword_overlap(query_tokens: set[str], sentence: str) -> float:
    """Share of the query's keywords (weighted by length: longer words say more) in the sentence."""
    if not query_tokens:
        return 0.0
    sentence_tokens = set(keyword_tokens(sentence))
    total = sum(len(t) for t in query_tokens)
    return sum(len(t) for t in query_tokens & sentence_tokens) / total


def _truncate(sentence: str, max_chars: int) -> str:
    """Cut at the last clause mark that fits, so the answer never stops mid-word."""
    if len(sentence) <= max_chars:
        return sentence
    head = sentence[: max_chars - 1]
    cut = max(head.rfind(mark) for mark in "；，、：")
    return (head[:cut] if cut > max_chars // 2 else head) + "……"


def _position(hit: Hit) -> int:
    """The passage's place in its document (chunk ids end in ``#<n>``)."""
    _, _, number = hit.chunk_id.rpartition("#")
    return int(number) if number.isdigit() else 0


def core_passage(query: str, hits: list[Hit]) -> Hit:
    """The passage the answer is built on: the best hit, unless the question asks for a number
    ("多久", "几天") and the best hit states none while a passage of the same document close to
    it does (the rule with the number, not the rule about the same words)."""
    best = hits[0]
    if asks_for_number(query) and not states_number(best.text):
        for hit in hits[1:]:
            if hit.doc_id == best.doc_id and hit.score >= best.score - PASSAGE_MARGIN and states_number(hit.text):
                return hit
    return best


def answer_passages(query: str, hits: list[Hit]) -> list[Hit]:
    """The passages of the best hit's document that the answer may draw from, in document order:
    the core passage first among equals, then those scoring close to the best."""
    best = hits[0]
    core = core_passage(query, hits)
    same_document = [h for h in hits if h.doc_id == best.doc_id]
    close = [h for h in same_document if h.score >= best.score - PASSAGE_MARGIN]
    chosen = [core, *(h for h in close if h is not core)][:MAX_PASSAGES]
    if _DEFINITION_QUESTION.search(query):
        opening = min(same_document, key=_position)
        if opening not in chosen:
            chosen.append(opening)
    return sorted(chosen, key=_position)


def extract_sentences(query: str, passages: list[Hit], best: Hit, *, max_chars: int = MAX_ANSWER_CHARS,
                      cfg: Settings | None = None) -> tuple[str, list[Hit]]:
    """The sentences that answer ``query`` (normalised and in Mandarin words, as searched:
    :func:`extract_answer` and :func:`answer_question` convert it once) and the passages they came
    from. The answer leads with
    the best passage's most direct sentence (for "how many days", the one with the number; for
    "what is …", the definition), then the others in document order.

    The best passage is the core: whole when it fits in ``max_chars`` (a short section is one
    answer; picking inside it loses "最长为60日加30日"), otherwise its best sentences. Sentences of
    the other passages join while they score close to the best sentence (embedding similarity to
    the query plus keyword overlap) and the answer stays short. A "what is …" question always
    starts with the opening passage's first sentence, which defines the term.
    """
    cfg = cfg or default_settings()
    candidates = [(passage, index, sentence) for passage in passages for index, sentence in enumerate(passage.sentences)]
    if not candidates:
        return _truncate(best.text, max_chars), [best]
    encoder = get_encoder(cfg.embedding_model)
    vectors = encoder.encode_sentences([s for _, _, s in candidates])
    similarity = vectors @ encoder.encode_query(query)
    query_tokens = set(keyword_tokens(query))
    wants_number = asks_for_number(query)
    scores = [float(sim) + KEYWORD_WEIGHT * _keyword_overlap(query_tokens, sentence)
              + (NUMBER_BONUS if wants_number and states_number(sentence) else 0.0)
              for sim, (_, _, sentence) in zip(similarity, candidates)]
    ranked = sorted(range(len(candidates)), key=lambda i: -scores[i])
    in_best = [i for i in range(len(candidates)) if candidates[i][0] is best]
    chosen: set[int] = set()
    definition: int | None = None
    if _DEFINITION_QUESTION.search(query):
        opening = min(passages, key=_position)
        definition = next(i for i in range(len(candidates)) if candidates[i][0] is opening)
        chosen.add(definition)
    if len(best.text) <= max_chars - sum(len(candidates[i][2]) for i in chosen):
        chosen.update(in_best)
    else:
        chosen.add(max(in_best, key=lambda i: scores[i]))
    top = scores[ranked[0]]
    length = sum(len(candidates[i][2]) for i in chosen)
    for i in ranked:
        if len(chosen) >= MAX_ANSWER_SENTENCES + 1 or scores[i] < top - KEEP_MARGIN:
            break
        restates = any(float(vectors[i] @ vectors[j]) >= REDUNDANT_SIMILARITY for j in chosen)
        if i not in chosen and not restates and length + len(candidates[i][2]) <= max_chars:
            chosen.add(i)
            length += len(candidates[i][2])
    in_order = sorted(chosen)  # candidates are in document order already
    used = list(dict.fromkeys(candidates[i][0] for i in in_order))
    lead = definition if definition is not None else max((i for i in in_order if i in in_best), key=lambda i: scores[i])
    ordered = [lead, *(i for i in in_order if i != lead)]
    return _truncate(join_sentences([candidates[i][2] for i in ordered]), max_chars), used


def extract_answer(query: str, hit: Hit, *, max_chars: int = MAX_ANSWER_CHARS, cfg: Settings | None = None) -> str:
    """The sentences of one passage that answer ``query``."""
    return extract_sentences(in_mandarin(normalize(query)), [hit], hit, max_chars=max_chars, cfg=cfg)[0]


def _source(hit: Hit) -> str:
    if hit.citation:
        return hit.citation
    details = "，".join(part for part in (hit.issuer, hit.date) if part)
    line = f"《{hit.source}》" + (f"（{details}）" if details else "")
    return f"{line} {hit.url}" if hit.url else line


def format_citation(*hits: Hit) -> str:
    """``来源：《信访工作条例》第三十五条``; without an article, ``来源：《文件名》（发布机关，日期）`` and
    the url; several passages with different sources are joined with ``；``."""
    return CITATION_PREFIX + "；".join(dict.fromkeys(_source(h) for h in hits))


def reply_text(answer: Answer) -> str:
    """What the citizen reads for a confident answer: the answering sentences, then ``来源：…``.
    The one place the reply is composed (the actions send it; the staff preview shows it)."""
    return f"{answer.text}\n{answer.citation}"


# Without the in-domain model (an index built before it), likely topics are offered only when
# the confidence is at least this share of the threshold.
SUGGESTION_FLOOR = 0.6


def _offers_topics(result: SearchResult) -> bool:
    """Whether a reply may offer likely topics: the message is about petitions and suggestions
    (index/domain.py), however unsure the answer. Another subject or gibberish gets none."""
    if result.in_domain is not None:
        return not result.other_subject
    return result.confidence >= SUGGESTION_FLOOR * result.threshold


def _suggestions(searcher: Searcher, result: SearchResult) -> list[str]:
    if not _offers_topics(result):
        return []
    questions = (q for hit in result.hits[:3] for q in searcher.related_questions(hit, k=1, include_own=True))
    return list(dict.fromkeys(questions))


def answer_question(searcher: Searcher, query: str, *, cfg: Settings | None = None, related: int = 3,
                    k: int = SEARCH_DEPTH, mode: str = "hybrid", threshold: float | None = None) -> Answer:
    """Search (``k`` passages, at least ``SEARCH_DEPTH``), then compose the reply: the answering
    sentences with their sources, or "not sure". ``mode`` and ``threshold`` exist for evaluation
    baselines (see :meth:`Searcher.search`)."""
    result = searcher.search(query, k=max(k, SEARCH_DEPTH), mode=mode, threshold=threshold)
    best = result.best
    if best is None:
        return Answer(result.query, False, suggested_questions=_suggestions(searcher, result), search=result)
    asked = in_mandarin(result.query)
    core = core_passage(asked, result.hits)
    text, used = extract_sentences(asked, answer_passages(asked, result.hits), core, cfg=cfg)
    return Answer(
        result.query,
        True,
        text=text,
        citation=format_citation(*used),
        related_questions=searcher.related_questions(best, k=related) if related > 0 else [],
        suggested_questions=_suggestions(searcher, result),
        search=result,
    )
