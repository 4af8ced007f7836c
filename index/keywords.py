"""Keyword side of retrieval: jieba tokens (with the project's custom dictionary) and BM25 (bm25s).

The tokenizer is a private ``jieba.Tokenizer`` loaded with ``bot/data/jieba/userdict.txt``, the
same dictionary the Rasa JiebaTokenizer uses, so both see 人民建议征集 or 12345热线 as one word.
Search mode (``cut_for_search``) also emits the dictionary words inside a long word, so a query
saying 建议征集 still meets a passage saying 人民建议征集.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import re
import sys
import threading
from pathlib import Path

import jieba
import numpy as np

from core.settings import PROJECT_ROOT


def _import_bm25s():
    """bm25s without jax. When jax is installed (TensorFlow brings it), bm25s imports it and runs a
    top-k through it at import: about 120 MiB more in every process that searches. Only BM25 scores
    are used here (``get_scores``), never bm25s's top-k, so jax is hidden while bm25s loads (numpy
    backend); a later ``import jax`` elsewhere works as before."""
    if "bm25s" in sys.modules or "jax" in sys.modules:
        import bm25s
        return bm25s
    sys.modules["jax"] = sys.modules["jax.lax"] = None  # type: ignore[assignment] # import -> ImportError
    try:
        import bm25s
    finally:
        del sys.modules["jax"], sys.modules["jax.lax"]
    return bm25s


bm25s = _import_bm25s()

USER_DICT = PROJECT_ROOT / "bot" / "data" / "jieba" / "userdict.txt"
SYNONYMS = PROJECT_ROOT / "bot" / "data" / "jieba" / "synonyms.txt"
# Bump whenever tokenize() changes; with the dictionary's content it forms tokenizer_id().
TOKENIZER_VERSION = "3"

# Function words and question fillers: they carry no topic, and would otherwise let any question
# ("……怎么办？") match any passage.
STOPWORDS = frozenset(
    """
    的 地 得 了 着 过 吗 呢 吧 啊 呀 哦 嘛 么 呗 是 在 有 和 与 及 或 或者 以及 并 并且 而 但 但是 就 都 也 还 又
    我 你 您 他 她 它 我们 你们 他们 她们 咱们 自己 这 那 这个 那个 这些 那些 这样 那样 这种 那种 此 其 该
    怎么 怎么办 怎样 如何 什么 啥 哪 哪些 哪里 哪儿 哪个 为什么 为何 多少 几 是否 是不是 能否 可否 有没有
    请问 请 问 问一下 一下 想 想要 要 需要 可以 能 能不能 可不可以 会 应该 应当 必须 该怎么 知道 了解 咨询
    一个 一些 个 些 把 被 对 对于 向 从 到 给 让 由 于 为 以 将 按 按照 关于 等 等等 谢谢 你好 您好 老师 同志
    """.split()
)
_TOKEN_CHARS = re.compile(r"[0-9a-zA-Z\u3400-\u9fff]")
_HAN_WORD = re.compile(r"^[\u3400-\u9fff]+$")

_tokenizer_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def _jieba() -> jieba.Tokenizer:
    global _tokenizer
    with _tokenizer_lock:
        if _tokenizer is None:
            logging.getLogger("jieba").setLevel(logging.WARNING)
            logging.getLogger("bm25s").setLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            if USER_DICT.is_file():
                tokenizer.load_userdict(str(USER_DICT))
            tokenizer.initialize()
            _tokenizer = tokenizer
        return _tokenizer


def tokenizer_id() -> str:
    """Identifies the keyword tokens: an index built with other tokens (another dictionary, other
    synonyms) must be rebuilt."""
    digest = hashlib.sha256()
    for path in (USER_DICT, SYNONYMS):
        digest.update(path.read_bytes() if path.is_file() else b"")
    return f"{TOKENIZER_VERSION}-{digest.hexdigest()[:12]}"


def keyword_tokens(text: str) -> list[str]:
    """The BM25 tokens of a question or of a knowledge text: the same words on both sides (the
    documents' words for citizens' variants, see :func:`canonical_text`), then :func:`tokenize`."""
    return tokenize(canonical_text(text))


def tokenize(text: str) -> list[str]:
    """Keyword tokens of already-normalised text, lower-cased, without stopwords.

    Words come from jieba's search mode without HMM new-word guessing (a guessed "word" such as
    堵路会 never matches the collection and only dilutes the query). Every multi-character
    Chinese word also contributes its characters, a weak back-off that lets a typo (信仿) or
    another word form (评 / 评选) still share something with the passage; their document
    frequency is high, so they weigh little next to whole words.
    """
    tokenizer = _jieba()
    tokens = [w for w in (w.strip().lower() for w in tokenizer.lcut_for_search(text, HMM=False)) if _keep(w)]
    characters = [
        ch
        for word in tokenizer.lcut(text, HMM=False)
        if len(word) > 1 and _HAN_WORD.match(word) and word not in STOPWORDS
        for ch in word
        if ch not in STOPWORDS
    ]
    return tokens + characters


def load_synonyms(path: Path = SYNONYMS) -> list[tuple[str, str]]:
    """(variant, document word) pairs from the synonyms file, longest variant first."""
    pairs: list[tuple[str, str]] = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            words = line.split("#", 1)[0].split()
            pairs += [(variant, words[0]) for variant in words[1:]]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


@functools.lru_cache(maxsize=1)
def _synonym_table() -> tuple[re.Pattern[str] | None, dict[str, str]]:
    pairs = load_synonyms()
    if not pairs:
        return None, {}
    return re.compile("|".join(re.escape(variant) for variant, _ in pairs)), dict(pairs)


def canonical_text(text: str) -> str:
    """The text in the documents' words: each variant of ``synonyms.txt`` replaced by its document
    word (longest first; a replaced span is not rewritten again). For the keyword side only, on
    questions and knowledge texts alike: BM25 cannot know that 不满意 and 不服 mean the same here."""
    pattern, document_word = _synonym_table()
    return pattern.sub(lambda match: document_word[match.group(0)], text) if pattern else text


def _keep(word: str) -> bool:
    return bool(word) and word not in STOPWORDS and bool(_TOKEN_CHARS.search(word))


class KeywordIndex:
    """BM25 over token rows plus document frequencies for a calibrated 0..1 score.

    bm25s's default "lucene" scorer gives each matched term at most its IDF, so dividing a row's
    score by the summed IDF of the query's distinct terms yields an IDF-weighted, tf-saturated
    coverage in [0, 1): comparable across queries, unlike raw BM25. A query term the collection
    has never seen counts with the highest IDF, which is what makes off-topic questions score low.
    """

    def __init__(self, retriever: bm25s.BM25 | None, doc_freqs: dict[str, int], num_rows: int):
        self._retriever = retriever
        self._doc_freqs = doc_freqs
        self.num_rows = num_rows

    @classmethod
    def build(cls, token_rows: list[list[str]]) -> "KeywordIndex":
        doc_freqs: dict[str, int] = {}
        for tokens in token_rows:
            for token in set(tokens):
                doc_freqs[token] = doc_freqs.get(token, 0) + 1
        retriever = None
        if doc_freqs:
            retriever = bm25s.BM25()
            retriever.index(token_rows, show_progress=False)
        return cls(retriever, doc_freqs, len(token_rows))

    def idf(self, token: str) -> float:
        df = self._doc_freqs.get(token, 0)
        return math.log(1 + (self.num_rows - df + 0.5) / (df + 0.5))

    def known_share(self, query_tokens: list[str]) -> float:
        """The share of the query's IDF weight carried by terms the collection contains: low for a
        question about something the knowledge base never mentions (户口, 签证 …)."""
        distinct = list(dict.fromkeys(query_tokens))
        total = sum(self.idf(t) for t in distinct)
        return sum(self.idf(t) for t in distinct if t in self._doc_freqs) / total if total else 0.0

    def scores(self, query_tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(raw BM25, normalised 0..1) score of every row for the query tokens."""
        distinct = list(dict.fromkeys(query_tokens))
        known = [t for t in distinct if t in self._doc_freqs]
        if self._retriever is None or not known:
            zeros = np.zeros(self.num_rows, dtype=np.float32)
            return zeros, zeros
        raw = np.asarray(self._retriever.get_scores(known), dtype=np.float32)
        norm = raw / sum(self.idf(t) for t in distinct)
        return raw, norm

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if self._retriever is not None:
            self._retriever.save(str(directory / "bm25"), show_progress=False)
        meta = {"num_rows": self.num_rows, "doc_freqs": self._doc_freqs}
        (directory / "keywords.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> "KeywordIndex":
        meta = json.loads((directory / "keywords.json").read_text(encoding="utf-8"))
        retriever = None
        if meta["doc_freqs"]:
            retriever = bm25s.BM25.load(str(directory / "bm25"), show_progress=False, verbosity=0)
        return cls(retriever, meta["doc_freqs"], meta["num_rows"])
