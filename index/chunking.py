"""Heading-aware chunking at Chinese sentence boundaries.

A chunk never crosses a heading: each ``##``/``###`` section becomes one chunk, or several when it
is longer than :data:`MAX_CHUNK_CHARS`, split between sentences into pieces of similar length.
Each chunk carries the citation of its section, parsed from the heading: ``（第三十五条）`` is an
article of the document's ``source``; ``（《另一文件》第十条）`` names another document. A
sub-section without its own citation inherits its parent's.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from core.textnorm import normalize

from .documents import Document, Source

# Bump whenever the output of chunk_document changes for the same input: it is part of the
# embedding-cache key, so a new chunker re-embeds everything once.
CHUNKER_VERSION = "1"
MAX_CHUNK_CHARS = 240
MAX_SENTENCE_CHARS = 160

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_CITATION = re.compile(
    r"[（(]\s*(?P<book>《[^》]+》)?\s*(?P<article>第[^（）()]*?条[^（）()]*)?\s*[）)]\s*$"
)
_SENTENCE = re.compile(r".*?(?:[。！？!?]+[”’」』）)]*|$)")
_CLAUSE_END = re.compile(r"(?<=[；;，,、：:])")
_BULLET = re.compile(r"^\s*(?:[-*+]\s+|>\s*)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|`)")
_TABLE_RULE = re.compile(r"^\|?[\s:|-]+\|?$")
_END_PUNCT = "。！？!?；;：:”’」』）)"


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    title: str
    section: str
    citation: str
    sentences: tuple[str, ...]
    source: str  # the section's source: the one its citation names, else the document's own
    issuer: str
    date: str  # what the date is, in words: "2022年5月1日起施行"
    url: str
    region: str

    @property
    def text(self) -> str:
        return join_sentences(self.sentences)

    @property
    def passage_text(self) -> str:
        """The passage under its own heading, without the document title."""
        return f"{self.section}：{self.text}" if self.section else self.text

    @property
    def index_text(self) -> str:
        """What the embedding model and BM25 see: the passage in the context of its headings."""
        heading = f"{self.title} {self.section}".strip() if self.section else self.title
        return f"{heading}：{self.text}"


def join_sentences(sentences: tuple[str, ...] | list[str]) -> str:
    out = ""
    for sentence in sentences:
        if out and out[-1] not in _END_PUNCT:
            out += "；"
        out += sentence
    return out


def parse_heading_citation(heading: str, source: str) -> tuple[str, str]:
    """``"申请复查（第三十五条）"`` -> ``("申请复查", "《信访工作条例》第三十五条")``.

    A heading without a trailing citation comes back unchanged with an empty citation.
    """
    match = _CITATION.search(heading)
    if not match or not (match.group("book") or match.group("article")):
        return heading.strip(), ""
    book = match.group("book") or (f"《{source}》" if source else "")
    article = (match.group("article") or "").strip()
    return heading[: match.start()].strip(), f"{book}{article}"


def _clean_line(line: str) -> str:
    line = _BULLET.sub("", line)
    line = _LINK.sub(r"\1", line)
    line = _EMPHASIS.sub("", line)
    if line.lstrip().startswith("|"):
        if _TABLE_RULE.match(line.strip()):
            return ""
        line = "；".join(cell.strip() for cell in line.strip().strip("|").split("|") if cell.strip())
    return normalize(line)


def _split_long(sentence: str, limit: int) -> list[str]:
    """Cut an over-long sentence after clause punctuation, hard-cut only as a last resort."""
    if len(sentence) <= limit:
        return [sentence]
    pieces: list[str] = []
    current = ""
    for clause in (c for c in _CLAUSE_END.split(sentence) if c):
        while len(clause) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(clause[:limit])
            clause = clause[limit:]
        if current and len(current) + len(clause) > limit:
            pieces.append(current)
            current = ""
        current += clause
    if current:
        pieces.append(current)
    return pieces


def split_sentences(text: str) -> list[str]:
    """Sentences of one paragraph (normalised), ending at 。！？ (closing quotes stay attached)."""
    sentences: list[str] = []
    for match in _SENTENCE.finditer(text):
        sentence = match.group(0).strip()
        if sentence:
            sentences.extend(_split_long(sentence, MAX_SENTENCE_CHARS))
    return sentences


def _pack(sentences: list[str], limit: int) -> list[list[str]]:
    """Group consecutive sentences into pieces of similar length, each at most ``limit`` chars."""
    total = sum(len(s) for s in sentences)
    if total <= limit:
        return [sentences]
    target = total / math.ceil(total / limit)
    groups: list[list[str]] = [[]]
    size = 0
    for sentence in sentences:
        if groups[-1] and (size + len(sentence) > limit or size >= target):
            groups.append([])
            size = 0
        groups[-1].append(sentence)
        size += len(sentence)
    return groups


@dataclass
class _Section:
    headings: list[str]
    citation: str
    lines: list[str]


def _sections(document: Document) -> list[_Section]:
    sections = [_Section([], "", [])]
    stack: list[tuple[int, str, str]] = []  # (level, heading, citation) of open headings
    for raw_line in document.body.splitlines():
        heading_match = _HEADING.match(raw_line.strip())
        if heading_match:
            level = len(heading_match.group(1))
            heading, citation = parse_heading_citation(
                _clean_line(heading_match.group(2)), normalize(document.source)
            )
            while stack and stack[-1][0] >= level:
                stack.pop()
            inherited = next((c for _, _, c in reversed(stack) if c), "")
            stack.append((level, heading, citation or inherited))
            sections.append(_Section([h for _, h, _ in stack if h], citation or inherited, []))
            continue
        line = _clean_line(raw_line)
        if line:
            sections[-1].lines.append(line)
    return [s for s in sections if s.lines]


_CITED_BOOK = re.compile(r"^《([^》]+)》")


def _section_source(document: Document, citation: str) -> Source:
    """The listed source a section's citation names (the document's own source otherwise)."""
    book = _CITED_BOOK.match(citation)
    named = document.source_named(book.group(1)) if book else None
    if named is None and book:
        named = next((s for s in document.sources if normalize(s.name) == book.group(1)), None)
    return named or document.primary


def chunk_document(document: Document) -> list[Chunk]:
    """The chunks of one document, in reading order, with ids ``<doc_id>#<n>``."""
    title = normalize(document.title)
    chunks: list[Chunk] = []
    for section in _sections(document):
        sentences = [s for line in section.lines for s in split_sentences(line)]
        source = _section_source(document, section.citation)
        for group in _pack(sentences, MAX_CHUNK_CHARS):
            chunks.append(
                Chunk(
                    chunk_id=f"{document.doc_id}#{len(chunks)}",
                    doc_id=document.doc_id,
                    title=title,
                    section=" / ".join(section.headings),
                    citation=section.citation,
                    sentences=tuple(group),
                    source=normalize(source.name),
                    issuer=normalize(source.issuer),
                    date=source.date_label,
                    url=source.url,
                    region=normalize(document.region),
                )
            )
    return chunks
