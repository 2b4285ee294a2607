"""PDF reader (pypdf): text runs with their font and position → lines → blocks and footnotes.

How a page is read:

1. **Runs.** `pdf_runs.page_runs` walks the content stream (pypdf parses it and decodes
   the fonts) and places every string shown by its glyph widths, text rise included; a gap
   wider than 0.15 em is a word space, so word spaces come from positions where no space
   character is drawn. Only left-to-right text is kept (text turned on its side is counted
   in a warning). pypdf's own text visitor is the fallback for a page the walk cannot follow.
2. **Lines.** Runs join the current line (in content-stream order, which is reading order
   for ordinary producers and keeps columns apart) when they share its baseline, or when
   they are smaller and raised (a superscript) or slightly lowered (a subscript). A page
   whose stream keeps jumping back up the same column is re-sorted top-down.
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
6. **Blocks.** Lines become headings (larger or all-bold short lines; short lines ending in
   ':'), list items (•, –, 1., a) …; continuation lines joined), captions ("Figure 1. …")
   and paragraphs. A paragraph ends at a vertical gap larger than the line spacing, a short
   last line with closing punctuation, a first-line indent, or a change of style. A block
   cut by a page break, a column break or a footnote block continues when it has no closing
   punctuation; a lower-case paragraph after a caption continues the open sentence before it.
7. **Markers.** A candidate becomes a `Marker` when the document has that footnote (when it
   has footnotes at all; otherwise every candidate not glued to a number is one, as in
   endnote-style sources), or when it continues the marker sequence glued to a word though
   its note is not printed (a marker without a note). Others stay in the text as printed
   ("km²").

Page labels: /PageLabels when the PDF defines them; else the printed folios when they agree
with the page order (roman front matter allowed); else the 1-based page index.

Errors: empty, non-PDF, truncated (no %%EOF), corrupt, password-protected, undecodable or
image-only files and files over `max_pages` raise `DocumentError`; a single page pypdf
cannot read becomes a warning. Known limits: tables come out as lines of cell text, and
text drawn row by row across two columns is read row by row.
"""

from __future__ import annotations

import io
import itertools
import logging
import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdf
from pypdf.errors import DependencyError, FileNotDecryptedError

from ingest.errors import DocumentError
from ingest.readers.ocr import OcrEngine, ocr_page
from ingest.readers.pdf_runs import Font, PageRuns, Run, page_runs, pypdf_page_runs
from ingest.readers.text import is_caption, is_colon_heading, strip_controls
from ingest.records import (
    SUPERSCRIPT_DIGITS,
    Block,
    BlockKind,
    Furniture,
    Marker,
    ParsedDocument,
    RawFootnote,
)

DEFAULT_MAX_PAGES = 2000
_MAX_PYPDF_WARNINGS = 5

# --- small text helpers ------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_MARKER_DIGITS = re.compile(r"\d{1,3}(?:\s*[,\u2013-]\s*\d{1,3})*")
_GLYPH_BULLET = re.compile(r"^[•●▪◦‣∙·○■□►▶➢➤✓✔❖◆◇\ue000-\uf8ff]\s*")
_DASH_BULLET = re.compile(r"^[-–—*]\s+")
_ENUMERATOR = re.compile(r"^(?:\(?\d{1,3}[.)]|\(?[a-z][.)]|\([ivx]{1,5}\)|[ivx]{1,5}\))\s+")
# Captions without punctuation after the number ("Table 2 Regional totals") when styled apart.
_LOOSE_CAPTION = re.compile(
    r"^(?:\[[^\]]{1,20}\]\s*)?(?:figure|fig\.|table|chart|graph|map|box|exhibit)\s*\d+[a-z]?\s",
    re.IGNORECASE,
)
_FOLIO = re.compile(
    r"^(?:page|p\.|pg\.?)?\s*[-–—(\[|]?\s*(\d{1,5}|[ivxlcdm]{1,8})\s*[-–—)\]|]?"
    r"(?:\s*(?:of|/)\s*\d{1,5})?$",
    re.IGNORECASE,
)
_EDGE_NUMBER = re.compile(r"^(\d{1,5})\b|\b(\d{1,5})$")
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_FROM_SUPERSCRIPT = str.maketrans(_SUPERSCRIPTS + "⁻", "0123456789-")
_UNICODE_MARKER = re.compile(f"([{_SUPERSCRIPTS}]{{1,3}}(?:[,⁻–][{_SUPERSCRIPTS}]{{1,3}})*)")
# A footnote separator printed as text: a short row of dashes or rules.
_RULE_LINE = re.compile(r"[-–—_‒―\u2500\u2501]{3,40}")
_TERMINAL = re.compile(r"[.!?:…][\"'”’)\]]*$")
# A footnote that ends like this is complete; one that does not may go on on the next page.
_FOOTNOTE_END = re.compile(r"(?:[.!?…\"'”’)\]>]|\d)\s*$")
_URL_TAIL = re.compile(r"(?:https?://|www\.)\S*$", re.IGNORECASE)
_URLISH_TOKEN = re.compile(r"[\w\-.~%/?#&=+:;@!$,'()*]+")
_URL_PART = re.compile(r"[/%=&?#_]|\.(?:html?|pdf|php|aspx?|jsp|xml|json)\b", re.IGNORECASE)
_WORDS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_MEANINGLESS_TITLE = re.compile(
    r"^(?:untitled|title|document\d*|presentation\d*|slide \d+|microsoft word\b.*|"
    r"powerpoint presentation|.*\.(?:docx?|pdf|odt|rtf|indd|tex|dvi|ps|pptx?|xlsx?))$",
    re.IGNORECASE,
)


def _roman_value(text: str) -> int | None:
    """Strict roman numeral → int ("iv" → 4); None for anything else ("mix", "iiii")."""
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    low = text.lower()
    if not low or any(c not in values for c in low):
        return None
    total = 0
    for i, c in enumerate(low):
        v = values[c]
        total += -v if i + 1 < len(low) and values[low[i + 1]] > v else v
    return total if total > 0 and _to_roman(total) == low else None


def _to_roman(number: int) -> str:
    out = []
    for value, letters in (
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ):
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


def _terminated(text: str) -> bool:
    return bool(_TERMINAL.search(text.rstrip()))


# --- runs and lines ---------------------------------------------------------------------------


@dataclass
class _Seg:
    """A piece of a line: plain text, or a superscript number (a marker candidate)."""

    text: str
    numbers: tuple[int, ...] = ()  # non-empty → marker candidate
    at_line_start: bool = False


@dataclass
class _Line:
    page: int
    runs: list[Run]
    baseline: float
    size: float
    segs: list[_Seg] = field(default_factory=list)
    raw: str = ""  # text with candidate digits kept, whitespace-normalised
    x0: float = 0.0
    bold: bool = False
    italic: bool = False

    @property
    def candidates(self) -> list[_Seg]:
        return [s for s in self.segs if s.numbers]


def _group_lines(page: int, runs: Iterable[Run]) -> list[_Line]:
    """Runs → lines, in stream order; superscripts/subscripts join the line they belong to."""
    lines: list[_Line] = []
    current: _Line | None = None
    for run in runs:
        if current is not None and _joins(current, run):
            current.runs.append(run)
            if run.size > current.size * 1.05 and abs(run.y - current.baseline) > 0.15 * run.size:
                # The line so far was only a raised number ("¹ UNODC…"): rebase on the text.
                current.baseline, current.size = run.y, run.size
            elif run.size > current.size and abs(run.y - current.baseline) <= 0.2 * run.size:
                current.size = run.size
            continue
        current = _Line(page=page, runs=[run], baseline=run.y, size=run.size)
        lines.append(current)
    for line in lines:
        if any(b.x < a.x - 0.5 * a.size for a, b in itertools.pairwise(line.runs)):
            # Drawn out of order along the line (a list number drawn after its text):
            # one baseline reads left to right.
            line.runs.sort(key=lambda r: r.x)
        _build_segments(line)
    return [line for line in lines if line.raw]


def _joins(line: _Line, run: Run) -> bool:
    main = line.size
    d = run.y - line.baseline
    if abs(d) <= 0.2 * min(main, run.size):
        return True
    small = run.size <= 0.85 * main
    if small and 0 < d <= 0.8 * main:
        return True  # superscript
    if small and 0 < -d <= 0.45 * main:
        return True  # subscript
    # The line so far is only a small raised number: a footnote's own number printed as a
    # superscript before its text ("¹ UNODC…").
    # Word draws it a size or two smaller than the note text (7 pt over 8 pt), raised by
    # about half a line: still smaller, still to the left of the text it numbers.
    return (
        main <= 0.95 * run.size
        and 0 < -d <= 0.8 * run.size
        and run.x >= line.runs[-1].x
        and all(_MARKER_DIGITS.fullmatch(r.text.strip()) for r in line.runs)
    )


def _build_segments(line: _Line) -> None:
    segs: list[_Seg] = []
    main = line.size
    plain_sizes: list[tuple[float, int]] = []
    bold_chars = chars = 0
    italic_chars = 0
    for run in line.runs:
        text = run.text
        raised = run.y - line.baseline > 0.15 * main
        smaller = run.size <= 0.8 * main
        stripped = text.strip()
        so_far = "".join(s.text for s in segs)
        glued = bool(so_far) and not so_far[-1:].isspace() and not text[:1].isspace()
        # A superscript number: raised, or (where the producer drew it without a rise we can
        # see) markedly smaller and glued to the word before it.
        lowered = run.y - line.baseline < -0.05 * main  # a subscript ("PM₁₀"), not a marker
        if _MARKER_DIGITS.fullmatch(stripped) and (
            (raised and run.size <= main) or (smaller and glued and not lowered)
        ):
            segs.append(_Seg(stripped, _marker_numbers(stripped), not so_far.strip()))
            if text[-1:].isspace():
                # "work.¹ This": taking the marker out must keep the space after it.
                segs.append(_Seg(" "))
            continue
        if run.newline_before and segs and not text[:1].isspace():
            text = " " + text
        if _UNICODE_MARKER.search(text):
            # Superscript digits drawn as characters ("work.¹ This", "¹ UNODC…"): marker
            # candidates like drawn ones, kept as printed where they are no marker ("km²").
            for piece in _UNICODE_MARKER.split(text):
                if _UNICODE_MARKER.fullmatch(piece):
                    digits = piece.translate(_FROM_SUPERSCRIPT)
                    at_start = not "".join(s.text for s in segs).strip()
                    segs.append(_Seg(digits, _marker_numbers(digits), at_start))
                elif piece:
                    segs.append(_Seg(piece))
        else:
            segs.append(_Seg(text))
        n = len(stripped)
        chars += n
        bold_chars += n if run.font.bold else 0
        italic_chars += n if run.font.italic else 0
        plain_sizes.append((run.size, n))
    line.segs = segs
    line.raw = _SPACES.sub(" ", "".join(s.text for s in segs)).strip()
    xs = [r.x for r in line.runs if r.text.strip()]
    line.x0 = min(xs) if xs else 0.0
    line.bold = chars > 0 and bold_chars >= 0.9 * chars
    line.italic = chars > 0 and italic_chars >= 0.9 * chars
    if plain_sizes:
        # The dominant size by characters: a heading's size, not its superscript's.
        weights: Counter[float] = Counter()
        for size, n in plain_sizes:
            weights[round(size, 1)] += max(n, 1)
        line.size = weights.most_common(1)[0][0]


def _marker_numbers(text: str) -> tuple[int, ...]:
    numbers: list[int] = []
    for part in re.split(r"\s*,\s*", text):
        bounds = re.split(r"\s*[\u2013-]\s*", part)
        if len(bounds) == 2 and 0 < int(bounds[1]) - int(bounds[0]) <= 10:
            numbers.extend(range(int(bounds[0]), int(bounds[1]) + 1))
        else:
            numbers.extend(int(b) for b in bounds)
    return tuple(numbers)


# --- rendering lines and joining them ----------------------------------------------------------


class _Text:
    """Builds whitespace-normalised text with marker offsets (markers attach before spaces)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.pending_space = False
        self.markers: list[Marker] = []

    def add(self, text: str) -> None:
        for piece in re.split(r"(\s+)", _SPACES.sub(" ", text)):
            if not piece:
                continue
            if piece.isspace():
                self.pending_space = True
                continue
            if self.pending_space and self.length:
                self.parts.append(" ")
                self.length += 1
            self.pending_space = False
            self.parts.append(piece)
            self.length += len(piece)

    def mark(self, numbers: Iterable[int]) -> None:
        self.markers.extend(Marker(self.length, n) for n in numbers)

    def text(self) -> str:
        return "".join(self.parts)


Accept = Callable[[_Seg, str], bool]


def _render(segs: Sequence[_Seg], accept: Accept) -> tuple[str, tuple[Marker, ...]]:
    out = _Text()
    for seg in segs:
        if seg.numbers and accept(seg, out.text()):
            out.mark(seg.numbers)
        elif seg.numbers:
            # Not a footnote marker (an exponent, "km²"): keep it as printed, raised.
            out.add(seg.text.translate(SUPERSCRIPT_DIGITS))
        else:
            out.add(seg.text)
    return out.text(), tuple(out.markers)


# A word of three letters or more, with any closing punctuation: what a note marker follows
# ("Pact¹", "crashes².", "work.”³"); an exponent follows a unit or a number ("km²", "10⁶").
_MARKED_WORD = re.compile(r"[^\W\d_]{3,}[.,;:!?\"'”’)\]]*$")


def _sequence_rule(footnote_numbers: set[int]) -> Accept:
    """Markers of a document with footnotes: a candidate numbering one of its notes, or one
    that continues the marker sequence in reading order (the next number after the last
    marker, below the last note, glued to a word) though no note with that number is
    printed: "Pact¹" and "crashes²" before note 3 are markers without a note (so `inspect`
    lists them), not text. Rendering calls the rule in reading order."""
    last_note = max(footnote_numbers)
    last = 0

    def accept(seg: _Seg, before: str) -> bool:
        nonlocal last
        numbers = seg.numbers
        ok = all(n in footnote_numbers for n in numbers) or (
            not seg.at_line_start
            and numbers[0] == last + 1
            and max(numbers) < last_note
            and bool(_MARKED_WORD.search(before))
        )
        if ok:
            last = max(last, *numbers)
        return ok

    return accept


class _Joiner:
    """Decides how two wrapped lines meet: a space, nothing (URL, hyphenated word) or a
    dropped hyphen ("traffick-" + "ing" when the document spells "trafficking" elsewhere)."""

    def __init__(self, vocabulary: set[str], whole: set[str] | None = None) -> None:
        self.vocabulary = vocabulary
        self.whole = vocabulary if whole is None else whole  # words never cut by a line end

    def join(self, left: str, right: str, full_url_line: bool = False) -> tuple[str, str]:
        """Return (left, separator): `left` may lose a trailing (soft) hyphen.

        `full_url_line`: the last line of `left` is one URL filling the whole line, so the
        line break probably cut the URL (word processors break over-long URLs anywhere).
        """
        if not left or not right:
            return left, ""
        if left.endswith("\u00ad"):
            return left[:-1], ""
        if self.url_break(left, right, full_url_line):
            return left, ""
        if re.search(r"[^\W\d_][-\u2010]$", left) and right[:1].islower():
            head = re.search(r"(?<![\w-])[^\W\d_]+[-\u2010]$", left)
            rest = re.match(r"[^\W\d_]+(?![\w-])", right)
            if head and rest and self.split_word(head.group()[:-1], rest.group()):
                return left[:-1], ""
            return left, ""  # keep the hyphen: "well-" + "being" is "well-being"
        return left, " "

    def split_word(self, stem: str, rest: str) -> bool:
        """Was "stem-" + "rest" one word hyphenated at the line end ("circum-" + "stances")?

        The document decides where it can: the joined word printed elsewhere says yes, the
        hyphenated one no. Otherwise the hyphen is a compound's ("cross-border") when both
        halves are words this document prints on their own, or the first is a prefix that
        keeps its hyphen ("non-", "anti-"); a half that is no word at all means a split word.
        """
        joined, hyphenated = (stem + rest).lower(), f"{stem}-{rest}".lower()
        if hyphenated in self.vocabulary:
            return False
        if joined in self.vocabulary or _plural(joined) in self.vocabulary:
            return True
        low = stem.lower()
        if low in _HYPHEN_PREFIXES:
            return False
        return not (low in self.whole and rest.lower() in self.whole)

    @staticmethod
    def url_break(left: str, right: str, full_url_line: bool = False) -> str:
        """"certain"/"likely" when `left` ends inside a URL that `right` continues, else ""."""
        tail = _URL_TAIL.search(left)
        if not tail or not right.strip():
            return ""
        url = tail.group()
        token = left.rsplit(None, 1)[-1]
        first = right.split(None, 1)[0]
        if token.startswith("<") and ">" not in token:
            return "certain"  # "<https://…" not closed yet
        if re.search(r"%[0-9A-Fa-f]?$", url):
            return "certain"  # a percent-escape needs two hex digits
        if not re.match(r"[\w%/?#&=~.]", first) or first.startswith("(") or (
            not _URLISH_TOKEN.fullmatch(first.rstrip(".,;)"))
        ):
            return ""
        if url[-1] in "/-_=?&#~+" and re.match(r"[\w%]", first):
            return "likely"
        if first[:1] in "%/?#&=_~" or (first[:1] == "." and first[1:2].isalnum()):
            return "likely"
        if _URL_PART.search(first) and not first[:1].isupper():
            return "likely"
        return "likely" if full_url_line else ""


# --- the reader ---------------------------------------------------------------------------------


@dataclass
class _BlockDraft:
    kind: BlockKind
    size: float
    bold: bool
    italic: bool
    first_page: int
    last_page: int
    item_x: float  # x of the first line (bullet position for list items)
    text_x: float | None = None  # list items: where the text after the bullet starts
    lines: list[_Line] = field(default_factory=list)
    texts: list[tuple[str, tuple[Marker, ...]]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(t for t, _ in self.texts)

    @property
    def last_text(self) -> str:
        return self.texts[-1][0] if self.texts else ""


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
            lines = _reading_order(_group_lines(index, runs))
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


def _reading_order(lines: list[_Line]) -> list[_Line]:
    """Content-stream order, unless the stream draws lines in no useful order.

    Stream order keeps columns apart, so it is kept for ordinary producers. When many lines
    jump *up* within the same column, the producer drew them out of order: sort top-down.
    """
    if len(lines) < 4:
        return lines
    upward = sum(
        1 for a, b in itertools.pairwise(lines)
        if b.baseline > a.baseline + 0.5 * a.size and abs(b.x0 - a.x0) < 4 * a.size
    )
    if upward <= 0.3 * (len(lines) - 1):
        return lines
    return sorted(lines, key=lambda line: (-round(line.baseline), line.x0))


def _undecodable(lines: Sequence[_Line]) -> bool:
    text = "".join(line.raw for line in lines).replace(" ", "")
    return bool(text) and text.count("\ufffd") >= 0.5 * len(text)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return text if len(text) < 200 else text[:197] + "..."


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


@dataclass
class _PageText:
    index: int
    lines: list[_Line]
    bottom: float
    height: float
    warnings: list[str] = field(default_factory=list)

    def rel_y(self, line: _Line) -> float:
        """0 at the bottom edge, 1 at the top."""
        return (line.baseline - self.bottom) / self.height if self.height else 0.5


class _Layout:
    """Document-wide analysis of the extracted lines."""

    def __init__(
        self, path: Path, reader: pypdf.PdfReader, pages: list[_PageText], warnings: list[str]
    ) -> None:
        self.path = path
        self.reader = reader
        self.pages = pages
        self.warnings = [w for p in pages for w in p.warnings] + warnings
        all_lines = [line for p in pages for line in p.lines]
        self.body_size = _body_size(all_lines)
        self.spacing = _line_spacing(pages)
        self.typical_length = _typical_lengths(all_lines)
        self.vocabulary = {w.lower() for line in all_lines for w in _WORDS.findall(line.raw)}
        self.joiner = _Joiner(self.vocabulary, _whole_words(all_lines))
        self.folios: dict[int, str] = {}
        self.furniture: list[Furniture] = []  # what `_strip_furniture` set aside, for inspect
        self.footnotes: list[RawFootnote] = []
        self.labels: list[str] = []
        self.separators: list[tuple[_PageText, _Line]] = []

    def parse(self) -> ParsedDocument:
        candidates = self._candidates_by_page()
        self._strip_furniture(candidates)
        self.labels = self._page_labels()
        numbers = self._find_footnotes(candidates)
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

    # -- spacing helpers -----------------------------------------------------------------------

    def line_gap(self, size: float) -> float:
        key = round(size * 2) / 2
        return self.spacing.get(key) or 1.2 * size

    # -- markers ---------------------------------------------------------------------------------

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
        return lambda seg, before: not before[-1:].isdigit() and not seg.at_line_start

    def _check_markers(self, blocks: Sequence[Block], numbers: set[int]) -> None:
        if not numbers:
            return
        marked = {m.number for b in blocks for m in b.markers}
        if missing := sorted(numbers - marked):
            self.warnings.append(
                "footnotes without a marker in the text: " + ", ".join(map(str, missing))
            )

    # -- headers, footers, folios ---------------------------------------------------------------

    def _strip_furniture(self, candidates: dict[int, Counter[int]]) -> None:
        """Drop running headers/footers and folios; remember the folios for page labels."""
        n = len(self.pages)
        threshold = 2 if n <= 3 else max(3, math.ceil(0.4 * n))
        edges: list[tuple[_PageText, list[tuple[str, _Line, int | None]]]] = []
        texts: Counter[tuple[str, float, str]] = Counter()
        numbered: Counter[tuple[str, int, int, int]] = Counter()
        for page in self.pages:
            page_candidates = candidates.get(page.index, Counter())
            by_y = sorted(page.lines, key=lambda line: -line.baseline)
            picked = [("top", ln) for ln in by_y[:3] if page.rel_y(ln) > 0.8]
            picked += [("bottom", ln) for ln in by_y[-3:] if page.rel_y(ln) < 0.2]
            lines = [(zone, ln, _edge_number(ln.raw)) for zone, ln in picked
                     if not self._footnote_like(ln, page_candidates)]
            texts.update({_edge_key(zone, ln) for zone, ln, _ in lines})
            numbered.update({
                _numbered_key(zone, ln, number - page.index)
                for zone, ln, number in lines if number is not None
            })
            edges.append((page, lines))
        for page, lines in edges:
            drop: set[int] = set()
            folio: str | None = None
            for zone, line, number in lines:
                bare = _FOLIO.fullmatch(line.raw)
                if bare and (bare.group(1).isdigit() or _roman_value(bare.group(1))):
                    drop.add(id(line))
                    folio = folio or bare.group(1)
                elif number is not None and (
                    numbered[_numbered_key(zone, line, number - page.index)] >= threshold
                ):
                    # Same place and size on many pages, its number rising with the page:
                    # "Chapter 2: Structure handling 4" whose text changes by chapter.
                    drop.add(id(line))
                    folio = folio or str(number)
                elif texts[_edge_key(zone, line)] >= threshold:
                    drop.add(id(line))
                    if number is not None and n > 1:
                        # "Annual Report 2023 | 14": only trusted by `_page_labels` when the
                        # numbers agree with the page order.
                        self.folios.setdefault(page.index, str(number))
            if folio is not None:
                self.folios[page.index] = folio
            self.furniture += [
                Furniture("folio" if _FOLIO.fullmatch(ln.raw) else "header" if zone == "top"
                          else "footer", ln.raw, page.index + 1)
                for zone, ln, _ in lines if id(ln) in drop]
            page.lines = [ln for ln in page.lines if id(ln) not in drop]

    def _footnote_like(self, line: _Line, page_candidates: Counter[int]) -> bool:
        number = _leading_number(line)
        return number is not None and number[0] in page_candidates

    # -- page labels ------------------------------------------------------------------------------

    def _page_labels(self) -> list[str]:
        n = len(self.pages)
        try:
            root = self.reader.trailer["/Root"].get_object()
            if isinstance(root, dict) and "/PageLabels" in root:
                defined = list(self.reader.page_labels)
                if len(defined) == n and all(defined):
                    return defined
                self.warnings.append("/PageLabels present but unusable; using printed folios")
        except Exception as exc:  # a broken label tree is not fatal
            self.warnings.append(f"/PageLabels unreadable ({_describe(exc)})")
        arabic = [(i, int(v)) for i, v in self.folios.items() if v.isdigit()]
        romans = [(i, _roman_value(v)) for i, v in self.folios.items() if not v.isdigit()]
        roman_pairs = [(i, v) for i, v in romans if v]
        arabic_offset = _consistent_offset(arabic)
        roman_offset = _consistent_offset(roman_pairs)
        first_arabic = min((i for i, _ in arabic), default=n)
        labels: list[str] = []
        for i in range(n):
            if arabic_offset is not None and i >= first_arabic and (
                i + arabic_offset >= 1 or self.folios.get(i) == str(i + arabic_offset)
            ):
                labels.append(str(i + arabic_offset))  # a printed "0" on a cover is its label
            elif roman_offset is not None and i < first_arabic and i + roman_offset >= 1:
                labels.append(_to_roman(i + roman_offset))
            elif arabic_offset is not None and i + arabic_offset >= 1 and not roman_pairs:
                labels.append(str(i + arabic_offset))
            elif arabic_offset is not None and i < first_arabic and i + 1 <= first_arabic:
                # Unnumbered pages before printed page 1 (a cover): front matter, i, ii, …,
                # so no label says "1" twice.
                labels.append(_to_roman(i + 1))
            else:
                labels.append(str(i + 1))
        return labels

    # -- footnotes ---------------------------------------------------------------------------

    def _find_footnotes(self, candidates: dict[int, Counter[int]]) -> set[int]:
        has_candidates = any(candidates.values())
        pool: Counter[int] = Counter()
        last_number = 0
        small = 0.9 * self.body_size
        for page in self.pages:
            pool.update(candidates.get(page.index, Counter()))
            by_y = sorted(page.lines, key=lambda line: -line.baseline)
            group: list[_Line] = []
            rule = self._separator(page, by_y)
            if rule is not None:
                # Below a separator rule (court opinions print one): the footnote area, in
                # whatever size it is set.
                group = by_y[by_y.index(rule) + 1:]
            else:
                for line in reversed(by_y):
                    if line.size > small:
                        break
                    group.insert(0, line)
            if not group:
                continue
            start: int | None = None
            for k, line in enumerate(group):
                parsed = _leading_number(line)
                if parsed is None:
                    continue
                number, strong = parsed
                if number in pool or (
                    strong and number == last_number + 1 and (not has_candidates or k == 0)
                ):
                    start = k
                    break
                if not has_candidates and strong and number == 1:
                    start = k
                    break
            carried = self._carried_over(page, by_y, group, start, rule is not None)
            if carried:
                previous = self.footnotes[-1]
                text = previous.text
                for line in carried:
                    text, sep = self.joiner.join(text, line.raw)
                    text += sep + line.raw
                self.footnotes[-1] = RawFootnote(
                    previous.number, _SPACES.sub(" ", strip_controls(text)).strip(), previous.page
                )
                dropped = {id(ln) for ln in carried}
                page.lines = [ln for ln in page.lines if id(ln) not in dropped]
            if start is None:
                continue
            region = group[start:]
            above = [ln for ln in by_y if ln.baseline > region[0].baseline]
            if not above and page.rel_y(region[0]) > 0.6:
                continue  # a page of small print, not a footnote block
            notes = self._parse_region(region, pool, has_candidates)
            if not notes:
                continue
            label = self.labels[page.index]
            for number, text in notes:
                pool[number] -= 1
                if pool[number] <= 0:
                    del pool[number]
                self.footnotes.append(RawFootnote(number=number, text=text, page=label))
                last_number = number
            dropped = {id(ln) for ln in region}
            page.lines = [ln for ln in page.lines if id(ln) not in dropped]
        for page, rule in self.separators:
            if not any(ln.baseline < rule.baseline for ln in page.lines):
                # The notes under it are gone: the rule is page furniture now.
                page.lines = [ln for ln in page.lines if ln is not rule]
        numbers = [f.number for f in self.footnotes]
        if dupes := sorted(n for n, c in Counter(numbers).items() if c > 1):
            self.warnings.append(
                "footnote numbers printed more than once (numbering restarts?): "
                + ", ".join(map(str, dupes))
            )
        return set(numbers)

    def _separator(self, page: _PageText, by_y: Sequence[_Line]) -> _Line | None:
        """The lowest line of the lower half of the page drawn as a rule ("——————"), with
        text below it: what separates the footnotes from the body."""
        for line in reversed(by_y):
            if page.rel_y(line) > 0.5:
                return None
            if _RULE_LINE.fullmatch(line.raw.replace(" ", "")) and line is not by_y[-1]:
                self.separators.append((page, line))
                return line
        return None

    def _carried_over(
        self, page: _PageText, by_y: Sequence[_Line], group: Sequence[_Line], start: int | None,
        ruled: bool = False,
    ) -> list[_Line]:
        """Lines at the top of this page's footnote area that finish the previous page's last
        footnote (it stopped mid-sentence; these lines carry no number of their own)."""
        if not self.footnotes or page.index == 0:
            return []
        previous = self.footnotes[-1]
        if previous.page != self.labels[page.index - 1] or _FOOTNOTE_END.search(previous.text):
            return []
        lines = list(group[:start] if start is not None else group)
        if not lines or any(is_caption(ln.raw) for ln in lines):
            return []
        size = lines[0].size
        gap = 1.5 * self.line_gap(size)
        chain = [*lines, group[start]] if start is not None else lines
        if any(abs(ln.size - size) > 0.3 for ln in chain):
            return []
        if any(a.baseline - b.baseline > gap for a, b in itertools.pairwise(chain)):
            return []
        above = [ln for ln in by_y if ln.baseline > lines[0].baseline and ln not in group]
        if above and not ruled:
            # The footnote area sits apart from the body (a rule and some space above it).
            if above[-1].baseline - lines[0].baseline < 1.5 * self.line_gap(above[-1].size):
                return []
        elif page.rel_y(lines[0]) > 0.5:
            return []
        return lines

    def _parse_region(
        self, region: Sequence[_Line], pool: Counter[int], has_candidates: bool
    ) -> list[tuple[int, str]]:
        notes: list[tuple[int, list[tuple[str, bool]]]] = []
        for i, line in enumerate(region):
            parsed = _leading_number(line)
            if parsed is not None and notes:
                number, strong = parsed
                previous = notes[-1][0]
                expected = number == previous + 1 and (strong or not has_candidates)
                url = self.joiner.url_break(region[i - 1].raw, line.raw,
                                            self._full_url_line(region[i - 1]))
                if not (number > previous and (number in pool or expected)) or (
                    url == "certain" or (url == "likely" and not (expected and strong))
                ):
                    parsed = None  # "%2Creedbed…" continues a URL, it is not footnote 2
            if parsed is not None:
                notes.append((parsed[0], [(_strip_number(line, parsed[0]), False)]))
            elif notes:
                notes[-1][1].append((line.raw, False))
            if notes:
                text, _ = notes[-1][1][-1]
                notes[-1][1][-1] = (text, self._full_url_line(line))
        out: list[tuple[int, str]] = []
        for number, parts in notes:
            text, full = "", False
            for part, part_full in parts:
                text, sep = self.joiner.join(text, part, full)
                text, full = text + sep + part, part_full
            out.append((number, _SPACES.sub(" ", strip_controls(text)).strip()))
        return [(n, t) for n, t in out if t]

    def _full_url_line(self, line: _Line) -> bool:
        """The line is one long URL reaching the right margin (so a break may have cut it)."""
        raw = line.raw.lstrip("<(")
        if " " in raw or not (_URL_TAIL.match(raw) or _URL_PART.search(raw)):
            return False
        typical = self.typical_length.get(round(line.size * 2) / 2, 0)
        return bool(typical) and len(line.raw) >= 0.85 * typical

    # -- blocks ------------------------------------------------------------------------------

    def _blocks(self, accept: Accept) -> list[Block]:
        drafts: list[_BlockDraft] = []
        current: _BlockDraft | None = None
        previous: _Line | None = None
        for page in self.pages:
            for line in page.lines:
                text, markers = _render(line.segs, accept)
                if not text:
                    continue
                start = self._starts_block(current, previous, line, text)
                if start is None and current is not None:
                    current.lines.append(line)
                    current.texts.append((text, markers))
                    current.last_page = line.page
                else:
                    kind = start or "paragraph"
                    if kind == "list_item":
                        text, markers = _strip_bullet(text, markers)
                    current = _BlockDraft(
                        kind=kind, size=line.size, bold=line.bold, italic=line.italic,
                        first_page=line.page, last_page=line.page, item_x=line.x0,
                        text_x=_item_text_x(line) if kind == "list_item" else None,
                        lines=[line], texts=[(text, markers)],
                    )
                    drafts.append(current)
                previous = line
        drafts = _merge_open_sentences(drafts)
        blocks = [self._finish(d) for d in drafts]
        return [b for b in blocks if b.text]

    def _style(self, line: _Line, text: str) -> str:
        """'heading', 'caption' or 'body' for a single line."""
        words = len(text.split())
        if is_caption(text) or (
            _LOOSE_CAPTION.match(text) and (line.italic or line.bold or
                                            abs(line.size - self.body_size) > 0.5)
        ):
            return "caption"
        if words == 0 or words > 20 or len(text) > 160:
            return "body"
        if _GLYPH_BULLET.match(text):
            return "body"
        larger = line.size >= 1.12 * self.body_size
        if larger or (line.bold and line.size >= 0.95 * self.body_size and words <= 15):
            return "heading"
        return "body"

    def _starts_block(
        self, block: _BlockDraft | None, prev: _Line | None, line: _Line, text: str
    ) -> BlockKind | None:
        """The kind of block `line` starts, or None when it continues `block`."""
        style = self._style(line, text)
        bullet = bool(_GLYPH_BULLET.match(text))
        enumerated = bool(_ENUMERATOR.match(text) or _DASH_BULLET.match(text))
        fresh: BlockKind = (
            "caption" if style == "caption"
            else "heading" if style == "heading"
            else "list_item" if bullet or enumerated
            else "paragraph"
        )
        if block is None or prev is None:
            return fresh
        if bullet or style == "caption":
            return fresh
        same_size = abs(line.size - block.size) <= 0.6
        if block.kind == "heading":
            heading_continues = (
                style == "heading" and same_size and line.bold == block.bold
                and len(block.lines) < 3 and not _terminated(block.last_text)
                and prev.page == line.page
                and 0 < prev.baseline - line.baseline <= 1.35 * self.line_gap(line.size)
            )
            return None if heading_continues else fresh
        if style == "heading":
            return fresh
        if not same_size or (block.kind == "caption" and line.italic != block.italic):
            return fresh
        flow_break = prev.page != line.page
        if not flow_break:
            gap = prev.baseline - line.baseline
            size = line.size
            if gap <= -0.5 * size or gap > 3 * self.line_gap(size) or (
                abs(gap) < 0.5 * size and line.x0 > prev.x0 + 2 * size
            ):
                flow_break = True  # moved up or sideways: the next column
            elif gap > 1.3 * self.line_gap(size):
                return fresh
        if flow_break:
            return None if self._continues_across(block, line, text, fresh) else fresh
        size = line.size
        if block.kind == "list_item":
            if not _in_item(block, line):
                return fresh
        elif enumerated and len(block.lines) >= 2 and line.x0 < _cont_x(block) - 0.5 * size:
            return "list_item"
        if block.kind == "paragraph":
            if line.x0 > prev.x0 + 0.8 * size:
                return fresh  # first-line indent
            if len(block.lines) >= 2 and line.x0 < _cont_x(block) - 0.8 * size:
                return fresh
        if self._short_last_line(prev, block) and re.match(r"[\"'“‘(\[]?[A-Z0-9]", text):
            return fresh
        return None

    def _continues_across(
        self, block: _BlockDraft, line: _Line, text: str, fresh: BlockKind
    ) -> bool:
        """Across a page or column break: does `line` carry on the open block?"""
        if block.kind not in ("paragraph", "list_item") or fresh != "paragraph":
            return False
        if abs(line.size - block.size) > 0.6:
            return False
        if block.kind == "list_item" and not _in_item(block, line):
            return False
        return not _terminated(block.last_text) or text[:1].islower()

    def _short_last_line(self, prev: _Line, block: _BlockDraft) -> bool:
        # Not for list items: a line cut short before a long URL is common in them, and the
        # next item announces itself with its bullet anyway.
        if block.kind != "paragraph":
            return False
        typical = self.typical_length.get(round(prev.size * 2) / 2, 0)
        return bool(typical) and len(prev.raw) < 0.7 * typical and _terminated(prev.raw)

    def _finish(self, draft: _BlockDraft) -> Block:
        text_so_far = ""
        markers: list[Marker] = []
        previous: _Line | None = None
        for line, (part, part_markers) in zip(draft.lines, draft.texts, strict=True):
            if text_so_far:
                full = previous is not None and self._full_url_line(previous)
                left, sep = self.joiner.join(text_so_far, part, full)
                if len(left) < len(text_so_far):
                    markers = [Marker(min(m.offset, len(left)), m.number) for m in markers]
                text_so_far = left + sep
            base = len(text_so_far)
            markers.extend(Marker(base + m.offset, m.number) for m in part_markers)
            text_so_far += part
            previous = line
        cleaned, markers = _clean_with_markers(text_so_far, markers)
        kind = draft.kind
        if kind == "heading" and len(draft.lines) > 3:
            kind = "paragraph"
        if kind == "paragraph" and len(draft.lines) == 1 and is_colon_heading(cleaned, 6):
            kind = "heading"
        return Block(
            kind=kind,
            text=cleaned,
            page_start=self.labels[draft.first_page],
            page_end=self.labels[draft.last_page],
            markers=tuple(markers),
        )

    # -- title -------------------------------------------------------------------------------------

    def _title(self, blocks: Sequence[Block]) -> str:
        try:
            meta = self.reader.metadata
            raw = meta.title if meta is not None else None
        except Exception:  # broken metadata is common and harmless
            raw = None
        if raw:
            title = _SPACES.sub(" ", strip_controls(str(raw))).strip()
            if len(title) >= 3 and any(c.isalpha() for c in title) and not (
                _MEANINGLESS_TITLE.match(title)
            ):
                return title
        first_label = self.labels[0] if self.labels else None
        top: list[tuple[float, str]] = []
        for page in self.pages[:1]:
            for line in sorted(page.lines, key=lambda ln: -ln.baseline):
                if self._style(line, line.raw) != "heading":
                    break
                top.append((line.size, line.raw))
        if top:
            largest = max(size for size, _ in top)
            heads = [b.text for b in blocks if b.kind == "heading" and b.page_start == first_label]
            chosen = [t for size, t in top if size >= largest - 0.5]
            titles = [h for h in heads if any(c in h for c in chosen)]
            if titles:
                return " — ".join(titles[:2])
        return self.path.stem


def _item_text_x(line: _Line) -> float | None:
    """Where a list item's text starts, when the bullet/enumerator is a run of its own."""
    runs = [r for r in line.runs if r.text.strip()]
    if len(runs) >= 2:
        head = runs[0].text.strip()
        if _GLYPH_BULLET.fullmatch(head) or re.fullmatch(r"\(?\w{1,3}[.)]|[-–—*]", head):
            return runs[1].x
    return None


def _in_item(block: _BlockDraft, line: _Line) -> bool:
    """Is `line` indented like a continuation of list item `block` (hanging indent)?"""
    tolerance = 0.5 * line.size
    if block.text_x is not None:
        return abs(line.x0 - block.text_x) <= tolerance
    return line.x0 > block.item_x + tolerance


def _cont_x(block: _BlockDraft) -> float:
    return block.lines[1].x0 if len(block.lines) > 1 else block.lines[0].x0


def _strip_bullet(text: str, markers: tuple[Marker, ...]) -> tuple[str, tuple[Marker, ...]]:
    match = _GLYPH_BULLET.match(text) or _ENUMERATOR.match(text) or _DASH_BULLET.match(text)
    if not match:
        return text, markers
    cut = match.end()
    return text[cut:], tuple(Marker(max(m.offset - cut, 0), m.number) for m in markers)


def _clean_with_markers(
    text: str, markers: Sequence[Marker]
) -> tuple[str, list[Marker]]:
    """Strip control characters and collapse spaces, moving marker offsets along."""
    keep: list[str] = []
    mapping: list[int] = []  # old offset → new offset
    length = 0
    space = False
    cleaned_src = text
    for ch in cleaned_src:
        mapping.append(length)
        if strip_controls(ch) == "":
            continue
        if ch.isspace():
            if length and not space:
                keep.append(" ")
                length += 1
            space = True
            continue
        space = False
        keep.append(ch)
        length += 1
    mapping.append(length)
    out = "".join(keep)
    stripped = out.rstrip()
    moved = [Marker(min(mapping[min(m.offset, len(text))], len(stripped)), m.number)
             for m in markers]
    # Markers land before trailing spaces: "ways. " + ¹ → offset right after "ways.".
    moved = [Marker(len(stripped[: m.offset].rstrip()) if m.offset and
                    stripped[m.offset - 1: m.offset] == " " else m.offset, m.number)
             for m in moved]
    return stripped, moved


def _merge_open_sentences(drafts: list[_BlockDraft]) -> list[_BlockDraft]:
    """A lower-case paragraph after a caption/figure continues the sentence left open before."""
    out: list[_BlockDraft] = []
    for draft in drafts:
        first = draft.texts[0][0] if draft.texts else ""
        if draft.kind == "paragraph" and first[:1].islower():
            for k in range(len(out) - 1, max(len(out) - 3, -1), -1):
                target = out[k]
                if target.kind == "caption":
                    continue
                if (
                    target.kind in ("paragraph", "list_item")
                    and not _terminated(target.last_text)
                    and abs(target.size - draft.size) <= 0.6
                ):
                    target.lines.extend(draft.lines)
                    target.texts.extend(draft.texts)
                    target.last_page = max(target.last_page, draft.last_page)
                    draft = None  # type: ignore[assignment]
                break
            if draft is None:
                continue
        out.append(draft)
    return out


def _leading_number(line: _Line) -> tuple[int, bool] | None:
    """(n, strong) when `line` starts with a number that could begin footnote n.

    Strong: the number is its own run, raised, or glued to a letter ("5UNODC").
    """
    segs = [s for s in line.segs if s.text.strip()]
    if not segs:
        return None
    first = segs[0]
    if first.numbers and len(first.numbers) == 1:
        return first.numbers[0], True
    head = re.fullmatch(r"(\d{1,4})([.)]?)", first.text.strip())
    if head and len(segs) > 1:
        # "3 Text" drawn apart is a note number; "3. Text" may as well be a numbered list
        # or a Works Cited entry, so it only counts where a body marker announced it.
        return int(head.group(1)), not head.group(2)
    match = re.match(r"(\d{1,4})(?![\d,/%:])([.)]?)(\s*)(\S)", line.raw)
    if not match:
        return None
    glued = not match.group(2) and not match.group(3) and match.group(4).isalpha()
    return int(match.group(1)), glued


def _strip_number(line: _Line, number: int) -> str:
    segs = [s for s in line.segs if s.text.strip()]
    if segs and (segs[0].numbers or re.fullmatch(r"\d{1,4}[.)]?", segs[0].text.strip())):
        rest = line.segs[line.segs.index(segs[0]) + 1:]
        return _SPACES.sub(" ", "".join(s.text for s in rest)).strip()
    return re.sub(rf"^{number}[.)]?\s*", "", line.raw)


def _edge_number(text: str) -> int | None:
    match = _EDGE_NUMBER.search(text)
    return int(match.group(1) or match.group(2)) if match else None


def _numbered_key(zone: str, line: _Line, offset: int) -> tuple[str, int, int, int]:
    return zone, round(line.baseline / 3), round(line.size), offset


def _edge_key(zone: str, line: _Line) -> tuple[str, float, str]:
    """Running headers repeat in the same place and size, numbers aside ("Page 3" ~ "Page 4")."""
    text = re.sub(r"\d+", "#", _SPACES.sub(" ", line.raw).strip().lower())
    return zone, round(line.size), text


def _consistent_offset(pairs: Sequence[tuple[int, int]]) -> int | None:
    """The offset `printed - index` most folios agree on, if they agree well enough."""
    if not pairs:
        return None
    offsets = Counter(value - index for index, value in pairs)
    offset, support = offsets.most_common(1)[0]
    if len(pairs) == 1 or (support >= 2 and support >= 0.6 * len(pairs)):
        return offset
    return None


# English prefixes printed with their hyphen whatever follows ("non-governmental").
_HYPHEN_PREFIXES = frozenset({
    "anti", "co", "counter", "cross", "ex", "extra", "inter", "intra", "mid", "multi", "neo",
    "non", "post", "pre", "pro", "pseudo", "quasi", "self", "semi", "socio", "sub", "super",
    "trans", "ultra", "un",
})


def _plural(word: str) -> str:
    return word[:-1] if word.endswith("s") else word + "s"


def _whole_words(lines: Sequence[_Line]) -> set[str]:
    """Words printed whole: not the first word of a line nor one cut by a line-end hyphen
    (either may be half of a hyphenated word)."""
    out: set[str] = set()
    for line in lines:
        words = _WORDS.findall(line.raw)
        if line.raw.endswith(("-", "\u2010", "\u00ad")) and words:
            words = words[:-1]
        out.update(w.lower() for w in words[1:])
    return out


def _body_size(lines: Sequence[_Line]) -> float:
    weights: Counter[float] = Counter()
    for line in lines:
        for run in line.runs:
            weights[round(run.size * 2) / 2] += len(run.text.strip())
    if not weights:
        return 10.0
    return weights.most_common(1)[0][0]


def _line_spacing(pages: Sequence[_PageText]) -> dict[float, float]:
    """Normal baseline-to-baseline distance per font size (the most common; ties → smallest)."""
    gaps: dict[float, Counter[float]] = defaultdict(Counter)
    for page in pages:
        for a, b in zip(page.lines, page.lines[1:], strict=False):
            if abs(a.size - b.size) > 0.3:
                continue
            d = a.baseline - b.baseline
            if 0.8 * a.size < d < 3 * a.size:
                gaps[round(a.size * 2) / 2][round(d * 2) / 2] += 1
    out: dict[float, float] = {}
    for size, counter in gaps.items():
        best = max(counter.values())
        out[size] = min(g for g, c in counter.items() if c == best)
    return out


def _typical_lengths(lines: Sequence[_Line]) -> dict[float, int]:
    """Characters in a full line per font size (90th percentile of line lengths)."""
    by_size: dict[float, list[int]] = defaultdict(list)
    for line in lines:
        by_size[round(line.size * 2) / 2].append(len(line.raw))
    out: dict[float, int] = {}
    for size, lengths in by_size.items():
        if len(lengths) >= 3:
            lengths.sort()
            out[size] = lengths[min(len(lengths) - 1, int(0.9 * len(lengths)))]
    return out


__all__ = ["DEFAULT_MAX_PAGES", "PdfReader"]
