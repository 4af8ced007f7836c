"""Real upload files for the tests: Word documents written by python-docx and PDFs with Chinese text.

The PDF is assembled by hand (no PDF-writing library is installed): a Type0 font with the
Identity-H encoding and a ToUnicode map, which is how real Chinese PDFs carry extractable text.
"""
from __future__ import annotations

import io


def docx_bytes(title: str, sections: list[tuple[str, list[str]]], table: list[list[str]] | None = None) -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.add_heading(title, level=0)
    for heading, paragraphs in sections:
        document.add_heading(heading, level=1)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table):
            for cell, value in zip(row.cells, values):
                cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _to_unicode_cmap(codes: dict[str, int]) -> bytes:
    entries = [f"<{code:04X}> <{ord(char):04X}>" for char, code in codes.items()]
    blocks = []
    for start in range(0, len(entries), 100):  # at most 100 entries per bfchar block
        chunk = entries[start:start + 100]
        blocks.append(f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar")
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(blocks)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")


def pdf_bytes(lines: list[str], title: str = "") -> bytes:
    """A one-page PDF whose text (any BMP characters) pypdf can extract line by line."""
    codes: dict[str, int] = {}
    for char in "".join(lines):
        codes.setdefault(char, len(codes) + 1)
    shown = "".join(f"<{''.join(f'{codes[c]:04X}' for c in line)}> Tj T*\n" for line in lines)
    content = f"BT /F1 12 Tf 16 TL 60 780 Td\n{shown}ET\n".encode("ascii")
    cmap = _to_unicode_cmap(codes)
    info = f"<< /Title <FEFF{title.encode('utf-16-be').hex().upper()}> >>" if title else "<< >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /TestSong /Encoding /Identity-H "
        b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /TestSong "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 8 0 R /DW 1000 >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"endstream",
        b"<< /Type /FontDescriptor /FontName /TestSong /Flags 4 /FontBBox [0 0 1000 1000] /ItalicAngle 0 "
        b"/Ascent 1000 /Descent 0 /CapHeight 1000 /StemV 80 >>",
        info.encode("ascii"),
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, len(objects), xref)
    return bytes(out)


def encrypted_pdf_bytes(lines: list[str], password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(lines))))
    writer.encrypt(user_password=password, owner_password=password, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def shared_stream_pdf_bytes(pages: int, operator: bytes, repeat: int) -> bytes:
    """A small PDF whose pages all draw one compressed content stream: ``operator`` ``repeat``
    times (``() Tj`` costs time and yields no text; ``(AAAA) Tj`` yields text)."""
    import zlib

    stream = zlib.compress(b"BT /F1 12 Tf 10 10 Td " + operator * repeat + b" ET", 9)
    font = 4 + pages
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % (4 + i) for i in range(pages)), pages),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
          b"/Resources << /Font << /F1 %d 0 R >> >> >>" % font] * pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def zip_bomb_docx_bytes(unpacked_bytes: int) -> bytes:
    """A real Word document whose ``word/document.xml`` holds ``unpacked_bytes`` more of blank
    space (about 1/1000 of it packed): valid XML that a reader would inflate and parse whole."""
    import zipfile

    original = zipfile.ZipFile(io.BytesIO(docx_bytes("通知", [("一节", ["正文。"])])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for member in original.infolist():
            if member.filename != "word/document.xml":
                archive.writestr(member, original.read(member))
                continue
            head, tail = original.read(member).split(b"</w:body>")
            with archive.open("word/document.xml", "w", force_zip64=True) as document:
                document.write(head)
                chunk = b" " * (1024 * 1024)
                for _ in range(unpacked_bytes // len(chunk)):
                    document.write(chunk)
                document.write(b"</w:body>" + tail)
    return buffer.getvalue()
