"""PDF reader (pypdf): text runs with their font and position → lines → blocks and footnotes.

How a page is read:

1. **Runs.** `pdf_runs.page_runs` walks the content stream (pypdf parses it and decodes
   the fonts) and places every string shown by its glyph widths, text rise included; a gap
   wider than 0.15 em is a word space, so word spaces come from positions where no space
   character is drawn. Only left-to-right text is kept (text turned on its side is counted
   in a warning). pypdf's own text visitor is the fallback for a page the walk cannot follow.
2. **Lines.** Runs join the current line (in content-stream order, which is reading order
   for ordinary producers and keeps columns apart) when they share its baseline, or when
   they are smaller and raised (a superscript) or slightly lowered (a subscript). A list
   number, bullet or label ("10.", "Source:") that the stream draws apart from the text
   beside it on its baseline joins that line. A page whose stream keeps jumping back up the
   same column is re-sorted top-down; so is a one-column page (no two lines of words side by
   side) whose stream jumps up at all, as one drawn text box after another (Canva) does.
3. **Superscript digits** ("ways.¹") are marker candidates: a run of digits that is raised,
   or markedly smaller and glued to the preceding word.
4. **Page furniture.** Among the top and bottom three lines of each page, a line whose
   digit-normalised text repeats on many pages is a running header/footer; a line that is
   only a number or roman numeral ("7", "Page 7", "- vii -") near the edge is a folio.
5. **Footnotes.** Lines below a separator rule printed as text ("——————"), or lines in a
   smaller font than the body (the body size is the most common
   size by characters) at the bottom of a page, starting with a number that a marker on
   this or an earlier page announced ("5UNODC. Global Report…" with the number glued on),
   start the footnote block; each footnote runs on until the next number. Wrapped lines are
   joined, re-joining URLs cut at the line end. Unnumbered small lines at the top of the
   next page's footnote area finish a footnote that stopped mid-sentence.
6. **Blocks.** Lines become headings (larger or all-bold short lines, bold only where the
   body itself is not set in bold; short lines ending in ':'), list items (•, –, 1., a) …;
   continuation lines joined, at the text or at Word's hanging indent), captions ("Figure
   1. …") and paragraphs. A paragraph ends at a vertical gap larger than the line spacing, a
   short last line with closing punctuation, a first-line indent, or a change of style; a line
   that opens a URL or a "Label:" after a line ending in a URL starts its own block. A block
   cut by a page break, a column break or a footnote block continues when it has no closing
   punctuation, unless the next line opens a dated entry ("2014 – …"); a lower-case paragraph
   after a caption continues the open sentence before it. Under a "Table of Contents" heading,
   each entry ("History 6") is a paragraph of its own, never a heading, and the title is
   looked for past a contents page. Lines meet with a space, except inside a URL cut at the
   line end (never where the next line opens a new URL, label or list number), a word split
   by a hyphen, or a compound of names ("China-" + "Pakistan").
7. **Markers.** A candidate becomes a `Marker` when the document has that footnote (when it
   has footnotes at all; otherwise every candidate not glued to a number is one, as in
   endnote-style sources), or when it continues the marker sequence glued to a word though
   its note is not printed (a marker without a note). Others stay in the text as printed
   ("km²").

Page labels: /PageLabels when the PDF defines them; else the printed folios when they agree
with the page order (roman front matter allowed); else the 1-based page index.

Modules, one stage each: `pdf_runs` (1) with `pdf_fonts` (a font's style and glyphs),
`pdf_lines` (2, 3), `pdf_furniture` (4), `pdf_labels` (page labels), `pdf_notes` (5),
`pdf_blocks` (6) with `pdf_joining` (how wrapped lines meet), `pdf_markers` (7); `pdf_layout`
holds the document-wide measures they share. This
module opens the file, extracts each page and runs the stages in order (`_Layout.parse`).

Errors: empty, non-PDF, truncated (no %%EOF), corrupt, password-protected, undecodable or
image-only files and files over `max_pages` raise `DocumentError`; a single page pypdf
cannot read becomes a warning. Known limits: tables come out as lines of cell text, and
text drawn row by row across two columns is read row by row.
"""

from __future__ import annotations

import io
import logging
import threading
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pypdf
from pypdf.errors import DependencyError, FileNotDecryptedError

from ingest.errors import DocumentError
from ingest.readers.ocr import OcrEngine, ocr_page
from ingest.readers.pdf_blocks import _BlocksStage
from ingest.readers.pdf_fonts import Font
from ingest.readers.pdf_furniture import _FurnitureStage
from ingest.readers.pdf_labels import _LabelsStage
from ingest.readers.pdf_layout import _describe
from ingest.readers.pdf_lines import (
    _group_lines,
    _join_leads,
    _PageText,
    _reading_order,
    _undecodable,
)
from ingest.readers.pdf_markers import Accept, _sequence_rule
from ingest.readers.pdf_notes import _NotesStage
from ingest.readers.pdf_runs import PageRuns, Run, page_runs, pypdf_page_runs
from ingest.records import Block, ParsedDocument, is_symbol_note

DEFAULT_MAX_PAGES = 2000

_MAX_PYPDF_WARNINGS = 5



class PdfReader:
    """`DocumentReader` for PDF files (see the module docstring for the heuristics)."""

    def __init__(self, max_pages: int = DEFAULT_MAX_PAGES, ocr: OcrEngine | None = None) -> None:
        self.max_pages = max_pages
        self.ocr = ocr  # pages without a text layer; None: tesseract where installed (ocr.py)

    def read(self, path: Path) -> ParsedDocument:
        path = Path(path)
        collector = _WarningCollector()
        with collector:
            reader = self._open(path)
            pages = self._extract(path, reader)
        return _Layout(path, reader, pages, collector.messages).parse()

    # -- opening -------------------------------------------------------------------------------

    def _open(self, path: Path) -> pypdf.PdfReader:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DocumentError(path, f"cannot read file ({exc.strerror or exc})") from exc
        if not data.strip():
            raise DocumentError(path, "empty file")
        if b"%PDF-" not in data[:1024]:
            raise DocumentError(path, "not a PDF file (no %PDF- header)")
        if b"%%EOF" not in data[-8192:]:
            raise DocumentError(path, "truncated PDF (no %%EOF marker at the end of the file)")
        try:
            reader = pypdf.PdfReader(io.BytesIO(data))
        except Exception as exc:  # pypdf raises many types on broken files
            raise DocumentError(path, f"corrupt PDF ({_describe(exc)})") from exc
        if reader.is_encrypted:
            try:
                result = reader.decrypt("")
            except DependencyError as exc:
                raise DocumentError(
                    path, f"encrypted PDF needs the 'cryptography' package to open ({exc})"
                ) from exc
            except Exception as exc:
                raise DocumentError(path, f"encrypted PDF cannot be opened ({exc})") from exc
            if result == pypdf.PasswordType.NOT_DECRYPTED:
                raise DocumentError(path, "encrypted PDF: a password is needed to open it")
        try:
            count = len(reader.pages)
        except FileNotDecryptedError as exc:
            raise DocumentError(path, "encrypted PDF: a password is needed to open it") from exc
        except Exception as exc:
            raise DocumentError(path, f"corrupt PDF page tree ({_describe(exc)})") from exc
        if count == 0:
            raise DocumentError(path, "PDF has no pages")
        if count > self.max_pages:
            raise DocumentError(
                path, f"too many pages ({count} > limit of {self.max_pages}); "
                "raise max_pages to read it"
            )
        return reader

    def _extract(self, path: Path, reader: pypdf.PdfReader) -> list[_PageText]:
        pages: list[_PageText] = []
        fonts: dict[int, Font] = {}
        glyphs: dict[Any, Any] = {}
        failures: list[str] = []
        garbled = 0
        for index in range(len(reader.pages)):
            try:
                page = reader.pages[index]
                box = page.mediabox
                bottom, height = float(box.bottom), float(box.height)
                runs, turned = _page_runs(page, reader, glyphs, fonts)
            except Exception as exc:  # one bad page must not sink the document
                failures.append(f"page {index + 1}: text extraction failed ({_describe(exc)})")
                pages.append(_PageText(index, [], 0.0, 792.0))
                continue
            lines = _reading_order(_join_leads(_group_lines(index, runs)))
            if _undecodable(lines):
                # Glyphs without a Unicode mapping (or a damaged font): "����" is not text.
                failures.append(f"page {index + 1}: text cannot be decoded to Unicode")
                lines = []
                garbled += 1
            pages.append(_PageText(index, lines, bottom, height or 792.0))
            if not runs and not turned:  # no text layer (a scan?): OCR it, or name the page
                scan = ocr_page(self.ocr, path, index, bottom, height or 792.0)
                pages[-1].lines = _group_lines(index, [
                    Run(t.text, t.x, t.y, t.size, Font(False, False), True)
                    for t in scan.lines])
                pages[-1].warnings.extend(scan.warnings)
            if turned:
                words = sum(len(t.split()) for t in turned)
                failures.append(f"page {index + 1}: {words} words of text turned on its side "
                                f"set aside as margin text")
        if not any(p.lines for p in pages):
            if garbled:
                raise DocumentError(
                    path, "text cannot be decoded (damaged file, or fonts without a Unicode "
                    "map; OCR may help)"
                )
            if failures:
                raise DocumentError(path, "no page could be read: " + "; ".join(failures[:3]))
            raise DocumentError(path, "no extractable text (scanned/image-only PDF?)")
        if failures:
            pages[0].warnings.extend(failures)
        return pages



def _page_runs(page: Any, reader: pypdf.PdfReader, glyphs: dict[Any, Any],
               fonts: dict[int, Font]) -> PageRuns:
    try:
        return page_runs(page, reader, glyphs, fonts)
    except Exception:  # a stream our interpreter cannot follow: pypdf's own visitor
        return pypdf_page_runs(page, fonts)



class _WarningCollector(logging.Handler):
    """Collects what pypdf logs while one file is read (it logs recoverable damage)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        self._logger = logging.getLogger("pypdf")
        # Other threads may be reading other files through the same (global) logger.
        self._thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self._thread:
            return
        message = f"pypdf: {record.getMessage()}"
        if message not in self.messages and len(self.messages) < _MAX_PYPDF_WARNINGS:
            self.messages.append(message)

    def __enter__(self) -> _WarningCollector:
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)


class _Layout(_FurnitureStage, _LabelsStage, _NotesStage, _BlocksStage):
    """Document-wide analysis of the extracted lines: the stages in order."""

    def parse(self) -> ParsedDocument:
        candidates = self._candidates_by_page()
        self._strip_furniture(candidates)
        self.labels = self._page_labels()
        numbers = self._find_footnotes(candidates)
        numbers |= self._find_endnotes(candidates, numbers)
        accept = self._marker_rule(numbers)
        blocks = self._blocks(accept)
        self._check_markers(blocks, numbers)
        return ParsedDocument(
            title=self._title(blocks),
            page_count=len(self.pages),
            blocks=tuple(blocks),
            footnotes=tuple(self.footnotes),
            page_labels=tuple(self.labels),
            warnings=tuple(self.warnings),
            furniture=tuple(self.furniture),
        )

    def _candidates_by_page(self) -> dict[int, Counter[int]]:
        """Superscript numbers in running text (not a raised number that starts a line)."""
        out: dict[int, Counter[int]] = defaultdict(Counter)
        for page in self.pages:
            for line in page.lines:
                for seg in line.candidates:
                    if not seg.at_line_start:
                        out[page.index].update(seg.numbers)
        return out

    def _marker_rule(self, footnote_numbers: set[int]) -> Accept:
        if footnote_numbers:
            return _sequence_rule(footnote_numbers)
        # No footnotes found (endnotes, or none): a superscript glued to a number is an
        # exponent ("10⁶"), anything else a note marker.
        # A raised "*" with no note printed is the text's own asterisk.
        return lambda seg, before: (not before[-1:].isdigit() and not seg.at_line_start
                                    and not any(is_symbol_note(n) for n in seg.numbers))

    def _check_markers(self, blocks: Sequence[Block], numbers: set[int]) -> None:
        if not numbers:
            return
        marked = {m.number for b in blocks for m in b.markers}
        if missing := sorted(numbers - marked):
            self.warnings.append(
                "footnotes without a marker in the text: " + ", ".join(map(str, missing))
            )


__all__ = ["DEFAULT_MAX_PAGES", "PdfReader"]
