"""Text from uploaded files: ``.md``/``.txt`` (UTF-8), ``.docx`` (python-docx), ``.pdf`` (pypdf).

An upload becomes a Markdown *draft* for the editor: a ``.md`` file with front matter is taken
as it is; anything else gets a front-matter template to complete (title guessed from the file)
and the extracted text as its body. Nothing is published until staff save the draft.

Uploaded files are hostile until read: a 1 MB .docx can unpack to 1 GB, an 8 KB PDF can make
every one of 40 pages parse the same huge content stream. So the archive's unpacked size and a
PDF's page count are checked before anything is parsed, extraction stops as soon as the text
passes :data:`MAX_EXTRACTED_CHARS`, and the staff service runs it in a separate process
(``python -m web.extraction``, see web/staff/uploads.py) under a time limit and the memory
limit set by :func:`limit_worker`. This module imports neither the staff service nor any model,
so the worker starts in a fraction of a second.
"""
from __future__ import annotations

import io
import json
import logging
import re
import resource
import sys
import zipfile
from dataclasses import asdict, dataclass
from pathlib import PurePath
from typing import Iterable

from core.personal_data.masking import CONTROL_CHARACTERS

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_EXTRACTED_CHARS = 500_000  # stays under the 1 MB limit of a saved document
MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # every part of a .docx together, as its archive declares them
MAX_ARCHIVE_MEMBERS = 2_000
MAX_PDF_PAGES = 500
WORKER_MEMORY_BYTES = 1024 * 1024 * 1024  # the worker's address space; the service itself is untouched
SUPPORTED_SUFFIXES = (".md", ".txt", ".docx", ".pdf")
_SENTENCE_END = tuple("。！？；：…”’」』）)!?;:")
TOO_MUCH_TEXT = f"文件中的文字太多（超过 {MAX_EXTRACTED_CHARS // 10000} 万字），请拆分为几个文档。"


class UploadRejected(ValueError):
    """The file cannot be used; ``status`` is the HTTP status, the message is for staff."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Extracted:
    filename: str
    kind: str  # md | txt | docx | pdf
    text: str  # the Markdown draft
    title: str  # a guess, possibly empty
    suggested_id: str  # from the file name, possibly empty
    complete: bool  # the file already had front matter (a whole document)


def suffix_of(filename: str) -> str:
    return PurePath(filename.replace("\\", "/")).suffix.lower()


def check_upload(filename: str, size: int) -> str:
    """The lower-case suffix when the name and size are acceptable; raises :class:`UploadRejected`."""
    suffix = suffix_of(filename or "")
    if suffix == ".doc":
        raise UploadRejected(415, "暂不支持旧版 Word（.doc）文件，请在 Word 中“另存为” .docx 后再上传。")
    if suffix not in SUPPORTED_SUFFIXES:
        raise UploadRejected(415, "只能上传 .md、.txt、.docx 或 .pdf 文件。")
    if size > MAX_UPLOAD_BYTES:
        raise UploadRejected(413, f"文件过大：最多 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB。")
    if size == 0:
        raise UploadRejected(422, "文件是空的，请检查后重新上传。")
    return suffix


def extract(filename: str, data: bytes) -> Extracted:
    """A Markdown draft from an uploaded file; raises :class:`UploadRejected` with a clear reason.

    Runs in this process: the staff service calls it through the worker (web/staff/uploads.py)."""
    suffix = check_upload(filename, len(data))
    stem = PurePath(filename.replace("\\", "/")).stem
    if suffix in (".md", ".txt"):
        text, title = _plain_text(data), ""
    elif suffix == ".docx":
        text, title = _docx_text(data)
    else:
        text, title = _pdf_text(data)
    text = CONTROL_CHARACTERS.sub("", text).strip()
    if not text:
        hint = "（如果是扫描件，请先做文字识别）" if suffix == ".pdf" else ""
        raise UploadRejected(422, f"文件中没有可提取的文字{hint}。")
    if len(text) > MAX_EXTRACTED_CHARS:
        raise UploadRejected(413, TOO_MUCH_TEXT)
    kind = suffix.lstrip(".")
    if text.startswith("---"):
        return Extracted(filename, kind, text + "\n", title, suggest_id(stem), complete=True)
    title = title or _first_line(text) or stem
    return Extracted(filename, kind, draft_markdown(title, text), title, suggest_id(stem), complete=False)


def _plain_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadRejected(422, "文件不是 UTF-8 编码，无法读取。请用记事本等软件“另存为”UTF-8 编码后再上传。") from exc


class TextBudget:
    """Counts extracted characters and stops the extraction once there are too many."""

    def __init__(self, limit: int = MAX_EXTRACTED_CHARS):
        self.left = limit

    def take(self, text: str) -> str:
        self.left -= len(text)
        if self.left < 0:
            raise UploadRejected(413, TOO_MUCH_TEXT)
        return text


def check_archive(archive: zipfile.ZipFile) -> None:
    """Refuse a zip bomb by what the archive declares (zipfile never inflates a member past its
    declared size), before any member is inflated."""
    members = archive.infolist()
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise UploadRejected(422, "这个 Word 文件包含的部件过多，不像正常的文档，请在 Word 中另存为 .docx 后再上传。")
    if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
        raise UploadRejected(413, f"这个 Word 文件解压后超过 {MAX_UNPACKED_BYTES // (1024 * 1024)} MB，"
                                  "请删除其中的大图片或拆分为几个文档后再上传。")


def _docx_text(data: bytes) -> tuple[str, str]:
    """Headings become ``##``/``###`` sections, tables Markdown rows; the title from the properties."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise UploadRejected(422, "这个文件不是有效的 Word（.docx）文件，可能已损坏或只是改了扩展名。")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_archive(archive)
        import docx
        from docx.table import Table

        document = docx.Document(io.BytesIO(data))
        title = (document.core_properties.title or "").strip()
        budget = TextBudget()
        blocks: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                blocks.append(budget.take(_table_markdown([[cell.text for cell in row.cells] for row in block.rows])))
                continue
            text = " ".join(block.text.split())
            if not text:
                continue
            style = (block.style.name if block.style is not None else "").lower()
            if style == "title":
                title = title or text
                continue
            level = _heading_level(style)
            blocks.append(budget.take(f"{'#' * level} {text}" if level else text))
    except (UploadRejected, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged file raises many kinds of errors
        log.info("unreadable .docx upload (%s)", type(exc).__name__)
        raise UploadRejected(422, "无法读取这个 Word 文件，它可能已损坏或受密码保护。请在 Word 中打开后另存为 .docx 再试。") from exc
    return "\n\n".join(b for b in blocks if b.strip()), title


def _heading_level(style: str) -> int:
    match = re.fullmatch(r"(?:heading|标题)\s*(\d)", style)
    if not match:
        return 0
    return 2 if int(match.group(1)) <= 2 else 3


def _table_markdown(rows: list[list[str]]) -> str:
    cleaned = [[" ".join(cell.split()).replace("|", "｜") for cell in row] for row in rows if any(c.strip() for c in row)]
    if not cleaned:
        return ""
    lines = ["| " + " | ".join(row) + " |" for row in cleaned]
    lines.insert(1, "|" + "---|" * len(cleaned[0]))
    return "\n".join(lines)


def _pdf_text(data: bytes) -> tuple[str, str]:
    if b"%PDF-" not in data[:1024]:
        raise UploadRejected(422, "这个文件不是有效的 PDF 文件，可能已损坏或只是改了扩展名。")
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UploadRejected(422, "这个 PDF 设有打开密码，无法读取。请先去掉密码后再上传。")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise UploadRejected(413, f"这个 PDF 超过 {MAX_PDF_PAGES} 页，请拆分为几个文档后再上传。")
        metadata_title = ((reader.metadata.title if reader.metadata else None) or "").strip()
        budget = TextBudget()
        pages = [budget.take(page.extract_text() or "") for page in reader.pages]
    except (UploadRejected, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds of errors for damaged files
        log.info("unreadable .pdf upload (%s)", type(exc).__name__)
        raise UploadRejected(422, "无法读取这个 PDF 文件，它可能已损坏。请重新导出 PDF 后再试。") from exc
    return "\n\n".join(_join_pdf_lines(page) for page in pages if page.strip()), metadata_title


def _join_pdf_lines(page: str) -> str:
    """PDF text breaks lines where the page did; rejoin lines that do not end a sentence."""
    paragraphs: list[str] = []
    current = ""
    for line in (" ".join(raw.split()) for raw in page.splitlines()):
        if not line:
            if current:
                paragraphs.append(current)
            current = ""
            continue
        joiner = " " if current and current[-1].isascii() and line[0].isascii() else ""
        current = f"{current}{joiner}{line}" if current else line
        if current.endswith(_SENTENCE_END):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:60]
    return ""


def suggest_id(stem: str) -> str:
    """A document id from a file name, when it has ASCII letters or digits (else empty)."""
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:64].strip("-")
    return slug if len(slug) >= 3 else ""


def draft_markdown(title: str, body: str) -> str:
    """A document with a front-matter template for staff to complete before publishing."""
    quoted = json.dumps(title, ensure_ascii=False)  # a JSON string is a valid YAML scalar
    return (
        "---\n"
        f"title: {quoted}\n"
        f"source: {quoted}\n"
        "issuer: \n"
        "date: \n"
        "region: \n"
        "tags: []\n"
        "questions:\n"
        "  - \n"
        "---\n\n"
        f"{body}\n"
    )


# --- the worker process ---------------------------------------------------------------------------

TOO_BIG_IN_MEMORY = "文件解压或读取时占用的内存过多，不像正常的文档，请检查文件或拆分后再上传。"


def limit_worker(memory_bytes: int, cpu_seconds: int) -> None:
    """Limits of this process: address space, CPU time (a backstop behind the caller's timeout),
    and no file written."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def answer(filename: str, data: bytes) -> dict:
    """The worker's JSON answer: ``{"draft": {...}}`` or ``{"rejected": {"status", "message"}}``."""
    try:
        return {"draft": asdict(extract(filename, data))}
    except UploadRejected as exc:
        return {"rejected": {"status": exc.status, "message": exc.message}}
    except MemoryError:
        return {"rejected": {"status": 413, "message": TOO_BIG_IN_MEMORY}}


def main(argv: Iterable[str] = ()) -> int:
    """``python -m web.extraction CPU_SECONDS``: one JSON line with ``filename`` on stdin, then the
    file's bytes; the answer as one JSON line on stdout."""
    cpu_seconds = int(next(iter(argv), "60"))
    limit_worker(WORKER_MEMORY_BYTES, cpu_seconds)
    header = json.loads(sys.stdin.buffer.readline())
    data = sys.stdin.buffer.read(MAX_UPLOAD_BYTES + 1)
    sys.stdout.write(json.dumps(answer(str(header["filename"]), data), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
