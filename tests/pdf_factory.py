"""Generate test PDFs whose layout differs from the shipped brief, plus broken PDFs.

`build_pdf()` is a tiny line-by-line typesetter on top of reportlab's canvas. It is deliberately
low level: it decides every line, page break and footnote position itself, so a test knows
exactly what a correct reader must report (`Expected`) and which paragraphs were cut by a page
break. Options vary what the brief's layout does not: page size, fonts and sizes, paragraph
spacing vs first-line indent, how superscripts are drawn (text rise `Ts` vs a raised baseline),
how footnote numbers are printed, running headers/footers, folios and /PageLabels.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple

from pypdf import PdfReader, PdfWriter
from pypdf.constants import PageLabelStyle
from reportlab.lib.pagesizes import A5, letter
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

ItemKind = Literal["heading", "paragraph", "bullet", "numbered", "caption", "pagebreak", "title"]

_MARKER = re.compile(r"\{(\d+)\}")


@dataclass(frozen=True)
class Item:
    """One logical unit to typeset. Footnote markers are written inline as `{3}`."""

    kind: ItemKind
    text: str = ""


@dataclass(frozen=True)
class Layout:
    pagesize: tuple[float, float] = letter
    font: str = "Helvetica"
    bold: str = "Helvetica-Bold"
    italic: str = "Helvetica-Oblique"
    size: float = 10.0
    leading: float = 13.0
    heading_size: float = 13.0
    title_size: float = 20.0
    margin: float = 72.0
    para_spacing: float = 7.0  # 0 → paragraphs are told apart by `first_line_indent` only
    first_line_indent: float = 0.0
    # "rise": reportlab text rise (the `Ts` operator); "baseline": a separate string drawn higher.
    superscript: Literal["rise", "baseline"] = "rise"
    footnote_size: float = 7.5
    footnote_leading: float = 9.0
    # "glued": "3Text…" (number in the footnote font); "super": raised number; "dotted": "3. Text…"
    footnote_number: Literal["glued", "super", "dotted"] = "glued"
    header: str | None = None
    footer: str | None = None
    # Printed page numbers: None, or "bottom"/"top" centred.
    folio: Literal["bottom", "top"] | None = "bottom"
    folio_start: int = 1  # printed number of the first body page
    front_matter_pages: int = 0  # leading pages numbered i, ii, … (ended by "pagebreak" items)
    write_page_labels: bool = False  # also record the numbering as /PageLabels
    # reportlab's WinAnsi standard fonts cannot encode "•"; embedded TrueType fonts can.
    bullet: str = "–"


@dataclass
class Expected:
    """What a correct reader reports for the generated PDF."""

    blocks: list[tuple[str, str, tuple[tuple[int, int], ...]]] = field(default_factory=list)
    footnotes: dict[int, str] = field(default_factory=dict)
    footnote_pages: dict[int, str] = field(default_factory=dict)
    page_labels: list[str] = field(default_factory=list)
    # Texts of blocks whose lines were cut by a page break.
    split_blocks: list[str] = field(default_factory=list)
    title: str = ""


# One string drawn on a page: (x, baseline, text, font, size).
Draw = tuple[float, float, str, str, float]


def draw_pdf(path: Path, pages: Sequence[Sequence[Draw]],
             pagesize: tuple[float, float] = letter) -> None:
    """A PDF whose pages draw their strings in the order given: the order of the content
    stream, which need not be the reading order (Canva draws text box after text box)."""
    canvas = Canvas(str(path), pagesize=pagesize)
    for page in pages:
        for x, y, text, font, size in page:
            canvas.setFont(font, size)
            canvas.drawString(x, y, text)
        canvas.showPage()
    canvas.save()


def roman(number: int) -> str:
    out = []
    for value, letters in (
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ):
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


@dataclass
class _Word:
    text: str
    markers: list[int]


def _words(text: str) -> list[_Word]:
    words: list[_Word] = []
    for token in text.split():
        markers = [int(m) for m in _MARKER.findall(token)]
        words.append(_Word(_MARKER.sub("", token), markers))
    return words


def _expected_text(words: Sequence[_Word]) -> tuple[str, tuple[tuple[int, int], ...]]:
    text = ""
    markers: list[tuple[int, int]] = []
    for word in words:
        if text and word.text:
            text += " "
        text += word.text
        markers.extend((len(text), n) for n in word.markers)
    return text, tuple(markers)


class _Typesetter:
    def __init__(self, layout: Layout, footnotes: dict[int, str]) -> None:
        self.lay = layout
        self.footnotes = footnotes
        self.buffer = io.BytesIO()
        self.canvas = Canvas(self.buffer, pagesize=layout.pagesize)
        self.width, self.height = layout.pagesize
        self.page_index = 0
        self.y = self.height - layout.margin
        self.page_footnotes: list[int] = []
        self.expected = Expected()
        self.page_started = False

    # -- page furniture -------------------------------------------------------------------

    def label(self, index: int) -> str:
        if index < self.lay.front_matter_pages:
            return roman(index + 1)
        return str(index - self.lay.front_matter_pages + self.lay.folio_start)

    def _footnote_lines(self, number: int) -> list[str]:
        lay = self.lay
        words = self.footnotes[number].split()
        if lay.footnote_number == "glued":
            words[0] = f"{number}{words[0]}"
        elif lay.footnote_number == "dotted":
            words.insert(0, f"{number}.")

        def width(s: str) -> float:
            return stringWidth(s, lay.font, lay.footnote_size)

        avail = self.width - 2 * lay.margin
        lines: list[str] = []
        current = ""
        for word in words:
            candidate = f"{current} {word}" if current else word
            if width(candidate) <= avail:
                current = candidate
                continue
            if current:
                lines.append(current)
            # A URL longer than the line is cut between characters, as word processors do.
            while width(word) > avail:
                cut = len(word)
                while width(word[:cut]) > avail:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
        return lines

    def _footnote_height(self, numbers: Sequence[int]) -> float:
        if not numbers:
            return 0.0
        lines = sum(len(self._footnote_lines(n)) for n in numbers)
        return lines * self.lay.footnote_leading + 10.0

    def _finish_page(self) -> None:
        lay, c = self.lay, self.canvas
        if self.page_footnotes:
            lines = [(n, i, t) for n in self.page_footnotes
                     for i, t in enumerate(self._footnote_lines(n))]
            y = lay.margin + (len(lines) - 1) * lay.footnote_leading
            c.setLineWidth(0.5)
            c.line(lay.margin, y + lay.footnote_leading + 2, lay.margin + 100,
                   y + lay.footnote_leading + 2)
            for number, index, text in lines:
                x = lay.margin
                if index == 0 and lay.footnote_number == "super":
                    t = c.beginText(x, y)
                    t.setFont(lay.font, lay.footnote_size * 0.7)
                    t.setRise(lay.footnote_size * 0.4)
                    t.textOut(str(number))
                    t.setRise(0)
                    t.setFont(lay.font, lay.footnote_size)
                    t.textOut(text)
                    c.drawText(t)
                else:
                    c.setFont(lay.font, lay.footnote_size)
                    c.drawString(x, y, text)
                y -= lay.footnote_leading
            label = self.label(self.page_index)
            for number in self.page_footnotes:
                self.expected.footnote_pages[number] = label
        c.setFont(lay.font, 8)
        if lay.header:
            c.drawString(lay.margin, self.height - 40, lay.header)
        if lay.footer:
            c.drawString(lay.margin, 30, lay.footer)
        if lay.folio:
            y = 30 if lay.folio == "bottom" else self.height - 40
            x = self.width / 2 if lay.folio == "bottom" else self.width - lay.margin
            c.drawCentredString(x, y, self.label(self.page_index))
        self.expected.page_labels.append(self.label(self.page_index))
        c.showPage()
        self.page_index += 1
        self.y = self.height - lay.margin
        self.page_footnotes = []
        self.page_started = False

    # -- body -------------------------------------------------------------------------------

    def _bottom(self, extra_notes: Sequence[int]) -> float:
        return self.lay.margin + self._footnote_height([*self.page_footnotes, *extra_notes])

    def _draw_line(
        self, x: float, words: Sequence[_Word], font: str, size: float, leading: float,
        align_centre: bool = False,
    ) -> bool:
        """Draw one line; return True when it had to start a new page first."""
        # A superscript with no footnote text (an exponent, an endnote call) reserves nothing.
        notes = [n for w in words for n in w.markers
                 if n not in self.page_footnotes and n in self.footnotes]
        broke = False
        if self.y - leading < self._bottom(notes) and self.page_started:
            self._finish_page()
            broke = True
        self.y -= leading
        self.page_started = True
        self.page_footnotes.extend(notes)
        c, lay = self.canvas, self.lay
        sup_size = size * 0.65
        if align_centre:
            x = (self.width - self._line_width(words, font, size)) / 2
        text = c.beginText(x, self.y)
        text.setFont(font, size)
        cursor = x
        for i, word in enumerate(words):
            piece = ("" if i == 0 else " ") + word.text
            text.textOut(piece)
            cursor += stringWidth(piece, font, size)
            for n in word.markers:
                label = str(n)
                if lay.superscript == "rise":
                    text.setFont(font, sup_size)
                    text.setRise(size * 0.38)
                    text.textOut(label)
                    text.setRise(0)
                    text.setFont(font, size)
                else:
                    c.drawText(text)
                    c.setFont(font, sup_size)
                    c.drawString(cursor, self.y + size * 0.4, label)
                    text = c.beginText(cursor + stringWidth(label, font, sup_size), self.y)
                    text.setFont(font, size)
                cursor += stringWidth(label, font, sup_size)
        c.drawText(text)
        return broke

    def _line_width(self, words: Sequence[_Word], font: str, size: float) -> float:
        text = " ".join(w.text for w in words)
        digits = "".join(str(n) for w in words for n in w.markers)
        return stringWidth(text, font, size) + stringWidth(digits, font, size * 0.65)

    def _wrap(
        self, words: Sequence[_Word], font: str, size: float, first_width: float, width: float
    ) -> list[list[_Word]]:
        lines: list[list[_Word]] = [[]]
        for word in words:
            trial = [*lines[-1], word]
            avail = first_width if len(lines) == 1 else width
            if lines[-1] and self._line_width(trial, font, size) > avail:
                lines.append([word])
            else:
                lines[-1] = trial
        return lines

    def add(self, item: Item) -> None:
        lay = self.lay
        if item.kind == "pagebreak":
            self._finish_page()
            return
        words = _words(item.text)
        numbered_label = ""
        if item.kind == "numbered":
            # The enumerator is printed in the margin; like Word, readers drop it from the text.
            numbered_label, words = words[0].text, words[1:]
        text, markers = _expected_text(words)
        left, right = lay.margin, self.width - lay.margin
        font, size, leading, space = lay.font, lay.size, lay.leading, lay.para_spacing
        first_x = left
        centre = False
        kind = {"bullet": "list_item", "numbered": "list_item", "title": "heading"}.get(
            item.kind, item.kind
        )
        if item.kind == "heading":
            font, size, leading = lay.bold, lay.heading_size, lay.heading_size * 1.25
            space = max(lay.para_spacing * 2, lay.leading)
        elif item.kind == "title":
            font, size, leading, centre = lay.bold, lay.title_size, lay.title_size * 1.2, True
            space = 0
            self.expected.title = self.expected.title or text
        elif item.kind == "caption":
            font, size, leading = lay.italic, lay.size - 1, (lay.size - 1) * 1.3
            space = max(lay.para_spacing, 6)
        elif item.kind in ("bullet", "numbered"):
            left = lay.margin + 24
            first_x = left
        elif item.kind == "paragraph":
            first_x = left + lay.first_line_indent
        if self.page_started:
            self.y -= space
        lines = self._wrap(words, font, size, right - first_x, right - left)
        pages = set()
        for i, line in enumerate(lines):
            x = first_x if i == 0 else left
            if i == 0 and item.kind in ("bullet", "numbered"):
                # Keep the marker glyph with the first line (decided before drawing it).
                notes = [n for w in line for n in w.markers
                         if n not in self.page_footnotes and n in self.footnotes]
                if self.y - leading < self._bottom(notes) and self.page_started:
                    self._finish_page()
                self.canvas.setFont(font, size)
                glyph = lay.bullet if item.kind == "bullet" else numbered_label
                self.canvas.drawString(lay.margin + 10, self.y - leading, glyph)
            self._draw_line(x, line, font, size, leading, align_centre=centre)
            pages.add(self.page_index)
        self.expected.blocks.append((kind, text, markers))
        if len(pages) > 1:
            self.expected.split_blocks.append(text)

    def finish(self) -> bytes:
        if self.page_started or self.page_index == 0:
            self._finish_page()
        self.canvas.save()
        return self.buffer.getvalue()


def build_pdf(
    path: Path,
    items: Sequence[Item],
    footnotes: dict[int, str],
    layout: Layout = Layout(),
    *,
    title_metadata: str | None = None,
) -> Expected:
    """Typeset `items` into `path` and return what a correct reader must find in it."""
    setter = _Typesetter(layout, footnotes)
    if title_metadata is not None:
        setter.canvas.setTitle(title_metadata)
    for item in items:
        setter.add(item)
    data = setter.finish()
    expected = setter.expected
    expected.footnotes = dict(footnotes)
    if layout.write_page_labels:
        reader = PdfReader(io.BytesIO(data))
        writer = PdfWriter()
        writer.append(reader)
        count = len(writer.pages)
        front = min(layout.front_matter_pages, count)
        if front:
            writer.set_page_label(0, front - 1, style=PageLabelStyle.LOWERCASE_ROMAN, start=1)
        if front < count:
            writer.set_page_label(
                front, count - 1, style=PageLabelStyle.DECIMAL, start=layout.folio_start
            )
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    path.write_bytes(data)
    return expected


# -- canned documents -------------------------------------------------------------------------

_SENTENCES = (
    "Coastal wetlands store large amounts of carbon in their waterlogged soils",
    "Restoration projects reconnect drained marshes with the tides that once fed them",
    "Monitoring plots are visited every spring and every autumn by trained volunteers",
    "Sediment cores show how quickly the marsh surface keeps pace with rising seas",
    "Local fishers report that juvenile flounder have returned to the restored creeks",
    "The cost of breaching an old sea wall varies widely between sites",
    "Salt-tolerant grasses colonise the bare mud within two or three growing seasons",
    "Grazing by geese can slow that recovery where the new vegetation is sparse",
    "Regional agencies share their survey data through a common open repository",
    "Long-term funding remains the main obstacle named by project managers",
)


def prose(seed: int, sentences: int) -> str:
    """Deterministic filler prose (sentences rotate with `seed`)."""
    out = [_SENTENCES[(seed * 3 + i) % len(_SENTENCES)] + "." for i in range(sentences)]
    return " ".join(out)


WIDE_URL = (
    "https://data.example.org/wetlands/reports/2023/annual-survey-results"
    "?region=north-sea&layers=saltmarsh%2Cmudflat%2Creedbed&format=pdf"
    "#section=carbon%20storage%20estimates"
)

REPORT_FOOTNOTES = {
    1: "Marsh Trust. Annual Survey of Restored Wetlands 2023. Marsh Trust, Leeds, 2024. "
    f"Available at: {WIDE_URL} (accessed 3 March 2024).",
    2: "Smith, J. and Okafor, A. Tidal reconnection and sediment supply. "
    "Estuarine Science 41 (2022), pp. 113-129.",
    3: "Ibid., p. 120.",
    4: "Coastal Agency. Breach design guidance, second edition. Coastal Agency, Bristol, 2021.",
    5: "Interview with a project manager, 12 June 2023.",
}


def report_items(paragraph_sentences: int = 9) -> list[Item]:
    """A short report: title, headings, paragraphs with markers, lists and a caption."""
    n = paragraph_sentences
    return [
        Item("title", "Restoring Tidal Wetlands"),
        Item("heading", "1. Background"),
        Item("paragraph", prose(0, n).replace("soils.", "soils.{1}", 1)),
        Item("paragraph", prose(1, n).replace("them.", "them.{2}", 1)),
        Item("caption", "Table 1: Restored area by region, 2015-2023{3}"),
        Item("paragraph", prose(2, n + 4)),
        Item("heading", "2. Methods"),
        Item("bullet", "Plots are surveyed twice a year along fixed transects.{4}"),
        Item("bullet", "Sediment accretion is measured with marker horizons and "
             "surface elevation tables installed at each restored site."),
        Item("paragraph", prose(3, n + 6)),
        Item("numbered", "1. Which sites lost the most vegetation to grazing?"),
        Item("numbered", "2. How fast did the marsh surface rise at the breached sites "
             "compared with the natural reference marshes nearby?{5}"),
        Item("paragraph", prose(4, n)),
        Item("paragraph", prose(5, n + 3)),
    ]


_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def dejavu_layout(**overrides: object) -> Layout | None:
    """A layout in embedded DejaVu TrueType fonts, or None where the fonts are not installed."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    files = {"DejaVuSerif": "DejaVuSerif.ttf", "DejaVuSerif-Bold": "DejaVuSerif-Bold.ttf",
             "DejaVuSerif-Italic": "DejaVuSerif-Italic.ttf"}
    if not all((_DEJAVU / f).is_file() for f in files.values()):
        return None
    for name, file in files.items():
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(_DEJAVU / file)))
    base: dict[str, object] = {
        "font": "DejaVuSerif", "bold": "DejaVuSerif-Bold", "italic": "DejaVuSerif-Italic",
        "bullet": "•",
    }
    base.update(overrides)
    return Layout(**base)  # type: ignore[arg-type]


def make_report(path: Path, layout: Layout = Layout(), **kwargs: object) -> Expected:
    """The canned report with its five footnotes."""
    return build_pdf(path, report_items(), REPORT_FOOTNOTES, layout, **kwargs)  # type: ignore[arg-type]


def make_long_pdf(path: Path, pages: int) -> int:
    """A plain text PDF of at least `pages` pages (for timing). Returns the page count."""
    setter = _Typesetter(Layout(pagesize=A5, header="Long report — timing fixture"), {})
    setter.add(Item("title", "Timing Fixture"))
    i = 0
    while setter.page_index < pages:
        if i % 12 == 0:
            setter.add(Item("heading", f"Section {i // 12 + 1}"))
        setter.add(Item("paragraph", prose(i, 4)))
        i += 1
    path.write_bytes(setter.finish())
    return len(PdfReader(path).pages)


def make_image_only_pdf(path: Path) -> None:
    """Pages with drawings and an image but not one character of text (like a scan)."""
    from reportlab.lib.utils import ImageReader

    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow ships with reportlab's extras here
        image = None
    else:
        image = Image.new("L", (64, 64), color=200)
    c = Canvas(str(path), pagesize=letter)
    for _ in range(2):
        c.rect(72, 72, 300, 400, fill=1)
        if image is not None:
            c.drawImage(ImageReader(image), 100, 500, width=128, height=128)
        c.showPage()
    c.save()


def make_encrypted_pdf(src: Path, dest: Path, user_password: str) -> None:
    """`src` encrypted (RC4, which pypdf can do without extra packages)."""
    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password=user_password, owner_password="owner-secret",
                   algorithm="RC4-128")
    with dest.open("wb") as fh:
        writer.write(fh)


def make_two_column_pdf(path: Path) -> list[str]:
    """A Letter page in two columns whose middle paragraph flows from the foot of the left
    column to the head of the right one. Returns the paragraphs a reader must report."""
    paragraphs = [prose(0, 6), prose(1, 14), prose(2, 5)]
    c = Canvas(str(path), pagesize=letter)
    c.setFont("Helvetica", 9)
    width, height = letter
    column_width, gap, leading = (width - 2 * 54 - 24) / 2, 24.0, 11.0
    columns = [54.0, 54.0 + column_width + gap]
    top, bottom = height - 72, 400.0  # short columns, so paragraph 2 must change column
    column, y = 0, top
    for text in paragraphs:
        lines: list[str] = [""]
        for word in text.split():
            trial = f"{lines[-1]} {word}".strip()
            if stringWidth(trial, "Helvetica", 9) > column_width:
                lines.append(word)
            else:
                lines[-1] = trial
        for line in lines:
            if y < bottom:
                column, y = column + 1, top
            c.drawString(columns[column], y, line)
            y -= leading
        y -= 6  # paragraph spacing
    c.save()
    return paragraphs


def make_continued_footnote_pdf(path: Path) -> dict[int, str]:
    """Two pages; footnote 1 starts at the foot of page 1 and ends at the top of page 2's
    footnote area, above footnote 2. Returns the footnotes a reader must report."""
    c = Canvas(str(path), pagesize=letter)
    note_1 = [
        "1Marsh Trust. Annual Survey of Restored Wetlands 2023, a long report whose",
        "note runs on to the next page because the citation goes on and on, as",
    ]
    note_1_rest = "legal citations do (accessed 3 March 2024)."
    note_2 = "2Smith, J. Tidal reconnection and sediment supply. Estuarine Science, 2022."
    for page, (marker, notes) in enumerate(((1, note_1), (2, [note_1_rest, note_2]))):
        y = 700.0
        for i in range(8):
            t = c.beginText(72, y)
            t.setFont("Helvetica", 10)
            t.textOut(prose(page * 8 + i, 1))
            if i == 7:
                t.setFont("Helvetica", 6.5)
                t.setRise(3.8)
                t.textOut(str(marker))
                t.setRise(0)
            c.drawText(t)
            y -= 13
        c.setFont("Helvetica", 7.5)
        y = 72 + 9 * (len(notes) - 1)
        c.line(72, y + 11, 172, y + 11)
        for line in notes:
            c.drawString(72, y, line)
            y -= 9
        c.showPage()
    c.save()
    return {1: " ".join([note_1[0][1:], note_1[1], note_1_rest]), 2: note_2[1:]}


def make_shuffled_stream_pdf(path: Path) -> list[str]:
    """One page whose content stream draws the lines bottom-up (some producers emit text in
    no reading order). Returns the paragraphs, top-down, a reader must report."""
    paragraphs = [prose(3, 4), prose(4, 5)]
    placed: list[tuple[float, str]] = []
    y = 700.0
    for text in paragraphs:
        line = ""
        for word in text.split():
            trial = f"{line} {word}".strip()
            if stringWidth(trial, "Helvetica", 10) > 400:
                placed.append((y, line))
                y -= 13
                line = word
            else:
                line = trial
        placed.append((y, line))
        y -= 13 + 8
    c = Canvas(str(path), pagesize=letter)
    c.setFont("Helvetica", 10)
    for y, line in reversed(placed):
        c.drawString(72, y, line)
    c.save()
    return paragraphs


def make_transformed_text_pdf(path: Path) -> TransformedText:
    """One Letter page whose paragraphs are drawn the ways real exporters draw them:
    upright, slanted by a shear in the text matrix (Word's fake italic), and under a
    vertically flipped matrix (Canva's page transform), plus a stamp turned 90° in the
    margin. A reader must keep the three paragraphs, in order, and name the stamp."""
    paragraphs = [prose(10, 3), prose(11, 3), prose(12, 3)]
    stamp = "Draft circulated to delegates only"
    width, height = letter
    c = Canvas(str(path), pagesize=letter)
    c.setFont("Helvetica", 10)
    y = height - 90
    for kind, text in zip(("upright", "slanted", "flipped"), paragraphs, strict=True):
        lines: list[str] = [""]
        for word in text.split():
            trial = f"{lines[-1]} {word}".strip()
            if stringWidth(trial, "Helvetica", 10) > width - 144:
                lines.append(word)
            else:
                lines[-1] = trial
        for line in lines:
            t = c.beginText()
            t.setFont("Helvetica", 10)
            if kind == "slanted":
                t.setTextTransform(1, 0, 0.21, 1, 72, y)
            elif kind == "flipped":
                # The glyphs' vertical axis points down the page, as under Canva's
                # `1 0 0 -1 0 H cm`: the baseline is still at y.
                t.setTextTransform(1, 0, 0, -1, 72, y)
            else:
                t.setTextOrigin(72, y)
            t.textLine(line)
            c.drawText(t)
            y -= 13
        y -= 10
    c.saveState()
    c.translate(width - 30, 200)
    c.rotate(90)
    c.drawString(0, 0, stamp)
    c.restoreState()
    c.save()
    return TransformedText(paragraphs, stamp)


class TransformedText(NamedTuple):
    """What `make_transformed_text_pdf` drew: the body paragraphs and the turned stamp."""

    paragraphs: list[str]
    stamp: str


# -- footnote conventions of real producers (issue 11) ---------------------------------------


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = [""]
    for word in text.split():
        trial = f"{lines[-1]} {word}".strip()
        if stringWidth(trial, font, size) > width and lines[-1]:
            lines.append(word)
        else:
            lines[-1] = trial
    return lines


class NotesFixture(NamedTuple):
    """What a footnote-convention fixture drew: the body texts (markers taken out) with the
    markers each carries, and the footnotes."""

    body: list[tuple[str, tuple[int, ...]]]
    footnotes: dict[int, str]


def make_word_notes_pdf(path: Path) -> NotesFixture:
    """Word's layout: 12 pt body, a marker raised in 8 pt followed by a space ("work.¹ This"),
    and notes numbered by a 7 pt number raised above 8 pt note text drawn apart from it."""
    notes = {1: "Marsh Trust. Annual Survey of Restored Wetlands 2023.",
             2: "Smith, J. Tidal reconnection and sediment supply, 2022."}
    c = Canvas(str(path), pagesize=letter)
    y = 700.0
    sentences = [prose(0, 3), prose(1, 3)]
    body: list[tuple[str, tuple[int, ...]]] = []
    for number, text in zip((1, 2), sentences, strict=True):
        lines = _wrap(text, "Helvetica", 12, 430)
        for i, line in enumerate(lines):
            t = c.beginText(72, y)
            t.setFont("Helvetica", 12)
            t.textOut(line)
            if i == len(lines) - 1:
                t.setFont("Helvetica", 8)
                t.setRise(3.9)
                t.textOut(f"{number} ")
                t.setRise(0)
                t.setFont("Helvetica", 12)
                t.textOut("Then more.")
            c.drawText(t)
            y -= 18
        body.append((f"{text} Then more.", (number,)))
        y -= 18
    y = 100.0
    for number, text in notes.items():
        c.setFont("Helvetica", 7)
        c.drawString(72, y + 4, str(number))
        c.setFont("Helvetica", 8)
        c.drawString(76, y, text)
        y -= 13
    c.save()
    return NotesFixture(body, notes)


def make_slip_opinion_pdf(path: Path) -> NotesFixture:
    """A court slip opinion: markers drawn by a scaled text matrix in the middle of a line
    (no font change: "[CFS].”³ Id."), notes in the body's own size below a "——————" rule,
    note 1 running on below the rule of the next page, above note 2."""
    c = Canvas(str(path), pagesize=letter)
    note_1 = ("The Compact defines undesignated water as all water released from storage "
              "other than designated water, and the parties agree on that reading of it "
              "throughout the litigation of this case")
    note_1_rest = "in every court below."
    note_2 = "An acre-foot is the volume of one acre of surface filled to a depth of one foot."
    body: list[tuple[str, tuple[int, ...]]] = []
    for page, number in enumerate((1, 2)):
        t = c.beginText()
        t.setFont("Times-Roman", 1)
        y = 700.0
        lines = _wrap(prose(page * 4, 4), "Times-Roman", 11, 400)
        for i, line in enumerate(lines):
            t.setTextTransform(11, 0, 0, 11, 72, y)
            t.textOut(line)
            if i == len(lines) - 1:
                width = stringWidth(line, "Times-Roman", 11)
                t.setTextTransform(7, 0, 0, 7, 72 + width, y + 3)
                t.textOut(f"{number} ")
                t.setTextTransform(11, 0, 0, 11, 72 + width + 6, y)
                t.textOut("Id., at 25.")
            y -= 13.2
        c.drawText(t)
        body.append((prose(page * 4, 4) + " Id., at 25.", (number,)))
        c.setFont("Times-Roman", 11)
        c.drawString(72, 300, "——————")
        y = 286.0
        if page == 0:
            first, *rest = _wrap(note_1, "Times-Roman", 11, 400)
            c.setFont("Times-Roman", 7)
            c.drawString(81, y + 3, "1")
            c.setFont("Times-Roman", 11)
            c.drawString(86, y, first)
            for line in rest:
                y -= 13.2
                c.drawString(72, y, line)
        else:
            c.drawString(72, y, note_1_rest)
            c.setFont("Times-Roman", 7)
            c.drawString(81, y - 13.2 + 3, "2")
            c.setFont("Times-Roman", 11)
            c.drawString(86, y - 13.2, note_2)
        c.showPage()
    c.save()
    return NotesFixture(body, {1: f"{note_1} {note_1_rest}", 2: note_2})


def make_unspaced_words_pdf(path: Path) -> NotesFixture:
    """A typesetter that draws every word at its own position and never a space character
    (as some law-review PDFs do): word spaces exist only as gaps between glyphs."""
    text = prose(2, 3)
    # An embedded subset font without a space glyph, like such producers' fonts.
    layout = dejavu_layout()
    font = layout.font if layout is not None else "Times-Roman"
    c = Canvas(str(path), pagesize=letter)
    t = c.beginText(72, 700)
    t.setFont(font, 10.5)
    x, y = 72.0, 700.0
    for word in text.split():
        width = stringWidth(word, font, 10.5)
        if x + width > 500:
            x, y = 72.0, y - 12
        # Two glyphs at a time, each pair placed by a move of its own (as the law review's
        # typesetter does), and no space character anywhere.
        px = x
        for k in range(0, len(word), 2):
            t.setTextOrigin(px, y)
            t.textOut(word[k:k + 2])
            px += stringWidth(word[k:k + 2], font, 10.5)
        x += width + 2.9  # a word space of 0.28 em, drawn as a move, not as " "
    t.setFont(font, 6.5)
    t.setTextOrigin(x - 2.9, y + 3.5)
    t.textOut("1")
    c.drawText(t)
    c.setFont(font, 8.5)
    note = "Bear Creek Mining Corp. v. Republic of Peru, Award (Nov. 30, 2017)."
    t = c.beginText(90, 100)
    t.setFont(font, 8.5)
    t.textOut("1.")
    nx = 90 + stringWidth("1.", font, 8.5) + 2.4
    for word in note.split():
        t.setTextOrigin(nx, 100)
        t.textOut(word)
        nx += stringWidth(word, font, 8.5) + 2.4
    c.drawText(t)
    c.save()
    return NotesFixture([(text, (1,))], {1: note})


def make_works_cited_pdf(path: Path) -> list[str]:
    """A guide without footnotes: a subscript ("PM₁₀") in the body, and a numbered Works
    Cited in a smaller font at the foot of the page, each number drawn apart from its URL.
    Returns the Works Cited URLs."""
    c = Canvas(str(path), pagesize=letter)
    y = 700.0
    for line in _wrap(prose(5, 4), "Helvetica", 13, 440):
        c.setFont("Helvetica", 13)
        c.drawString(72, y, line)
        y -= 16
    t = c.beginText(72, y)
    t.setFont("Helvetica", 13)
    t.textOut("Particulate matter PM")
    t.setFont("Helvetica", 8)
    t.setRise(-3)
    t.textOut("10")
    t.setRise(0)
    t.setFont("Helvetica", 13)
    t.textOut(" fell by a third.")
    c.drawText(t)
    c.setFont("Helvetica", 20)
    c.drawString(72, 300, "Works Cited")
    urls = [f"https://example.org/report-{n}/annual-survey.html" for n in range(1, 6)]
    y = 270.0
    for n, url in enumerate(urls, start=1):
        c.setFont("Helvetica", 10)
        c.drawString(90, y, f"{n}.")
        c.drawString(108, y, url)
        y -= 26
    c.save()
    return urls


def make_unicode_superscript_pdf(path: Path) -> NotesFixture | None:
    """Markers and note numbers drawn as Unicode superscript characters ("work.¹ This",
    "¹ Marsh Trust…") in an embedded TrueType font; None where DejaVu is not installed."""
    layout = dejavu_layout()
    if layout is None:
        return None
    notes = {1: "Marsh Trust. Annual Survey of Restored Wetlands 2023.",
             12: "Smith, J. Tidal reconnection and sediment supply, 2022."}
    c = Canvas(str(path), pagesize=letter)
    y = 700.0
    body: list[tuple[str, tuple[int, ...]]] = []
    for number, text in zip(notes, [prose(3, 2), prose(4, 2)], strict=True):
        lines = _wrap(text, layout.font, 11, 430)
        lines[-1] += f"{number}".translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
        lines[-1] += " Then more, over 10 km²."
        for line in lines:
            c.setFont(layout.font, 11)
            c.drawString(72, y, line)
            y -= 15
        body.append((f"{text} Then more, over 10 km².", (number,)))
        y -= 10
    y = 90.0
    c.setFont(layout.font, 8)
    for number, text in notes.items():
        c.drawString(72, y, f"{number}".translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
                     + " " + text)
        y -= 11
    c.save()
    return NotesFixture(body, notes)


def make_cover_then_folios_pdf(path: Path, cover_folio: str | None = None) -> None:
    """A cover (printing `cover_folio`, or no number), then pages printed 1, 2, 3."""
    c = Canvas(str(path), pagesize=letter)
    c.setFont("Helvetica-Bold", 24)
    c.drawString(72, 600, "Background Guide")
    if cover_folio is not None:
        c.setFont("Helvetica", 11)
        c.drawString(300, 30, cover_folio)
    c.showPage()
    for folio in (1, 2, 3):
        y = 700.0
        c.setFont("Helvetica", 11)
        for line in _wrap(prose(folio, 5), "Helvetica", 11, 440):
            c.drawString(72, y, line)
            y -= 14
        c.drawString(300, 30, str(folio))
        c.showPage()
    c.save()


def make_restarting_folios_pdf(path: Path, folios: Sequence[int | str | None]) -> None:
    """One page per entry of `folios`, each printing that number at its foot (None: no folio),
    so numbering can restart (a syllabus 1-3, then an opinion 1-4)."""
    c = Canvas(str(path), pagesize=letter)
    for page, folio in enumerate(folios):
        y = 700.0
        c.setFont("Helvetica", 11)
        for line in _wrap(prose(page + 1, 5), "Helvetica", 11, 440):
            c.drawString(72, y, line)
            y -= 14
        if folio is not None:
            c.drawString(300, 30, str(folio))
        c.showPage()
    c.save()


def make_notes_on_one_line_pdf(path: Path) -> NotesFixture:
    """A law review's short notes set several to a line: "¹ Ibid. ² Id. at 5. ³ …", each
    number raised above 8 pt note text; a fourth note has a line of its own."""
    notes = {1: "Ibid.", 2: "Id. at 5.", 3: "See supra note 1.",
             4: "Smith, J. Tidal reconnection and sediment supply, 2022."}
    c = Canvas(str(path), pagesize=letter)
    y = 700.0
    body: list[tuple[str, tuple[int, ...]]] = []
    for number in notes:
        text = prose(number, 2)
        t = c.beginText(72, y)
        t.setFont("Helvetica", 12)
        for line in _wrap(text, "Helvetica", 12, 430)[:-1]:
            t.textLine(line)
        t.textOut(_wrap(text, "Helvetica", 12, 430)[-1])
        t.setFont("Helvetica", 8)
        t.setRise(3.9)
        t.textOut(str(number))
        t.setRise(0)
        c.drawText(t)
        body.append((text, (number,)))
        y -= 18 * (len(_wrap(text, "Helvetica", 12, 430)) + 1)
    t = c.beginText(72, 100)
    for number in (1, 2, 3):
        t.setFont("Helvetica", 7)
        t.setRise(3)
        t.textOut(str(number))
        t.setRise(0)
        t.setFont("Helvetica", 8)
        t.textOut(f" {notes[number]} ")
    c.drawText(t)
    t = c.beginText(72, 88)
    t.setFont("Helvetica", 7)
    t.setRise(3)
    t.textOut("4")
    t.setRise(0)
    t.setFont("Helvetica", 8)
    t.textOut(f" {notes[4]}")
    c.drawText(t)
    c.save()
    return NotesFixture(body, notes)


def make_symbol_notes_pdf(path: Path, *, notes: bool = True, raised_symbols: bool = True,
                          ) -> NotesFixture:
    """A law review's first page: the title marked "*" (the author's note), a sentence marked
    ¹ and then "†"; the notes at the foot in order *, 1, †. `raised_symbols=False` draws the
    notes' own symbols in the note type, unraised; `notes=False` prints no note at all."""
    from ingest.records import symbol_note_number

    star, dagger = symbol_note_number("*"), symbol_note_number("†")
    assert star is not None and dagger is not None
    texts = {star: "Professor of Law, Example University.",
             1: "See Smith, The State as Owner, 12 J. L. 4 (2020).",
             dagger: "Editor's note: figures as of 2021."}
    c = Canvas(str(path), pagesize=letter)

    def marked(x: float, y: float, parts: list[tuple[str, str]], size: float,
               mark_size: float) -> None:
        t = c.beginText(x, y)
        for kind, text in parts:
            t.setFont("Helvetica", mark_size if kind == "mark" else size)
            t.setRise(0.4 * size if kind == "mark" else 0)
            t.textOut(text)
        t.setRise(0)
        c.drawText(t)

    marked(72, 700, [("text", "Citizen Shareholders"), ("mark", "*")], 12, 8)
    marked(72, 670, [("text", "The state acts as a fiduciary when it invests."), ("mark", "1"),
                     ("text", " It also owns firms."), ("mark", "†")], 12, 8)
    y = 640.0
    for i in range(4):
        for line in _wrap(prose(i, 3), "Helvetica", 12, 440):
            c.setFont("Helvetica", 12)
            c.drawString(72, y, line)
            y -= 15
        y -= 8
    if notes:
        y = 110.0
        for number, symbol in ((star, "*"), (1, "1"), (dagger, "†")):
            if raised_symbols or symbol == "1":
                marked(72, y, [("mark", symbol), ("text", " " + texts[number])], 8, 7)
            else:
                marked(72, y, [("text", f"{symbol} {texts[number]}")], 8, 7)
            y -= 12
    c.save()
    body = [("Citizen Shareholders", (star,)),
            ("The state acts as a fiduciary when it invests. It also owns firms.", (1, dagger))]
    return NotesFixture(body if notes else [], texts if notes else {})
