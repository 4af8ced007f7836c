"""Knowledge documents: Markdown files with YAML front matter (see docs/knowledge-format.md).

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
_REQUIRED = ("title", "source")


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    source: str
    issuer: str
    date: str
    region: str
    url: str
    tags: tuple[str, ...]
    questions: tuple[str, ...]
    body: str
    content_hash: str


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
    missing = [name for name in _REQUIRED if not _text(meta.get(name))]
    if missing:
        raise ValueError(f"front matter lacks {', '.join(missing)}")
    body = match.group(2).strip()
    if not body:
        raise ValueError("document has no body text")
    return Document(
        doc_id=doc_id,
        title=_text(meta["title"]),
        source=_text(meta["source"]).strip("《》"),
        issuer=_text(meta.get("issuer")),
        date=_text(meta.get("date")),
        region=_text(meta.get("region")),
        url=_text(meta.get("url")),
        tags=_text_list(meta.get("tags"), "tags"),
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
