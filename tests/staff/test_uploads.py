"""Uploads: text extraction from real .md/.txt/.docx/.pdf files through ``POST /api/uploads``."""
from __future__ import annotations

import asyncio
import dataclasses
import io
import zipfile

import aiohttp
import psutil
import pytest
from pypdf import PageObject

from tests.staff.samples import (
    docx_bytes, encrypted_pdf_bytes, pdf_bytes, shared_stream_pdf_bytes, zip_bomb_docx_bytes,
)
from tests.staff.support import auth, document_text, wait_published
from web.extraction import TOO_MUCH_TEXT, UploadRejected, extract
from web.staff.uploads import MAX_UPLOAD_BYTES

def zip_bytes(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


FACT = "测试专用：梧桐街道信访接待日是每周四上午九点至十一点。"


def form(filename: str, data: bytes, field: str = "file") -> aiohttp.FormData:
    body = aiohttp.FormData()
    body.add_field(field, data, filename=filename, content_type="application/octet-stream")
    return body


async def upload(client, filename: str, data: bytes):
    return await client.post("/api/uploads", data=form(filename, data), headers=auth())


async def test_a_markdown_document_is_taken_as_it_is(client):
    text = document_text("上传的文档", "## 一节\n\n上传的正文。")
    response = await upload(client, "notice.md", text.encode("utf-8"))
    assert response.status == 200
    body = await response.json()
    assert body["complete"] is True and body["kind"] == "md" and body["suggested_id"] == "notice"
    assert body["content"] == text


async def test_plain_text_becomes_a_draft_to_complete(client):
    response = await upload(client, "Jiedao Notice 2024.txt", ("\ufeff街道通知\n\n" + FACT).encode("utf-8"))
    assert response.status == 200
    body = await response.json()
    assert body["complete"] is False and body["suggested_id"] == "jiedao-notice-2024"
    assert body["content"].startswith("---\ntitle: \"街道通知\"\n") and FACT in body["content"]
    assert "补全" in body["message"]
    # the draft itself is not publishable until staff fill in the front matter
    response = await client.put("/api/documents/jiedao-notice-2024", json={"content": body["content"]},
                                headers={**auth(), "If-None-Match": "*"})
    assert response.status == 422
    problems = (await response.json())["problems"]
    assert any("发布机关" in p for p in problems) and any("questions" in p for p in problems)


async def test_word_documents_keep_headings_and_tables(client):
    data = docx_bytes("梧桐街道信访接待安排", [("接待时间", [FACT]), ("接待地点", ["街道办事处一楼接待室。"])],
                      table=[["事项", "时间"], ["领导接待", "每月第一个周四"]])
    response = await upload(client, "接待安排.docx", data)
    assert response.status == 200
    body = await response.json()
    assert body["kind"] == "docx" and body["title"] == "梧桐街道信访接待安排" and body["suggested_id"] == ""
    content = body["content"]
    assert "## 接待时间\n\n" + FACT in content and "## 接待地点" in content
    assert "| 领导接待 | 每月第一个周四 |" in content


async def test_pdf_text_is_extracted_and_lines_rejoined(client):
    data = pdf_bytes(["测试专用：梧桐街道信访接待日是每周", "四上午九点至十一点。", "请提前预约。"], title="接待日通知")
    response = await upload(client, "notice.pdf", data)
    assert response.status == 200
    body = await response.json()
    assert body["kind"] == "pdf" and body["title"] == "接待日通知"
    assert FACT in body["content"] and "请提前预约。" in body["content"]


async def test_a_completed_draft_from_a_pdf_can_be_published(client):
    data = pdf_bytes(["测试专用：梧桐街道信访接待日是每周四上午九点至十一点。"], title="梧桐街道接待日")
    draft = (await (await upload(client, "wutong-reception.pdf", data)).json())["content"]
    completed = (draft.replace("issuer: \n", "issuer: 梧桐街道办事处\n").replace("date: \n", "date: 2024-03-01\n")
                 .replace("region: \n", "region: 上海市\n").replace("tags: []", "tags: [接待日]")
                 .replace("questions:\n  - \n", "questions:\n  - 梧桐街道信访接待日是哪天？\n"
                          "  - 梧桐街道几点接待来访？\n  - 梧桐街道接待日要预约吗？\n"))
    response = await client.put("/api/documents/wutong-reception", json={"content": completed},
                                headers={**auth(), "If-None-Match": "*"})
    assert response.status == 201, await response.text()
    await wait_published(client, (await response.json())["publish"]["ticket"])
    result = await (await client.post("/api/search", json={"query": "梧桐街道信访接待日是哪天？"}, headers=auth())).json()
    assert result["answer"]["doc_id"] == "wutong-reception" and "每周四" in result["answer"]["text"]


@pytest.mark.parametrize("filename,status,expected", [
    ("setup.exe", 415, ".md、.txt、.docx 或 .pdf"),
    ("picture.png", 415, ".md、.txt、.docx 或 .pdf"),
    ("no-extension", 415, ".md、.txt、.docx 或 .pdf"),
    ("old.doc", 415, "另存为"),
    ("../../etc/passwd", 415, ".md、.txt、.docx 或 .pdf"),
])
async def test_other_file_types_are_refused(client, filename, status, expected):
    response = await upload(client, filename, b"some bytes")
    assert response.status == status
    assert expected in (await response.json())["message"]


@pytest.mark.parametrize("filename,data,expected", [
    ("broken.docx", b"this is not a zip file at all", "不是有效的 Word"),
    ("truncated.docx", docx_bytes("标题", [("一", ["内容。"])])[:2000], "不是有效的 Word"),
    ("other-zip.docx", zip_bytes({"readme.txt": "not a Word document"}), "无法读取这个 Word"),
    ("broken.pdf", b"%PDF-1.7\n this is garbage, no objects, no xref", "无法读取这个 PDF"),
    ("fake.pdf", b"GIF89a not a pdf", "不是有效的 PDF"),
    ("empty.txt", b"", "空的"),
    ("blank.md", b"   \n\n  ", "没有可提取的文字"),
    ("gbk.txt", "国家信访局".encode("gbk"), "UTF-8"),
    ("scan.pdf", pdf_bytes([]), "扫描件"),
])
async def test_broken_files_get_a_clear_message(client, filename, data, expected):
    response = await upload(client, filename, data)
    assert response.status == 422, await response.text()
    body = await response.json()
    assert expected in body["message"] and body["filename"] == filename


async def test_a_password_protected_pdf_is_explained(client):
    response = await upload(client, "secret.pdf", encrypted_pdf_bytes(["内部通知"], "pw"))
    assert response.status == 422
    assert "密码" in (await response.json())["message"]


async def test_ten_megabytes_is_the_limit(client):
    at_limit = "接待日是每周四。".encode("utf-8").ljust(MAX_UPLOAD_BYTES, b" ")
    assert len(at_limit) == MAX_UPLOAD_BYTES
    response = await upload(client, "big.txt", at_limit)
    assert response.status == 200
    response = await upload(client, "too-big.txt", at_limit + b" ")
    assert response.status == 413
    assert "10 MB" in (await response.json())["message"]


async def test_an_oversize_upload_without_a_length_is_cut_off(client):
    async def chunks():
        for _ in range(12):
            yield b"x" * (1024 * 1024)

    body = aiohttp.MultipartWriter("form-data")
    part = body.append(chunks(), {"Content-Type": "text/plain"})
    part.set_content_disposition("form-data", name="file", filename="stream.txt")
    response = await client.post("/api/uploads", data=body, headers=auth())
    assert response.status == 413


async def test_a_request_without_a_file(client):
    response = await client.post("/api/uploads", data=form("a.txt", b"text", field="other"), headers=auth())
    assert response.status == 400 and "file" in (await response.json())["message"]
    response = await client.post("/api/uploads", json={"file": "a.txt"}, headers=auth())
    assert response.status == 400
    response = await client.post("/api/uploads", data=b"--xyz\r\nbroken", headers={
        **auth(), "Content-Type": "multipart/form-data; boundary=xyz"})
    assert response.status == 400


# --- hostile files ---------------------------------------------------------------------------------

def rss_mib() -> float:
    return psutil.Process().memory_info().rss / (1024 * 1024)


async def test_a_docx_that_unpacks_to_gigabytes_is_refused_unopened(client):
    bomb = zip_bomb_docx_bytes(128 * 1024 * 1024)  # 128 MB of zeros in a 150 KB file
    before = rss_mib()
    response = await upload(client, "bomb.docx", bomb)
    assert response.status == 413
    assert "解压后超过 64 MB" in (await response.json())["message"]
    assert rss_mib() - before < 64  # never unpacked by the service (the test server runs in this process)


async def test_a_pdf_whose_pages_share_one_heavy_stream_is_stopped_and_the_service_stays_responsive(
        aiohttp_client, kb):
    from web.app import create_app

    client = await aiohttp_client(create_app(dataclasses.replace(kb, upload_extract_seconds=2)))
    bomb = shared_stream_pdf_bytes(40, b"() Tj ", 300_000)  # 9 KB; each page parses for seconds
    assert len(bomb) < 10_000
    pending = asyncio.ensure_future(client.post("/api/uploads", data=form("bomb.pdf", bomb), headers=auth(),
                                                timeout=aiohttp.ClientTimeout(total=30)))
    served_meanwhile = 0  # other requests answered while the upload was being read
    while not pending.done():
        assert (await client.get("/api/session", headers=auth())).status == 200
        served_meanwhile += not pending.done()
        await asyncio.sleep(0.1)
    response = await pending
    assert response.status == 422
    assert "2 秒内未能读取完毕" in (await response.json())["message"]
    assert not extraction_workers()  # stopped at the limit, not left to read its 40 pages
    assert served_meanwhile >= 2  # the service's event loop never waited for the worker


def extraction_workers() -> list[psutil.Process]:
    """Upload workers (``python -m web.extraction``) still running under this process, which
    serves the tests' web application."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "web.extraction" in child.cmdline():
                found.append(child)
        except psutil.NoSuchProcess:
            pass
    return found


async def test_extraction_stops_at_the_text_limit(client, monkeypatch):
    wordy = shared_stream_pdf_bytes(80, b"(" + b"A" * 100 + b") Tj ", 2_000)  # 200,000 characters a page
    response = await upload(client, "wordy.pdf", wordy)
    assert response.status == 413 and "文字太多" in (await response.json())["message"]
    # What the worker ran, here, counting the pages read: three, not eighty.
    pages_read = []
    extract_text = PageObject.extract_text
    monkeypatch.setattr(PageObject, "extract_text",
                        lambda page, *args, **kwargs: pages_read.append(page) or extract_text(page, *args, **kwargs))
    with pytest.raises(UploadRejected) as refused:
        extract("wordy.pdf", wordy)
    assert refused.value.status == 413 and refused.value.message == TOO_MUCH_TEXT
    assert len(pages_read) == 3


async def test_a_pdf_with_too_many_pages_is_refused(client):
    response = await upload(client, "long.pdf", shared_stream_pdf_bytes(501, b"(A) Tj ", 1))
    assert response.status == 413 and "超过 500 页" in (await response.json())["message"]
