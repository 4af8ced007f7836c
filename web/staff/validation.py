"""Checks on what staff submit: document ids and Markdown documents (docs/knowledge-format.md).

Every problem gets its own polite Chinese message, so the console can list all of them at once.
A document that passes is also accepted by the index's own parser and yields searchable passages.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import yaml

from core.personal_data.masking import CONTROL_CHARACTERS
from index.chunking import chunk_document
from index.documents import FRONT_MATTER, SOURCE_DATES, SOURCE_FIELDS, parse_document, split_tags

MAX_DOCUMENT_BYTES = 1024 * 1024
MIN_QUESTIONS, MAX_QUESTIONS = 3, 30  # the repository's documents list 15–29; docs/knowledge-format.md asks for 10–30
MAX_FIELD_CHARS = 200
# 3–64 characters: lower-case ASCII letters, digits and hyphens, starting with a letter or digit.
_DOC_ID = re.compile(r"[a-z0-9][a-z0-9-]{2,63}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TEXT_FIELDS = {"title": "标题（title）", "region": "适用地区（region）"}
# One source in the older single-source form; a ``sources:`` list replaces all four.
_LEGACY_SOURCE_FIELDS = {"source": "来源文件（source）", "issuer": "发布机关（issuer）"}
_SOURCE_LABELS = {"name": "文件名称（name）", "issuer": "发布机关（issuer）"}
_DATE_LABELS = {"published": "发布日期（published）", "effective": "施行日期（effective）",
                "amended": "修正日期（amended）"}
_ALLOWED_FIELDS = ("title", "sources", "source", "issuer", "date", "region", "url", "tags", "questions", "status")
STATUSES = ("active", "retired")


class InvalidDocumentId(ValueError):
    """The id cannot name a document file."""

    def __init__(self) -> None:
        super().__init__("文档编号只能由 3–64 个小写英文字母、数字和连字符（-）组成，并以字母或数字开头，例如 sh-12345-hotline。")


class InvalidDocument(ValueError):
    """The Markdown cannot be published; ``problems`` lists every reason in Chinese."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class FrontMatter:
    """The parts of a document, split but not yet checked."""

    meta: dict[str, Any]
    body: str


def check_doc_id(raw: str) -> str:
    """The id itself when it is valid; raises :class:`InvalidDocumentId` otherwise (no path tricks)."""
    if not isinstance(raw, str) or not _DOC_ID.fullmatch(raw):
        raise InvalidDocumentId()
    return raw


def split_front_matter(text: str) -> FrontMatter:
    """Parse the YAML front matter; raises :class:`InvalidDocument` with the reason."""
    match = FRONT_MATTER.match(text)
    if not match:
        raise InvalidDocument(["文档开头缺少文件头：第一行应为 ---，随后是标题、来源等字段，再以一行 --- 结束。"])
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 2 if exc.problem_mark else None  # +1 for 1-based, +1 for the opening ---
        where = f"（第 {line} 行附近）" if line else ""
        raise InvalidDocument([f"文件头的格式有误{where}，请检查冒号、缩进和引号。技术信息：{exc.problem or exc}"]) from exc
    except (yaml.YAMLError, ValueError, RecursionError) as exc:  # e.g. an impossible date such as 2024-13-01
        raise InvalidDocument([f"文件头中有无法识别的值（例如不存在的日期）：{' '.join(str(exc).split())[:200]}"]) from exc
    if not isinstance(meta, dict):
        raise InvalidDocument(["文件头应由“字段: 值”组成，例如 title: 信访事项的复查。"])
    return FrontMatter(meta, match.group(2))


def _check_text_field(meta: dict[str, Any], name: str, label: str, problems: list[str]) -> None:
    value = meta.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(f"请填写{label}。")
    elif not isinstance(value, (str, int, float)) or isinstance(value, bool):
        problems.append(f"{label}应为一段文字。")
    elif len(str(value)) > MAX_FIELD_CHARS or "\n" in str(value).strip():
        problems.append(f"{label}应为一行文字，不超过 {MAX_FIELD_CHARS} 个字。")


def _check_date(value: Any, problems: list[str], label: str = "日期（date）") -> None:
    if value is None:
        problems.append(f"请填写{label}，写成 年-月-日，例如 2022-05-01。")
        return
    if isinstance(value, dt.datetime) or not isinstance(value, (dt.date, str)):
        problems.append(f"{label}应写成 年-月-日，例如 2022-05-01。")
        return
    if isinstance(value, str):
        try:
            if not _DATE.fullmatch(value.strip()):
                raise ValueError
            dt.date.fromisoformat(value.strip())
        except ValueError:
            problems.append(f"{label}应写成 年-月-日，例如 2022-05-01。" if value.strip() else f"请填写{label}。")


def _check_url(value: Any, problems: list[str], label: str = "网址（url）") -> None:
    if value not in (None, "") and (not isinstance(value, str) or not re.fullmatch(r"https?://\S{1,500}", value.strip())):
        problems.append(f"{label}应以 http:// 或 https:// 开头，不含空格。")


def _check_sources(meta: dict[str, Any], problems: list[str]) -> None:
    """The document's sources: a ``sources:`` list, or the older source/issuer/date/url fields."""
    listed = meta.get("sources")
    if listed is None:
        for name, label in _LEGACY_SOURCE_FIELDS.items():
            _check_text_field(meta, name, label, problems)
        _check_date(meta.get("date"), problems)
        _check_url(meta.get("url"), problems)
        return
    if any(meta.get(name) not in (None, "") for name in (*_LEGACY_SOURCE_FIELDS, "date", "url")):
        problems.append("来源请只写在 sources 列表里，不要同时填写 source、issuer、date、url。")
    if not isinstance(listed, list) or not listed:
        problems.append("来源（sources）应是一个列表，每项以“  - name: 文件名称”开头。")
        return
    for number, entry in enumerate(listed, start=1):
        where = f"第 {number} 个来源"
        if not isinstance(entry, dict):
            problems.append(f"{where}应包含 name、issuer 和日期等字段。")
            continue
        unknown = [str(key) for key in entry if key not in SOURCE_FIELDS]
        if unknown:
            problems.append(f"{where}中有无法识别的字段：{'、'.join(unknown)}（可用字段：{'、'.join(SOURCE_FIELDS)}）。")
        for name, label in _SOURCE_LABELS.items():
            _check_text_field(entry, name, f"{where}的{label}", problems)
        if entry.get("articles") is not None:
            _check_text_field(entry, "articles", f"{where}的条款（articles）", problems)
        dates = [name for name in SOURCE_DATES if entry.get(name) not in (None, "")]
        if not dates:
            problems.append(f"{where}请至少填写一个日期：施行日期（effective）、修正日期（amended）或发布日期（published）。")
        for name in dates:
            _check_date(entry.get(name), problems, f"{where}的{_DATE_LABELS[name]}")
        _check_url(entry.get("url"), problems, f"{where}的网址（url）")


def _text_items(value: Any) -> list[str] | None:
    """The list's items as stripped strings, or None when it is not a list of plain values."""
    if not isinstance(value, list):
        return None
    if any(not isinstance(item, (str, int, float)) or isinstance(item, bool) for item in value):
        return None
    return [str(item).strip() for item in value]


def _check_lists(meta: dict[str, Any], problems: list[str]) -> None:
    listed = _text_items(meta.get("tags"))
    tags = split_tags(listed) if listed is not None else ()
    if not tags:
        problems.append("请填写至少一个标签（tags），写法如 tags: [复查, 期限]。")
    elif any(not tag for tag in listed) or any(len(tag) > 40 for tag in tags):
        problems.append("每个标签（tags）应是不超过 40 个字的词语，不能为空；标签之间用逗号或顿号隔开。")
    questions = _text_items(meta.get("questions"))
    if questions is None:
        problems.append(f"请填写 {MIN_QUESTIONS}–{MAX_QUESTIONS} 个群众常问的问题（questions），每行以“  - ”开头。")
    elif not MIN_QUESTIONS <= len([q for q in questions if q]) <= MAX_QUESTIONS or not all(questions):
        problems.append(f"常见问题（questions）应有 {MIN_QUESTIONS}–{MAX_QUESTIONS} 个，且不能为空；"
                        f"现在有 {len([q for q in questions if q])} 个。")
    elif any(len(q) > MAX_FIELD_CHARS for q in questions):
        problems.append(f"每个常见问题不超过 {MAX_FIELD_CHARS} 个字。")


def validate_document(doc_id: str, text: str) -> FrontMatter:
    """Check a whole Markdown document before it is published; raises :class:`InvalidDocument`."""
    check_doc_id(doc_id)
    if len(text.encode("utf-8")) > MAX_DOCUMENT_BYTES:
        raise InvalidDocument([f"文档过大：最多 {MAX_DOCUMENT_BYTES // 1024} KB，请拆分为几个文档。"])
    if CONTROL_CHARACTERS.search(text):
        raise InvalidDocument(["文档中含有无法显示的控制字符，请删除后再提交（常见于从其他软件复制的文字）。"])
    parts = split_front_matter(text)
    meta, problems = parts.meta, []
    unknown = [str(key) for key in meta if key not in _ALLOWED_FIELDS]
    if unknown:
        problems.append(f"文件头中有无法识别的字段：{'、'.join(unknown)}（可用字段：{'、'.join(_ALLOWED_FIELDS)}）。")
    for name, label in _TEXT_FIELDS.items():
        _check_text_field(meta, name, label, problems)
    _check_sources(meta, problems)
    _check_lists(meta, problems)
    status = meta.get("status")
    if status is not None and status not in STATUSES:
        problems.append("状态（status）只能是 active（使用中）或 retired（已停用），也可以不写。")
    if not parts.body.strip():
        problems.append("正文不能为空：请在文件头之后写上内容，每节以“## 小标题”开头。")
    if problems:
        raise InvalidDocument(problems)
    _check_indexable(doc_id, text)
    return parts


def _check_indexable(doc_id: str, text: str) -> None:
    """The index's own parser and chunker must accept what passed the checks above."""
    try:
        document = parse_document(doc_id, text.encode("utf-8"))
    except ValueError as exc:
        raise InvalidDocument([f"文档无法被检索系统读取：{exc}"]) from exc
    if document is not None and not chunk_document(document):
        raise InvalidDocument(["正文中没有可供检索的文字，请补充内容。"])


def with_status(text: str, status: str) -> str:
    """The same document with ``status: <status>`` in its front matter, everything else untouched."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}")
    match = FRONT_MATTER.match(text)
    if not match:
        raise InvalidDocument(["该文档缺少文件头，无法标记状态；请先修正文档。"])
    header = match.group(1)
    line = f"status: {status}"
    if re.search(r"^status[ \t]*:.*$", header, flags=re.M):
        header = re.sub(r"^status[ \t]*:.*$", line, header, count=1, flags=re.M)
    else:
        header = f"{header}\n{line}"
    start, end = match.span(1)
    return text[:start] + header + text[end:]


def document_status(text: str) -> str:
    """``active`` or ``retired`` as the front matter says (``active`` when it cannot tell)."""
    try:
        status = split_front_matter(text).meta.get("status")
    except InvalidDocument:
        return "active"
    return "retired" if str(status).strip().lower() == "retired" else "active"
