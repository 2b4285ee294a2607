"""The reader seam: one `DocumentReader` per format, chosen by file extension."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ingest.errors import UnsupportedFormatError
from ingest.records import ParsedDocument


class DocumentReader(Protocol):
    def read(self, path: Path) -> ParsedDocument:
        """Parse `path`; raise `DocumentError` naming the file when it cannot be read."""
        ...


SUPPORTED_SUFFIXES = (".pdf", ".docx", ".txt", ".md", ".markdown", ".html", ".htm")


def reader_for(path: Path) -> DocumentReader:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        from ingest.readers.pdf import PdfReader

        return PdfReader()
    if suffix == ".docx":
        from ingest.readers.docx import DocxReader

        return DocxReader()
    if suffix in (".txt", ".md", ".markdown"):
        from ingest.readers.text import TextReader

        return TextReader()
    if suffix in (".html", ".htm"):
        from ingest.readers.html import HtmlReader

        return HtmlReader()
    raise UnsupportedFormatError(
        path, f"unsupported file type {suffix or '(none)'!r}; expected one of "
        + ", ".join(SUPPORTED_SUFFIXES)
    )
