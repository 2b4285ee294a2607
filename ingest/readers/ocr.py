"""OCR for PDF pages that have no text layer (scans), through Debian's `tesseract`.

The PDF reader calls `ocr_page` for a page from which pypdf got no text run at all. The page
is rendered with pypdfium2 (pypdf cannot rasterise a page, and a scanned page may be a stack
of image strips or masks, so extracting "the" image is not enough), then handed to an
`OcrEngine` — the seam: `TesseractEngine` when the `tesseract` binary is installed,
otherwise `MissingEngine`, which says so. Either way the page is named: a page read by OCR
gets a warning that its text was recognised, not extracted (it may differ from the print),
and a page that could not be read gets a warning saying why.

Lines come back in PDF user space (points, origin at the bottom left), so the reader's own
line, furniture and block logic treats them like any other text.
"""

from __future__ import annotations

import csv
import io
import shutil
import statistics
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PIL.Image import Image

# 300 dpi is what tesseract is trained for; smaller print is read badly below ~200 dpi.
OCR_DPI = 300
# A page larger than this many pixels is rendered at a lower resolution (a poster-sized
# page at 300 dpi would take gigabytes).
MAX_PIXELS = 40_000_000
# A rendered page whose darkest pixel is at least this light is blank: nothing to read.
_BLANK_LEVEL = 250
# Confidence (0–100) below which a recognised word is counted as doubtful in the warning.
# Doubtful words are kept: dropping them would splice the words around them together.
DOUBTFUL_CONFIDENCE = 50.0
# A page on which more than this share of the words are doubtful is not used at all.
UNRELIABLE_SHARE = 0.5
_TIMEOUT_S = 120

# PDFium is not thread-safe; readers may run in several threads (the app's uploads).
_PDFIUM_LOCK = threading.Lock()


class OcrUnavailable(Exception):
    """The OCR engine cannot run here (not installed, failed, timed out); the reason says why."""


@dataclass(frozen=True)
class OcrLine:
    """One line of recognised text with its box, in pixels of the image it came from."""

    text: str
    left: int
    top: int
    height: int
    width: int = 0
    doubtful: int = 0  # words tesseract was unsure of (confidence < DOUBTFUL_CONFIDENCE)


class OcrEngine(Protocol):
    def recognise(self, image: Image) -> list[OcrLine]:
        """Lines of text in `image`, top to bottom; raise `OcrUnavailable` if it cannot run."""
        ...


class TesseractEngine:
    """`tesseract` run as a subprocess on a PNG (stdin → TSV on stdout)."""

    def __init__(self, binary: str = "tesseract", language: str = "eng") -> None:
        self.binary = binary
        self.language = language

    def recognise(self, image: Image) -> list[OcrLine]:
        png = io.BytesIO()
        image.save(png, format="PNG")
        try:
            done = subprocess.run(
                [self.binary, "stdin", "stdout", "-l", self.language, "--psm", "3", "tsv"],
                input=png.getvalue(),
                capture_output=True,
                timeout=_TIMEOUT_S,
                check=False,
            )
        except FileNotFoundError as exc:
            raise OcrUnavailable(f"{self.binary} is not installed") from exc
        except subprocess.TimeoutExpired as exc:
            raise OcrUnavailable(f"{self.binary} took longer than {_TIMEOUT_S} s") from exc
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise OcrUnavailable(
                f"{self.binary} failed (exit {done.returncode}"
                + (f": {detail[-1][:200]}" if detail else "") + ")"
            )
        return parse_tsv(done.stdout.decode("utf-8", "replace"))


class MissingEngine:
    """Stands in where no OCR engine is installed: every call says what to install."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def recognise(self, image: Image) -> list[OcrLine]:
        raise OcrUnavailable(self.reason)


def default_engine() -> OcrEngine:
    binary = shutil.which("tesseract")
    if binary is None:
        return MissingEngine(
            "tesseract is not installed (Debian: apt-get install tesseract-ocr)"
        )
    return TesseractEngine(binary)


def parse_tsv(tsv: str) -> list[OcrLine]:
    """tesseract's TSV (one row per word, with block/paragraph/line numbers) → lines."""
    words: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        key = (row["block_num"], row["par_num"], row["line_num"])
        words.setdefault(key, []).append(row)
    lines: list[OcrLine] = []
    for row_words in words.values():
        lefts = [int(w["left"]) for w in row_words]
        tops = [int(w["top"]) for w in row_words]
        bottoms = [int(w["top"]) + int(w["height"]) for w in row_words]
        rights = [int(w["left"]) + int(w["width"]) for w in row_words]
        lines.append(
            OcrLine(
                text=" ".join(w["text"].strip() for w in row_words),
                left=min(lefts),
                top=min(tops),
                height=max(bottoms) - min(tops),
                width=max(rights) - min(lefts),
                doubtful=sum(1 for w in row_words if _confidence(w) < DOUBTFUL_CONFIDENCE),
            )
        )
    lines.sort(key=lambda line: (line.top, line.left))
    return lines


def _confidence(row: dict[str, str]) -> float:
    try:
        return float(row.get("conf") or -1)
    except ValueError:
        return -1.0


@dataclass(frozen=True)
class PageLine:
    """A recognised line placed on the PDF page: `x`, baseline `y` and `size` in points."""

    text: str
    x: float
    y: float
    size: float


@dataclass(frozen=True)
class OcrPage:
    """What OCR gave for one page: its lines, and the warnings that name the page."""

    lines: tuple[PageLine, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenderedPage:
    image: Image
    # Characters PDFium finds in the page's text layer. Not zero means the page has text
    # that pypdf could not read (a damaged file): OCR would only guess at what is there.
    text_chars: int


def render_page(path: Path, index: int) -> RenderedPage:
    """Page `index` (0-based) of the PDF at `path`, rendered in greyscale for OCR."""
    import pypdfium2

    with _PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(str(path))
        try:
            page = document[index]
            text_page = page.get_textpage()
            chars = text_page.count_chars()
            text_page.close()
            width, height = page.get_size()
            scale = OCR_DPI / 72
            if width * height * scale * scale > MAX_PIXELS:
                scale = (MAX_PIXELS / max(width * height, 1.0)) ** 0.5
            bitmap = page.render(scale=scale, grayscale=True)
            image = bitmap.to_pil()
            image.load()  # the pixels must outlive the bitmap and the document
            return RenderedPage(image.copy(), chars)
        finally:
            document.close()


def ocr_page(
    engine: OcrEngine | None, path: Path, index: int, bottom: float, height: float
) -> OcrPage:
    """OCR page `index` of `path`, whose media box starts at `bottom` and is `height` tall.

    Never raises for an unreadable page: the reason becomes a warning naming the page.
    """
    page = f"page {index + 1}"
    try:
        rendered = render_page(path, index)
    except ImportError:
        return OcrPage((), (f"{page}: no text layer, and pypdfium2 is not installed to "
                            "render it for OCR: its text is not read",))
    except Exception as exc:  # PDFium refuses some damaged pages that pypdf still opened
        return OcrPage((), (f"{page}: no text layer, and it cannot be rendered for OCR "
                            f"({exc.__class__.__name__}: {str(exc)[:200]})",))
    if rendered.text_chars:
        return OcrPage((), (f"{page}: {rendered.text_chars} characters in its text layer could "
                            "not be read (damaged page?): its text is not read",))
    image = rendered.image
    extrema = image.convert("L").getextrema()  # (darkest, lightest) of the one band
    if isinstance(extrema[0], (int, float)) and extrema[0] >= _BLANK_LEVEL:
        return OcrPage(())  # a blank page: nothing was lost
    engine = engine or default_engine()
    try:
        found = engine.recognise(image)
    except OcrUnavailable as exc:
        return OcrPage((), (f"{page}: no text layer (a scanned image?) and OCR is not "
                            f"available: {exc}; its text is not read",))
    if not found:
        return OcrPage(())  # a picture without words
    words = sum(len(line.text.split()) for line in found)
    doubtful = sum(line.doubtful for line in found)
    if doubtful > UNRELIABLE_SHARE * words:
        # A map, a chart or a photo: tesseract "reads" shapes. Guesses are not passages.
        return OcrPage((), (f"{page}: no text layer, and OCR (tesseract) found only uncertain "
                            f"text ({doubtful} of {words} words): not used, check the page",))
    scale = image.height / height if height else OCR_DPI / 72
    # One size for every line of the page: box heights vary with ascenders and descenders,
    # and a line that looked smaller than its neighbour would be taken for a superscript
    # (a footnote marker) by the reader.
    size = max(statistics.median(line.height for line in found) / scale, 1.0)
    lines = tuple(
        PageLine(
            text=line.text,
            x=line.left / scale,
            # The bottom of the line box stands in for the baseline (descenders aside).
            y=bottom + height - (line.top + line.height) / scale,
            size=size,
        )
        for line in found
    )
    unsure = f", {doubtful} of them uncertain" if doubtful else ""
    return OcrPage(
        lines,
        (f"{page}: no text layer; {words} words read by OCR (tesseract{unsure}): recognised, "
         "not extracted, so check them against the page",),
    )
