"""Generators of hostile and broken input files for the robustness tests.

Every generator writes into a path the caller gives (always under pytest's `tmp_path`), is
deterministic (seeded), and builds big files streamingly so the test process never holds
them in memory. Nothing generated here is ever committed.
"""

from __future__ import annotations

import io
import os
import random
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.chunking import chunk_blocks
from ingest.records import Block, Corpus, Document

MIB = 1 << 20

# Strings that must never show up in extracted text: each marks content a reader has to drop
# (script bodies, event handlers, styles) or must never fetch/expand (entities, XXE).
SCRIPT_SENTINEL = "HOSTILESCRIPTSENTINEL"
HANDLER_SENTINEL = "HOSTILEHANDLERSENTINEL"
STYLE_SENTINEL = "HOSTILESTYLESENTINEL"
URL_SENTINEL = "HOSTILEJSURLSENTINEL"
VISIBLE_SENTENCE = "Visible sentence about child protection survives the hostile markup."

# ------------------------------------------------------------------------------------ PDF


def write_garbage_pdf(path: Path, size: int = 64 * 1024, seed: int = 7) -> Path:
    """A `%PDF` header followed by random bytes: no objects, no xref, no trailer."""
    rng = random.Random(seed)
    path.write_bytes(b"%PDF-1.7\n" + rng.randbytes(size))
    return path


def write_corrupt_pdf(path: Path, good_pdf: Path, seed: int = 11) -> Path:
    """The good PDF with its middle third overwritten by random bytes (header/trailer kept)."""
    data = bytearray(good_pdf.read_bytes())
    rng = random.Random(seed)
    start, end = len(data) // 3, 2 * len(data) // 3
    data[start:end] = rng.randbytes(end - start)
    path.write_bytes(bytes(data))
    return path


def write_truncated_pdf(path: Path, good_pdf: Path, fraction: float = 0.5) -> Path:
    """The first `fraction` of the good PDF's bytes: the xref table and trailer are gone."""
    data = good_pdf.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def write_encrypted_pdf(path: Path, good_pdf: Path, user_password: str = "hostile") -> Path:
    """The good PDF encrypted (RC4-128: needs no crypto library) with a user password.

    With `user_password=""` anyone may open it (only the owner password restricts editing),
    so a reader should read it like the original.
    """
    import pypdf

    writer = pypdf.PdfWriter(clone_from=str(good_pdf))
    writer.encrypt(
        user_password=user_password, owner_password="owner-secret", algorithm="RC4-128"
    )
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def write_image_only_pdf(path: Path, pages: int = 2, lines: int = 10) -> Path:
    """A "scanned" PDF: each page is one raster image of printed-looking text, no text layer.

    Where tesseract is installed its `lines` are read by OCR; `lines=0` gives a page with a
    picture but no words, which nothing can read."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (600, 300), color=255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 590, 290), outline=0, width=3)
    for line in range(lines):
        draw.text((20, 20 + 25 * line), f"Scanned line {line}: no text layer here.", fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    width, height = A4
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(pages):
        buffer.seek(0)
        pdf.drawImage(ImageReader(buffer), 40, height - 360, width=width - 80, height=300)
        pdf.showPage()
    pdf.save()
    return path


def write_many_pages_pdf(path: Path, good_pdf: Path, pages: int = 5000) -> Path:
    """`pages` pages made by repeating the good PDF's pages (cheap: content streams shared)."""
    import pypdf

    source = pypdf.PdfReader(str(good_pdf))
    writer = pypdf.PdfWriter()
    for i in range(pages):
        writer.add_page(source.pages[i % len(source.pages)])
    with path.open("wb") as handle:
        writer.write(handle)
    return path


# ----------------------------------------------------------------------------------- DOCX

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
_DOC_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "</Relationships>"
)


def docx_paragraph(text: str) -> str:
    """One `<w:p>` holding `text` (already XML-escaped by the caller)."""
    return f'<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def document_xml(body: str, doctype: str = "") -> bytes:
    """A `word/document.xml` around `body` paragraphs, with an optional DOCTYPE."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'{doctype}<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'
    ).encode()


def write_docx(path: Path, document: bytes, extra: dict[str, bytes] | None = None) -> Path:
    """A minimal valid DOCX package whose main part is `document`."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _ROOT_RELS)
        package.writestr("word/_rels/document.xml.rels", _DOC_RELS)
        package.writestr("word/document.xml", document)
        for name, data in (extra or {}).items():
            package.writestr(name, data)
    return path


def write_docx_bomb(
    path: Path, inflated_bytes: int = 1_100 * MIB, lie_about_size: bool = False
) -> Path:
    """A DOCX whose `word/document.xml` inflates to `inflated_bytes` (~1 MB on disk per GB).

    The member is streamed through the compressor 1 MiB at a time, so generating a 1 GB
    bomb needs ~1 MiB of memory. With `lie_about_size` the zip headers (local and central)
    are patched to declare a 4 KiB member, so a reader that trusts the declared size alone
    still meets the real one when it inflates.
    """
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>'
    ).encode()
    tail = b"</w:t></w:r></w:p></w:body></w:document>"
    filler = b"A" * MIB
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _ROOT_RELS)
        package.writestr("word/_rels/document.xml.rels", _DOC_RELS)
        # force_zip64 lets the streamed member exceed 2 GiB when a caller asks for that.
        with package.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(head)
            remaining = inflated_bytes - len(head) - len(tail)
            while remaining > 0:
                piece = filler if remaining >= MIB else filler[:remaining]
                member.write(piece)
                remaining -= len(piece)
            member.write(tail)
    if lie_about_size:
        _declare_member_size(path, "word/document.xml", 4096)
    return path


def _declare_member_size(path: Path, member: str, size: int) -> None:
    """Overwrite the uncompressed size a zip declares for `member` (local + central headers).

    Zip64 members carry their sizes in an extra field; both places are patched so every
    zip library sees the same (false) size.
    """
    with zipfile.ZipFile(path) as package:
        info = package.getinfo(member)
    data = bytearray(path.read_bytes())
    name = member.encode()
    # Local header: signature, 26 fixed bytes, name, extra. Size at +22 (0xFFFFFFFF if zip64).
    local = info.header_offset
    assert data[local : local + 4] == b"PK\x03\x04"
    name_len, extra_len = struct.unpack_from("<HH", data, local + 26)
    _patch_size_fields(data, local + 22, local + 30 + name_len, extra_len, size)
    # Central directory entry: find it by signature + name. Size at +24, extra after name.
    central = data.rfind(b"PK\x01\x02", 0, len(data))
    while central != -1:
        c_name_len, c_extra_len = struct.unpack_from("<HH", data, central + 28)
        if bytes(data[central + 46 : central + 46 + c_name_len]) == name:
            _patch_size_fields(
                data, central + 24, central + 46 + c_name_len, c_extra_len, size
            )
            break
        central = data.rfind(b"PK\x01\x02", 0, central)
    path.write_bytes(bytes(data))


def _patch_size_fields(
    data: bytearray, size_at: int, extra_at: int, extra_len: int, size: int
) -> None:
    (declared,) = struct.unpack_from("<I", data, size_at)
    if declared != 0xFFFFFFFF:
        struct.pack_into("<I", data, size_at, size)
        return
    # Zip64 extra field (id 0x0001): uncompressed size is its first 8-byte value.
    at, end = extra_at, extra_at + extra_len
    while at + 4 <= end:
        field_id, field_len = struct.unpack_from("<HH", data, at)
        if field_id == 0x0001:
            struct.pack_into("<Q", data, at + 4, size)
            return
        at += 4 + field_len


def write_billion_laughs_docx(path: Path, levels: int = 10) -> Path:
    """A DOCX whose document.xml defines the "billion laughs" entity chain and uses it.

    Expanded, `&lol{levels-1};` is 10**(levels-1) copies of "lol"; a safe parser refuses or
    leaves it unexpanded.
    """
    entities = ['<!ENTITY lol0 "lol">']
    for level in range(1, levels):
        refs = f"&lol{level - 1};" * 10
        entities.append(f'<!ENTITY lol{level} "{refs}">')
    doctype = "<!DOCTYPE w:document [" + "".join(entities) + "]>"
    body = docx_paragraph(f"&lol{levels - 1};") + docx_paragraph(VISIBLE_SENTENCE)
    return write_docx(path, document_xml(body, doctype))


def write_xxe_docx(path: Path, secret_file: Path) -> Path:
    """A DOCX whose document.xml pulls `secret_file` in through an external entity (XXE)."""
    doctype = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]>'
    body = docx_paragraph("&xxe;") + docx_paragraph(VISIBLE_SENTENCE)
    return write_docx(path, document_xml(body, doctype))


def write_docx_without_document(path: Path) -> Path:
    """A zip with DOCX's package files but no `word/document.xml`."""
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _ROOT_RELS)
    return path


def write_docx_malformed_xml(path: Path) -> Path:
    """A DOCX whose document.xml is cut off mid-element (not well-formed)."""
    xml = document_xml(docx_paragraph(VISIBLE_SENTENCE))
    return write_docx(path, xml[: len(xml) - 40])


# ----------------------------------------------------------------------------------- HTML


def write_deep_html(path: Path, depth: int = 100_000) -> Path:
    """`depth` nested `<div>`s around one visible sentence."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write("<!doctype html><html><head><title>Deep</title></head><body>")
        handle.write("<div>" * depth)
        handle.write(f"<p>{VISIBLE_SENTENCE}</p>")
        handle.write("</div>" * depth)
        handle.write("</body></html>")
    return path


_PROSE_WORDS = (
    "child", "protection", "trafficking", "victims", "assistance", "law", "border", "shelter",
    "cooperation", "education", "poverty", "exploitation", "report", "states", "support",
)


def write_huge_html(path: Path, size_bytes: int = 100 * MIB) -> Path:
    """An HTML page of `size_bytes` made of distinct paragraphs, written 1 MiB at a time."""
    rng = random.Random(5)
    with path.open("w", encoding="utf-8") as handle:
        handle.write("<!doctype html><html><head><title>Huge</title></head><body>\n")
        written, number = 0, 0
        while written < size_bytes:
            lines = []
            for _ in range(2000):
                number += 1
                sentence = " ".join(rng.choice(_PROSE_WORDS) for _ in range(12)).capitalize()
                lines.append(f"<p>Paragraph {number}. {sentence}.</p>\n")
            block = "".join(lines)
            handle.write(block)
            written += len(block)
        handle.write("</body></html>\n")
    return path


def write_script_html(path: Path) -> Path:
    """A page full of active content (scripts, handlers, styles, javascript: URLs, iframes)."""
    html = f"""<!doctype html>
<html><head><title>Active content</title>
<script>var secret = "{SCRIPT_SENTINEL}"; document.write("{SCRIPT_SENTINEL}");</script>
<script type="module">import x from "./{SCRIPT_SENTINEL}.js";</script>
<style>body::after {{ content: "{STYLE_SENTINEL}"; }}</style>
<noscript><p>{SCRIPT_SENTINEL} enable javascript</p></noscript>
</head>
<body onload="alert('{HANDLER_SENTINEL}')">
<h1 onclick="steal('{HANDLER_SENTINEL}')">Active content</h1>
<p onmouseover="run('{HANDLER_SENTINEL}')">{VISIBLE_SENTENCE}</p>
<p><a href="javascript:alert('{URL_SENTINEL}')">a link</a> and more prose here.</p>
<img src="x" onerror="alert('{HANDLER_SENTINEL}')" alt="">
<iframe srcdoc="&lt;script&gt;alert('{SCRIPT_SENTINEL}')&lt;/script&gt;"></iframe>
<svg><script>alert("{SCRIPT_SENTINEL}")</script></svg>
<template><p>{SCRIPT_SENTINEL} template content is inert</p></template>
<ScRiPt>alert("{SCRIPT_SENTINEL}")</sCrIpT>
<script>if (1 < 2 && "</p>") {{ alert("{SCRIPT_SENTINEL}"); }}</script>
</body></html>
"""
    path.write_text(html, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------ TXT

# C0/C1 controls, escape sequences, NUL, BOM-in-the-middle, bidi overrides, zero-width chars.
CONTROL_TEXT = (
    "Control\x00characters\x07 and a bell.\x1b[31m Red terminal escape\x1b[0m here.\x0b\x0c\n"
    "A line with \x7f delete and \x85 next-line and \u202e bidi override \u202c here.\n"
    "Zero\u200bwidth and \ufeff byte order mark in the middle.\n"
)
# Invalid UTF-8: lone continuation byte, overlong "/", encoded surrogate, truncated sequence,
# bytes that are never valid (0xFE, 0xFF).
INVALID_UTF8 = (
    b"Bad bytes \x80 here, \xc0\xaf overlong, \xed\xa0\x80 surrogate, \xe2\x82 cut, \xfe\xff.\n"
)
GOOD_TXT_SENTENCE = "The readable sentence about child trafficking victims must survive intact."


def write_hostile_txt(path: Path) -> Path:
    """A TXT mixing good prose with control characters and invalid UTF-8 byte sequences."""
    data = (
        b"Hostile text\n\n"
        + GOOD_TXT_SENTENCE.encode()
        + b"\n\n"
        + CONTROL_TEXT.encode("utf-8")
        + b"\n"
        + INVALID_UTF8
        + b"\n"
        + GOOD_TXT_SENTENCE.replace("must", "should").encode()
        + b"\n"
    )
    path.write_bytes(data)
    return path


def write_binary_as_txt(path: Path, size: int = 256 * 1024, seed: int = 3) -> Path:
    """Random binary bytes (like an image renamed to .txt)."""
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + random.Random(seed).randbytes(size))
    return path


# --------------------------------------------------------------------------- names, misc


@dataclass(frozen=True)
class OddName:
    label: str
    name: str


def unusual_names(suffix: str) -> Iterator[OddName]:
    """File names with spaces, unicode, quotes, a leading dash, a newline; `suffix` appended."""
    yield OddName("spaces", f"  brief with   spaces {suffix}")
    yield OddName("unicode", f"brïef-ünïcodé-日本語-🦊{suffix}")
    yield OddName("quotes", f"brief 'single' \"double\" `back`{suffix}")
    yield OddName("leading dash", f"-brief-leading-dash{suffix}")
    yield OddName("newline", f"brief\nnewline{suffix}")
    yield OddName("shell", f"brief; rm -rf $HOME & $(echo x) | cat{suffix}")


def filesystem_allows(directory: Path, name: str) -> bool:
    """Whether `name` can be created in `directory` (newlines are refused on some systems)."""
    probe = directory / name
    try:
        probe.write_bytes(b"")
    except (OSError, ValueError):
        return False
    probe.unlink()
    return True


def make_fifo(path: Path) -> Path:
    """A named pipe: opening it for reading blocks until someone writes (a hang trap)."""
    os.mkfifo(path)
    return path


# ------------------------------------------------------------------- good baselines


def text_corpus(texts: dict[str, str]) -> Corpus:
    """A corpus straight from paragraphs (blank-line separated), no reader involved.

    Index-level tests use it so that they test the index, not whichever reader is current.
    """
    documents, chunks, cleaned = [], [], {}
    for doc_id, text in texts.items():
        blocks = tuple(
            Block(kind="paragraph", text=" ".join(p.split()))
            for p in text.split("\n\n")
            if p.strip()
        )
        chunked = chunk_blocks(doc_id, blocks)
        documents.append(
            Document(
                id=doc_id,
                title=doc_id,
                kind="brief",
                origin=f"{doc_id}.txt",
                sha256="0" * 64,
                page_count=1,
            )
        )
        chunks.extend(chunked.chunks)
        cleaned[doc_id] = chunked.text
    return Corpus(documents=tuple(documents), chunks=tuple(chunks), document_texts=cleaned)


def write_long_citation_txt(path: Path, chars: int = 10_000) -> Path:
    """A TXT whose one footnote and one reference entry are each a ~`chars`-long title (as when
    a broken export runs a whole page into one note). Linking compares the two titles."""
    numbers = ", ".join(str(i) for i in range(chars // 5))[:chars]
    body = "Intro paragraph about child protection and trafficking victims in detail.¹"
    path.write_text(
        f"Long citations\n\n{body}\n\n¹ UNODC. {numbers}\n\nReferences\n\n"
        f"UNODC. {numbers.replace('1', '2')}\n",
        encoding="utf-8",
    )
    return path
