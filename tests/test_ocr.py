"""OCR of PDF pages without a text layer (ingest/readers/ocr.py and its hook in pdf.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pypdf
import pytest
from hostile_factory import write_image_only_pdf
from pdf_factory import make_image_only_pdf

from ingest.errors import DocumentError
from ingest.readers.ocr import MissingEngine, OcrLine, ocr_page, parse_tsv
from ingest.readers.pdf import PdfReader

BRIEF_PDF = Path(__file__).resolve().parents[1] / "corpus" / "unicef-topic-b-child-trafficking.pdf"
NO_TESSERACT = MissingEngine("tesseract is not installed (Debian: apt-get install tesseract-ocr)")
needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="Debian's tesseract-ocr is not installed"
)


def _append_pages(first: Path, second: Path, out: Path) -> Path:
    writer = pypdf.PdfWriter()
    for source in (first, second):
        for page in pypdf.PdfReader(source).pages:
            writer.add_page(page)
    with out.open("wb") as handle:
        writer.write(handle)
    return out


@pytest.fixture
def brief_with_scans(tmp_path: Path) -> Path:
    """The shipped brief (6 pages with text) followed by two pages that are only pictures."""
    make_image_only_pdf(tmp_path / "pictures.pdf")
    return _append_pages(BRIEF_PDF, tmp_path / "pictures.pdf", tmp_path / "mixed.pdf")


class FixedEngine:
    """An `OcrEngine` that 'recognises' given lines, to test the placement without tesseract."""

    def __init__(self, *pages: list[OcrLine]) -> None:
        self.pages = pages  # one list of lines per call, in page order
        self.calls = 0

    def recognise(self, image: object) -> list[OcrLine]:
        self.calls += 1
        return self.pages[(self.calls - 1) % len(self.pages)]


def test_without_ocr_each_page_without_text_is_named(brief_with_scans: Path) -> None:
    doc = PdfReader(ocr=NO_TESSERACT).read(brief_with_scans)
    named = [w for w in doc.warnings if "OCR is not available" in w]
    assert [w.split(":")[0] for w in named] == ["page 7", "page 8"]
    assert all("tesseract is not installed" in w for w in named)
    # The pages with text are read as before.
    assert doc.page_count == 8
    assert [f.number for f in doc.footnotes] == list(range(1, 13))


def test_a_pdf_that_is_only_pictures_is_a_document_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    make_image_only_pdf(path)
    with pytest.raises(DocumentError) as caught:
        PdfReader(ocr=NO_TESSERACT).read(path)
    assert str(path) in str(caught.value) and "no extractable text" in str(caught.value)


def test_recognised_lines_are_placed_on_the_page_in_reading_order(tmp_path: Path) -> None:
    # Pixel boxes on the 300 dpi render of a Letter page (2550 x 3300 px): 1 pt = 300/72 px.
    # (Different text on each page: lines repeated on every page would be running headers.)
    engine = FixedEngine(
        [
            OcrLine("The scanned page opens with this sentence.", left=300, top=600, height=50),
            OcrLine("Its second paragraph comes much lower down.", left=300, top=1800, height=50),
        ],
        [OcrLine("The second page has one line of nine words.", left=300, top=900, height=50)],
    )
    path = tmp_path / "scan.pdf"
    make_image_only_pdf(path)
    doc = PdfReader(ocr=engine).read(path)
    assert engine.calls == 2  # both pages had no text layer
    texts = [b.text for b in doc.blocks]
    first = texts.index("The scanned page opens with this sentence.")
    assert texts[first + 1] == "Its second paragraph comes much lower down."
    assert doc.blocks[first].page_start == "1"
    assert sum("words read by OCR" in w for w in doc.warnings) == 2
    assert "The second page has one line of nine words." in texts
    assert doc.blocks[texts.index("The second page has one line of nine words.")].page_start == "2"
    assert any(w.startswith("page 2: no text layer; 9 words read by OCR") for w in doc.warnings)


def test_a_blank_page_is_not_sent_to_ocr_and_not_reported(tmp_path: Path) -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=612, height=792)
    blank = tmp_path / "blank.pdf"
    with blank.open("wb") as handle:
        writer.write(handle)
    engine = FixedEngine([OcrLine("never asked", 0, 0, 10)])
    result = ocr_page(engine, blank, 0, 0.0, 792.0)
    assert result.lines == () and result.warnings == () and engine.calls == 0


def test_tesseract_tsv_becomes_lines_keeping_uncertain_words() -> None:
    header = "\t".join(["level", "page_num", "block_num", "par_num", "line_num", "word_num",
                        "left", "top", "width", "height", "conf", "text"])
    rows = [
        "4\t1\t1\t1\t1\t0\t10\t20\t300\t30\t-1\t",
        "5\t1\t1\t1\t1\t1\t10\t20\t80\t30\t95.1\tChild",
        "5\t1\t1\t1\t1\t2\t100\t22\t60\t28\t6.2\tno",  # unsure, kept: never splice around it
        "5\t1\t1\t1\t1\t3\t170\t20\t140\t30\t91.0\tvictims.",
        "5\t1\t1\t1\t2\t1\t10\t80\t90\t30\t90.0\tSecond",
        "5\t1\t1\t1\t2\t2\t110\t80\t50\t30\t90.0\t ",
    ]
    lines = parse_tsv("\n".join([header, *rows]))
    assert [line.text for line in lines] == ["Child no victims.", "Second"]
    assert (lines[0].left, lines[0].top, lines[0].height, lines[0].width) == (10, 20, 30, 300)
    assert lines[0].doubtful == 1 and lines[1].doubtful == 0


@needs_tesseract
def test_tesseract_reads_a_scanned_page(tmp_path: Path) -> None:
    path = write_image_only_pdf(tmp_path / "scan.pdf", pages=1)
    doc = PdfReader().read(path)
    text = " ".join(b.text for b in doc.blocks)
    # PIL's small bitmap font at 300 dpi: tesseract reads nearly every line exactly.
    exact = sum(f"Scanned line {n}: no text layer here." in text for n in range(10))
    assert exact >= 7, text
    assert any(w.startswith("page 1: no text layer;") and "read by OCR (tesseract" in w
               for w in doc.warnings), doc.warnings


@needs_tesseract
def test_tesseract_text_reaches_the_chunks_of_an_ingest(tmp_path: Path) -> None:
    from ingest.pipeline import read_brief

    path = write_image_only_pdf(tmp_path / "scan.pdf", pages=1)
    brief = read_brief(path, set())
    assert "no text layer here" in " ".join(c.text for c in brief.chunks)
    assert any(str(path) in w and "read by OCR" in w for w in brief.warnings)


def test_a_page_of_mostly_uncertain_ocr_is_named_and_not_used(brief_with_scans: Path) -> None:
    # What tesseract makes of a map: shapes "read" as words it is unsure of.
    engine = FixedEngine([OcrLine("JOMOSOY uewyleg yoo! Texas", 300, 600, 50, doubtful=3)])
    doc = PdfReader(ocr=engine).read(brief_with_scans)
    assert "uewyleg" not in " ".join(b.text for b in doc.blocks)
    assert [w for w in doc.warnings if "only uncertain text" in w] == [
        f"page {n}: no text layer, and OCR (tesseract) found only uncertain text (3 of 4 "
        "words): not used, check the page" for n in (7, 8)
    ]
