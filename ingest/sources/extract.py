"""Fetched bytes → `ParsedDocument`: the main text of an HTML page, or a PDF's pages.

HTML: `webpage` finds the page's main content, after `boilerplate`'s rules have removed
what is certainly not content.

PDF: the project's `PdfReader`, whose blocks carry the page label printed on each page.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from ingest.errors import DocumentError
from ingest.records import Block, Document, ParsedDocument, Source
from ingest.sources.content import HTML, PDF, TEXT, decode, detect_charset, sniff_content_type
from ingest.sources.webpage import clean, extract_html


def extract_text(text: str) -> ParsedDocument:
    """Plain text: one paragraph per blank-line-separated run of lines."""
    paragraphs = [clean(p) for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    blocks = tuple(Block(kind="paragraph", text=p) for p in paragraphs if p)
    return ParsedDocument(title=blocks[0].text[:120] if blocks else "", page_count=0, blocks=blocks)


def extract_pdf(body: bytes, *, name: str) -> ParsedDocument:
    """Read a PDF with the project's `PdfReader` (blocks carry printed page labels)."""
    from ingest.readers.pdf import PdfReader

    # The reader takes a path: give it a private temporary file, removed afterwards.
    fd, tmp = tempfile.mkstemp(prefix="brief-qa-source-", suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
        try:
            return PdfReader().read(Path(tmp))
        except DocumentError as exc:
            raise DocumentError(name, exc.reason) from exc
        except (OSError, ValueError, RecursionError, MemoryError) as exc:
            raise DocumentError(name, f"unreadable PDF: {exc.__class__.__name__}: {exc}") from exc
    finally:
        os.unlink(tmp)


def extract(
    body: bytes, *, content_type: str | None, charset: str | None, name: str
) -> tuple[str, ParsedDocument]:
    """Sniff `body`, parse it, and return `(media type, parsed)`.

    `name` (a URL or mirror path) is what a `DocumentError` names when the body is of an
    unsupported type or holds no readable text.
    """
    kind = sniff_content_type(body, content_type)
    if kind == PDF:
        parsed = extract_pdf(body, name=name)
    elif kind in (HTML, TEXT):
        text = decode(body, detect_charset(body, charset, html=kind == HTML))
        parsed = extract_html(text) if kind == HTML else extract_text(text)
    else:
        raise DocumentError(name, f"unsupported content type {kind}")
    if not parsed.blocks:
        hint = " (the page may build its text with JavaScript)" if kind == HTML else ""
        raise DocumentError(name, f"no readable text found{hint}")
    return kind, parsed


def source_document(
    source: Source, parsed: ParsedDocument, body: bytes, *, content_type: str, origin: str
) -> Document:
    """The `Document` record of a gathered source; its id is the source's id."""
    return Document(
        id=source.id,
        title=source.title or parsed.title or origin,
        kind="source",
        origin=origin,
        sha256=hashlib.sha256(body).hexdigest(),
        page_count=parsed.page_count,
        url=source.url,
        content_type=content_type,
    )
