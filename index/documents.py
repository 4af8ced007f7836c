"""Knowledge documents: Markdown files with YAML front matter (see docs/knowledge-format.md).

A document names its sources in a ``sources:`` list (name, issuer, articles, the kind of each date,
url); the first one is the document's own source, the one a heading citation such as
``（第三十五条）`` refers to. The older single-source fields (``source``, ``issuer``, ``date``,
``url``) are still read, as one source whose date is of unknown kind.

Loading never raises for one bad file: a document that cannot be parsed is returned as a
:class:`Problem` and left out, so one broken file cannot take the index down.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

_DOC_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# What the loader, and the staff console validating before it publishes, take for front matter.
FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.S)
# The fields of one ``sources:`` entry, and the kinds of date it may give (at least one).
SOURCE_FIELDS = ("name", "issuer", "articles", "published", "effective", "amended", "url")
SOURCE_DATES = ("effective", "amended", "published")
_LEGACY_SOURCE_FIELDS = ("source", "issuer", "date", "url")
# A full-width comma or an enumeration comma separates tags too: ``tags: [搬迁，接待地点]`` is two
# tags, as a Chinese writer means it (YAML itself only splits on the ASCII comma).
TAG_SEPARATORS = re.compile(r"[，、]")


@dataclass(frozen=True)
class Source:
    """One published text a document draws on. Dates are ISO ``YYYY-MM-DD`` strings or empty:
    ``published`` (issued, or for a report its publication), ``effective`` (in force from),
    ``amended`` (the amendment in force); ``date`` only for the older single-source front matter,
    where its kind is not known."""

    name: str
    issuer: str = ""
    articles: str = ""
    published: str = ""
    effective: str = ""
    amended: str = ""
    url: str = ""
    date: str = ""

    @property
    def date_label(self) -> str:
        """The date that matters to a citizen, said what it is: ``2022年5月1日起施行``."""
        if self.effective:
            return f"{chinese_date(self.effective)}起施行"
        if self.amended:
            return f"{chinese_date(self.amended)}修正"
        if self.published:
            return f"{chinese_date(self.published)}发布"
        return chinese_date(self.date)


def chinese_date(iso: str) -> str:
    """``2022-05-01`` -> ``2022年5月1日``; anything else comes back unchanged."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso)
    if not match:
        return iso
    year, month, day = match.groups()
    return f"{year}年{int(month)}月{int(day)}日"


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    sources: tuple[Source, ...]
    region: str
    tags: tuple[str, ...]
    questions: tuple[str, ...]
    body: str
    content_hash: str

    @property
    def primary(self) -> Source:
        """The document's own source: what a heading citation without a book name refers to."""
        return self.sources[0]

    @property
    def source(self) -> str:
        return self.primary.name

    def source_named(self, name: str) -> Source | None:
        """The listed source with this name (without 《》), if the document lists it."""
        return next((s for s in self.sources if s.name == name), None)


@dataclass(frozen=True)
class Problem:
    """A file that was not indexed, and why (shown by ``build`` and ``status``)."""

    path: str
    reason: str


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def document_files(knowledge_dir: Path) -> list[Path]:
    """The ``*.md`` files of the knowledge directory (not recursive), sorted by name."""
    if not knowledge_dir.is_dir():
        return []
    return sorted(p for p in knowledge_dir.glob("*.md") if p.is_file() and not p.name.startswith("."))


def file_hashes(knowledge_dir: Path) -> dict[str, str]:
    """{file name: sha256 of its bytes} -- the cheap fingerprint used by ``is_stale``."""
    return {p.name: content_hash(p.read_bytes()) for p in document_files(knowledge_dir)}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return str(value).strip()


def _text_list(value: object, field_name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ValueError(f"{field_name} must be a list")
    return tuple(item for item in (_text(v) for v in value) if item)


def split_tags(value: object) -> tuple[str, ...]:
    """The document's tags: its ``tags`` list, each item also split at ``，`` and ``、``."""
    parts = (part.strip() for item in _text_list(value, "tags") for part in TAG_SEPARATORS.split(item))
    return tuple(part for part in parts if part)


def _source_entry(entry: object, position: int) -> Source:
    if not isinstance(entry, dict):
        raise ValueError(f"sources[{position}] must be a mapping (name, issuer, ...)")
    unknown = [str(key) for key in entry if key not in SOURCE_FIELDS]
    if unknown:
        raise ValueError(f"sources[{position}] has unknown fields: {', '.join(unknown)}")
    values = {name: _text(entry.get(name)) for name in SOURCE_FIELDS}
    values["name"] = values["name"].strip("《》")
    if not values["name"]:
        raise ValueError(f"sources[{position}] lacks name")
    return Source(**values)


def parse_sources(meta: dict) -> tuple[Source, ...]:
    """The document's sources from its front matter (``sources:`` list, or the older
    ``source``/``issuer``/``date``/``url`` fields). Raises ``ValueError`` when there is none or
    both forms are used."""
    listed = meta.get("sources")
    if listed is not None:
        if any(meta.get(name) not in (None, "") for name in _LEGACY_SOURCE_FIELDS):
            raise ValueError("use either sources: or source/issuer/date/url, not both")
        if not isinstance(listed, list) or not listed:
            raise ValueError("sources must be a non-empty list")
        return tuple(_source_entry(entry, i) for i, entry in enumerate(listed))
    name = _text(meta.get("source")).strip("《》")
    if not name:
        raise ValueError("front matter lacks sources")
    return (Source(name=name, issuer=_text(meta.get("issuer")), url=_text(meta.get("url")),
                   date=_text(meta.get("date"))),)


def parse_document(doc_id: str, raw: bytes) -> Document | None:
    """Parse one file; ``None`` for a retired document. Raises ``ValueError`` when malformed."""
    if not _DOC_ID.match(doc_id):
        raise ValueError("file name must be lower-case ASCII letters, digits and hyphens")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8: {exc}") from exc
    match = FRONT_MATTER.match(text)
    if not match:
        raise ValueError("missing front matter (--- ... ---) at the top")
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise ValueError(f"front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise ValueError("front matter must be a mapping")
    if _text(meta.get("status")).lower() == "retired":
        return None
    if not _text(meta.get("title")):
        raise ValueError("front matter lacks title")
    sources = parse_sources(meta)
    body = match.group(2).strip()
    if not body:
        raise ValueError("document has no body text")
    return Document(
        doc_id=doc_id,
        title=_text(meta["title"]),
        sources=sources,
        region=_text(meta.get("region")),
        tags=split_tags(meta.get("tags")),
        questions=_text_list(meta.get("questions"), "questions"),
        body=body,
        content_hash=content_hash(raw),
    )


@dataclass(frozen=True)
class LoadedDocuments:
    documents: list[Document]
    retired: list[str]
    problems: list[Problem]


def load_documents(knowledge_dir: Path) -> LoadedDocuments:
    """Every active document of the directory; retired ones and broken ones are listed apart."""
    documents: list[Document] = []
    retired: list[str] = []
    problems: list[Problem] = []
    for path in document_files(knowledge_dir):
        try:
            document = parse_document(path.stem, path.read_bytes())
        except (OSError, ValueError) as exc:
            problems.append(Problem(str(path), " ".join(str(exc).split())))
            continue
        if document is None:
            retired.append(path.stem)
        else:
            documents.append(document)
    return LoadedDocuments(documents, retired, problems)
