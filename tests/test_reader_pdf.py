"""PdfReader: the shipped brief, PDFs generated in other layouts, and broken input."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pypdf
import pytest
from pdf_factory import (
    A5,
    REPORT_FOOTNOTES,
    WIDE_URL,
    Draw,
    Expected,
    Item,
    Layout,
    NotesFixture,
    build_pdf,
    dejavu_layout,
    draw_pdf,
    make_continued_footnote_pdf,
    make_cover_then_folios_pdf,
    make_encrypted_pdf,
    make_image_only_pdf,
    make_long_pdf,
    make_notes_on_one_line_pdf,
    make_report,
    make_restarting_folios_pdf,
    make_shuffled_stream_pdf,
    make_slip_opinion_pdf,
    make_symbol_notes_pdf,
    make_transformed_text_pdf,
    make_two_column_pdf,
    make_unicode_superscript_pdf,
    make_unspaced_words_pdf,
    make_word_notes_pdf,
    make_works_cited_pdf,
    prose,
    report_items,
)

from ingest.chunking import chunk_blocks
from ingest.errors import DocumentError
from ingest.readers import pdf as pdf_module
from ingest.readers.base import reader_for
from ingest.readers.pdf import PdfReader
from ingest.readers.pdf_joining import _Joiner
from ingest.records import Block, ParsedDocument, superscript

SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
WORLD_BANK_URL = (
    "https://www.worldbank.org/en/topic/safetynets#:~:text=Social%20safety%20nets%20can%20be,"
    "them%20to%20access%20economic%20opportunity%20"
)


def _plain(text: str) -> str:
    """Markdown decoration and URL brackets off, whitespace normalised."""
    return re.sub(r"\s+", " ", re.sub(r"[*<>]", "", text)).strip()


def _block_with(doc: ParsedDocument, needle: str) -> Block:
    found = [b for b in doc.blocks if needle in b.text]
    assert len(found) == 1, f"{needle!r} in {len(found)} blocks"
    return found[0]


def _marker_blocks(doc: ParsedDocument) -> dict[int, Block]:
    out: dict[int, Block] = {}
    for block in doc.blocks:
        for marker in block.markers:
            assert marker.number not in out, f"marker {marker.number} found twice"
            out[marker.number] = block
    return out


# --- the shipped brief -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def brief(brief_paths: dict[str, Path]) -> ParsedDocument:
    return PdfReader().read(brief_paths["pdf"])


@pytest.fixture(scope="module")
def txt_footnotes(brief_paths: dict[str, Path]) -> dict[int, str]:
    """Footnotes as the .txt prints them: a line starting with a superscript number."""
    notes: dict[int, str] = {}
    for line in brief_paths["txt"].read_text(encoding="utf-8").splitlines():
        match = re.match(rf"^([{SUPERSCRIPTS}]+)\s+(.*)$", line.strip())
        if match:
            number = int(match.group(1).translate(str.maketrans(SUPERSCRIPTS, "0123456789")))
            notes[number] = _plain(match.group(2))
    return notes


@pytest.fixture(scope="module")
def txt_paragraphs(brief_paths: dict[str, Path]) -> list[str]:
    """The .txt's paragraphs, decoration off, with the pieces its page breaks cut re-joined."""
    out: list[str] = []
    text = brief_paths["txt"].read_text(encoding="utf-8")
    for chunk in re.split(r"\n\s*\n", text):
        for line in chunk.splitlines():
            line = line.strip()
            if not line or line[0] in SUPERSCRIPTS:
                continue  # footnote definition
            line = re.sub(r"^(?:- |\d{1,2}\. )", "", line)
            line = _plain(re.sub(rf"[{SUPERSCRIPTS}]+", "", line))
            if out and out[-1][-1:] not in ".!?:" and line[:1].islower():
                out[-1] = f"{out[-1]} {line}"
            elif line:
                out.append(line)
    return out


def test_brief_has_exactly_footnotes_1_to_12(brief: ParsedDocument) -> None:
    assert [f.number for f in brief.footnotes] == list(range(1, 13))


def test_brief_footnote_texts_match_the_txt(
    brief: ParsedDocument, txt_footnotes: dict[int, str]
) -> None:
    assert sorted(txt_footnotes) == list(range(1, 13))
    for note in brief.footnotes:
        assert _plain(note.text) == txt_footnotes[note.number], note.number


def test_brief_footnote_urls_are_intact(brief: ParsedDocument) -> None:
    notes = {f.number: f.text for f in brief.footnotes}
    # The World Bank URL wraps over two lines in the PDF.
    assert f"<{WORLD_BANK_URL}>" in notes[3]
    assert (
        "<https://www.unodc.org/unodc/frontpage/2024/July/"
        "explainer-understanding-child-trafficking.html>" in notes[1]
    )
    assert "<https://www.unodc.org/unodc/en/data-and-analysis/glotip.html>" in notes[5]
    assert "<https://icat.un.org/>" in notes[12]
    assert notes[4].endswith("(11/02/2025). p. 46")


def test_brief_footnotes_carry_the_page_they_are_printed_on(brief: ParsedDocument) -> None:
    pages = {f.number: f.page for f in brief.footnotes}
    assert pages == {1: "1", 2: "1", 3: "1", 4: "2", 5: "2", 6: "2", 7: "3", 8: "3", 9: "3",
                     10: "4", 11: "4", 12: "4"}


def test_brief_markers_sit_in_the_right_blocks(brief: ParsedDocument) -> None:
    blocks = _marker_blocks(brief)
    assert sorted(blocks) == list(range(1, 13))
    assert "children accounted for 38%" in blocks[5].text
    assert "407 court cases" in blocks[9].text
    assert blocks[10].kind == "list_item" and blocks[10].text.startswith("The Palermo Protocol:")
    for number, lead in ((1, "Child trafficking:"), (2, "Palermo protocol:"),
                         (3, "Social safety net:")):
        assert blocks[number].kind == "list_item"
        assert blocks[number].text.startswith(lead)
    for number, figure in ((4, "Figure 1."), (6, "Figure 2."), (8, "Figure 3.")):
        assert blocks[number].kind == "caption"
        assert figure in blocks[number].text


def test_brief_marker_offsets_follow_the_marked_words(brief: ParsedDocument) -> None:
    blocks = _marker_blocks(brief)
    ends = {1: "in various ways.", 2: "combat human trafficking.", 3: "economic opportunity.",
            4: "forms of exploitation", 5: "such as forced criminality.",
            6: "2022 (or most recent)", 7: "East Asia and the Pacific and South Asia.",
            9: "report cases of trafficking.", 10: "the same international standards.",
            11: "towards child trafficking.", 12: "victims of trafficking."}
    for number, words in ends.items():
        block = blocks[number]
        offset = next(m.offset for m in block.markers if m.number == number)
        assert block.text[:offset].endswith(words), number
    assert not any(c.isdigit() for c in blocks[1].text[-3:])  # the "1" left the text


def test_brief_sentences_cut_by_page_breaks_are_whole(brief: ParsedDocument) -> None:
    for sentence in (
        "Protecting these children is essential for them to overcome their traumas",
        "In addition, it allows cooperation between countries by providing a common legal "
        "framework",
        "face difficulties being reunited with their families due to bureaucratic barriers",
        "recorded the highest share of children out of total detected victims",
    ):
        _block_with(brief, sentence)
    palermo = _block_with(brief, "In addition, it allows cooperation")
    assert (palermo.page_start, palermo.page_end) == ("3", "4")


def test_brief_body_has_no_footnote_text_or_page_numbers(brief: ParsedDocument) -> None:
    references = next(i for i, b in enumerate(brief.blocks) if b.text == "References:")
    for block in brief.blocks[:references]:
        assert "(11/02/2025)" not in block.text
        assert "(14/01/2025)" not in block.text
        assert "UNODC. Global Report" not in block.text
    for block in brief.blocks:
        assert "(11/02/2025). p." not in block.text  # only footnotes cite pages
        assert not re.fullmatch(r"\d+|[ivxlc]+", block.text)
        assert not re.search(rf"[{SUPERSCRIPTS}]", block.text)


def test_brief_headings(brief: ParsedDocument) -> None:
    headings = [b.text for b in brief.blocks if b.kind == "heading"]
    for heading in ("Introduction:", "Concepts and definitions:", "Current issue:",
                    "Initiatives taken by the international community:",
                    "International Legal Frameworks:", "Guiding questions:", "References:"):
        assert heading in headings
    assert "Topic B. Efforts to ensure the protection of child trafficking victims" in headings
    assert not any(len(h.split()) > 15 for h in headings)


def test_brief_every_txt_paragraph_is_one_pdf_block(
    brief: ParsedDocument, txt_paragraphs: list[str]
) -> None:
    # "[chart]" is a placeholder the PDF/DOCX print before the captions and the .txt omits.
    blocks = {_plain(b.text).removeprefix("[chart] ") for b in brief.blocks}
    missing = [p for p in txt_paragraphs if p not in blocks]
    assert not missing, missing[:3]
    assert len(brief.blocks) == len(txt_paragraphs)


def test_brief_structure_counts_and_pages(brief: ParsedDocument) -> None:
    kinds = [b.kind for b in brief.blocks]
    assert kinds.count("caption") == 3
    # definitions, legal frameworks, protection systems, improvements, questions, references
    assert kinds.count("list_item") == 12 + 2 + 2 + 3 + 12 + 16
    assert brief.page_labels == ("1", "2", "3", "4", "5", "6")
    assert brief.page_count == 6
    order = {label: i for i, label in enumerate(brief.page_labels)}
    for block in brief.blocks:
        assert block.page_start in order and block.page_end in order
        assert order[block.page_start] <= order[block.page_end]
    assert brief.blocks[-1].page_end == "6"


def test_brief_title_from_the_first_page(brief: ParsedDocument) -> None:
    # The PDF metadata has no title: the two large lines at the top of page 1 are used.
    assert brief.title == (
        "United Nations Children's Fund (UNICEF) — "
        "Topic B. Efforts to ensure the protection of child trafficking victims"
    )
    assert brief.warnings == ()


def test_reader_for_pdf_suffix(brief_paths: dict[str, Path]) -> None:
    assert isinstance(reader_for(brief_paths["pdf"]), PdfReader)
    assert isinstance(reader_for(Path("REPORT.PDF")), PdfReader)


# --- generated PDFs in other layouts -----------------------------------------------------------


def _front_matter_items() -> list[Item]:
    return [
        Item("title", "Restoring Tidal Wetlands"),
        Item("paragraph", "Prepared for the regional board."),
        Item("pagebreak"),
        Item("heading", "Contents"),
        Item("paragraph", "Background and methods."),
        Item("pagebreak"),
        Item("heading", "Preface"),
        Item("paragraph", prose(7, 6)),
        Item("pagebreak"),
        *report_items()[1:],
    ]


def _variant(name: str, path: Path) -> tuple[Expected, ParsedDocument, str | None]:
    """Build one generated layout; returns (expected, parsed, metadata title)."""
    title: str | None = None
    if name == "letter-helvetica-spaced":
        expected = make_report(path, Layout(header="Wetland Review — Working Paper 7",
                                            footer="Marsh Trust"))
    elif name == "a5-times-indented":
        expected = make_report(path, Layout(
            pagesize=A5, font="Times-Roman", bold="Times-Bold", italic="Times-Italic", size=10.5,
            leading=12.5, para_spacing=0, first_line_indent=18, superscript="baseline",
            footnote_number="dotted", folio="top", folio_start=7,
        ))
    elif name in ("roman-front-matter-pagelabels", "roman-front-matter-folios"):
        expected = build_pdf(path, _front_matter_items(), REPORT_FOOTNOTES, Layout(
            front_matter_pages=3, footnote_number="super", header="Restoring Tidal Wetlands",
            write_page_labels=name.endswith("pagelabels"),
        ))
    else:
        layout = dejavu_layout(size=9.5, leading=12, para_spacing=4, header="Wetlands — draft",
                               folio_start=3)
        if layout is None:
            pytest.skip("DejaVu fonts not installed")
        title = "Restoring Tidal Wetlands (draft)"
        expected = make_report(path, layout, title_metadata=title)
    return expected, PdfReader().read(path), title


VARIANTS = ["letter-helvetica-spaced", "a5-times-indented", "roman-front-matter-pagelabels",
            "roman-front-matter-folios", "dejavu-embedded-ttf"]


@pytest.mark.parametrize("name", VARIANTS)
def test_generated_blocks_markers_and_footnotes(name: str, tmp_path: Path) -> None:
    expected, doc, title = _variant(name, tmp_path / f"{name}.pdf")
    assert expected.split_blocks, "the layout must cut at least one paragraph at a page break"
    got = [(b.kind, b.text, tuple((m.offset, m.number) for m in b.markers)) for b in doc.blocks]
    assert got == expected.blocks
    assert {f.number: f.text for f in doc.footnotes} == expected.footnotes
    assert {f.number: f.page for f in doc.footnotes} == expected.footnote_pages
    assert doc.title == (title or expected.title)
    assert doc.warnings == ()


@pytest.mark.parametrize("name", VARIANTS)
def test_generated_page_labels(name: str, tmp_path: Path) -> None:
    expected, doc, _ = _variant(name, tmp_path / f"{name}.pdf")
    assert list(doc.page_labels) == expected.page_labels
    assert doc.page_count == len(expected.page_labels)
    if name != "letter-helvetica-spaced":
        assert list(doc.page_labels) != [str(i + 1) for i in range(doc.page_count)]
    for block in doc.blocks:
        assert block.page_start in doc.page_labels


def test_generated_page_break_paragraph_spans_pages(tmp_path: Path) -> None:
    expected, doc, _ = _variant("a5-times-indented", tmp_path / "a5.pdf")
    for text in expected.split_blocks:
        block = _block_with(doc, text)
        assert block.page_start != block.page_end


def test_generated_headers_footers_and_folios_are_gone(tmp_path: Path) -> None:
    _, doc, _ = _variant("letter-helvetica-spaced", tmp_path / "a.pdf")
    for block in doc.blocks:
        assert "Working Paper 7" not in block.text
        assert block.text != "Marsh Trust"
        assert not re.fullmatch(r"\d+", block.text)


def test_generated_wrapped_url_is_rejoined(tmp_path: Path) -> None:
    path = tmp_path / "a5.pdf"
    _, doc, _ = _variant("a5-times-indented", path)
    plain = "".join(p.extract_text() for p in pypdf.PdfReader(path).pages)
    assert WIDE_URL not in plain  # the PDF really breaks the URL over lines
    assert WIDE_URL in next(f.text for f in doc.footnotes if f.number == 1)


def test_two_column_paragraph_flows_across_columns(tmp_path: Path) -> None:
    paragraphs = make_two_column_pdf(tmp_path / "columns.pdf")
    doc = PdfReader().read(tmp_path / "columns.pdf")
    assert [b.text for b in doc.blocks] == paragraphs


def test_lines_drawn_out_of_order_are_read_top_down(tmp_path: Path) -> None:
    paragraphs = make_shuffled_stream_pdf(tmp_path / "shuffled.pdf")
    doc = PdfReader().read(tmp_path / "shuffled.pdf")
    assert [b.text for b in doc.blocks] == paragraphs


def test_footnote_continued_on_the_next_page(tmp_path: Path) -> None:
    expected = make_continued_footnote_pdf(tmp_path / "continued.pdf")
    doc = PdfReader().read(tmp_path / "continued.pdf")
    assert {f.number: f.text for f in doc.footnotes} == expected
    assert [f.page for f in doc.footnotes] == ["1", "2"]
    assert not any("legal citations" in b.text for b in doc.blocks)


def test_exponents_stay_and_endnote_markers_are_kept_without_footnotes(tmp_path: Path) -> None:
    items = [Item("heading", "Notes"),
             Item("paragraph", "An area of 10{6} hectares was mapped.{7} The survey ended.{8}")]
    build_pdf(tmp_path / "endnotes.pdf", items, {}, Layout())
    doc = PdfReader().read(tmp_path / "endnotes.pdf")
    block = _block_with(doc, "hectares")
    # No footnotes in the document: "10⁶" is an exponent (glued to a number), 7 and 8 are
    # calls to endnotes printed elsewhere.
    assert block.text == "An area of 10⁶ hectares was mapped. The survey ended."
    assert [(m.offset, m.number) for m in block.markers] == [(35, 7), (53, 8)]
    assert doc.footnotes == ()


def test_superscript_without_a_footnote_is_not_a_marker(tmp_path: Path) -> None:
    items = [Item("paragraph", "Roughly 10{6} birds winter here.{1}")]
    build_pdf(tmp_path / "exp.pdf", items, {1: "Bird Survey 2023, table 4."}, Layout())
    doc = PdfReader().read(tmp_path / "exp.pdf")
    block = _block_with(doc, "birds")
    assert block.text == "Roughly 10⁶ birds winter here."
    assert [(m.offset, m.number) for m in block.markers] == [(30, 1)]
    assert [f.text for f in doc.footnotes] == ["Bird Survey 2023, table 4."]


def test_markers_whose_note_is_not_printed_are_markers_not_text(tmp_path: Path) -> None:
    # CMSMUN's guide prints notes 3-14 only: "Pact¹" and "crashes²" come first in reading
    # order. They continue the marker sequence, so they leave the text as markers without a
    # note; an exponent ("km²", after a unit) stays as printed even where it would fit.
    items = [Item("heading", "Timeline"),
             Item("paragraph", "The Kellogg-Briand Pact{1} covered 40 km{2} of land. "
                  "Markets crashed.{2} The treaty was signed.{3} It held.{4}")]
    build_pdf(tmp_path / "noteless.pdf", items, {3: "Treaty text, art. 2.", 4: "Ibid."},
              Layout())
    doc = PdfReader().read(tmp_path / "noteless.pdf")
    block = _block_with(doc, "Kellogg")
    assert block.text == ("The Kellogg-Briand Pact covered 40 km² of land. Markets crashed. "
                          "The treaty was signed. It held.")
    assert [m.number for m in block.markers] == [1, 2, 3, 4]
    assert block.text[: block.markers[0].offset].endswith("Pact")
    assert block.text[: block.markers[1].offset].endswith("crashed.")
    assert sorted(f.number for f in doc.footnotes) == [3, 4]


def test_metadata_title_wins_unless_meaningless(tmp_path: Path) -> None:
    items = [Item("title", "Tidal Creeks"), Item("paragraph", prose(0, 3))]
    build_pdf(tmp_path / "t1.pdf", items, {}, Layout(), title_metadata="Microsoft Word - x.docx")
    assert PdfReader().read(tmp_path / "t1.pdf").title == "Tidal Creeks"
    build_pdf(tmp_path / "t2.pdf", items, {}, Layout(), title_metadata="Creek Survey")
    assert PdfReader().read(tmp_path / "t2.pdf").title == "Creek Survey"


# --- joining wrapped lines -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        ("the traffick-", "ing networks", "the trafficking networks"),
        ("their well-", "being matters", "their well-being matters"),
        ("an unknown-", "word here", "an unknown-word here"),
        # Neither half is a word the document prints whole: a word split at the line end.
        ("under the circum-", "stances of", "under the circumstances of"),
        # A prefix that keeps its hyphen, whatever follows.
        ("a non-", "governmental body", "a non-governmental body"),
        ("soft\u00ad", "ware", "software"),
        ("In: <https://x.org/a-", "b> (1/1/2020).", "In: <https://x.org/a-b> (1/1/2020)."),
        ("In: <https://x.org/a?q=1%20b", "%20c>.", "In: <https://x.org/a?q=1%20b%20c>."),
        ("at https://x.org/f/", "Report_2014.pdf now", "at https://x.org/f/Report_2014.pdf now"),
        ("at https://x.org/a?x=1&y", "=2&z=3 today", "at https://x.org/a?x=1&y=2&z=3 today"),
        ("see https://x.org/report", "(accessed 2020)", "see https://x.org/report (accessed 2020)"),
        ("see https://x.org.", "The next", "see https://x.org. The next"),
        ("In:", "<https://icat.un.org/>", "In: <https://icat.un.org/>"),
        ("ends here.", "Next one", "ends here. Next one"),
    ],
)
def test_joiner(left: str, right: str, joined: str) -> None:
    whole = {"unknown", "word", "well", "being", "under", "the", "body"}
    joiner = _Joiner({"trafficking", "well-being", "software"}, whole)
    head, sep = joiner.join(left, right)
    assert head + sep + right == joined


# --- bad input ---------------------------------------------------------------------------------


def _raises(path: Path, pattern: str, reader: PdfReader | None = None) -> DocumentError:
    with pytest.raises(DocumentError, match=pattern) as info:
        (reader or PdfReader()).read(path)
    assert info.value.path == str(path)
    assert str(path) in str(info.value)
    return info.value


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.pdf").write_bytes(b"")
    _raises(tmp_path / "empty.pdf", "empty file")


def test_missing_file(tmp_path: Path) -> None:
    _raises(tmp_path / "nowhere.pdf", "cannot read file")


def test_not_a_pdf(tmp_path: Path) -> None:
    (tmp_path / "fake.pdf").write_bytes(b"<html><body>not a pdf</body></html>")
    _raises(tmp_path / "fake.pdf", "not a PDF")


def test_corrupt_bytes(tmp_path: Path) -> None:
    garbage = bytes((i * 7919) % 251 for i in range(20_000))
    (tmp_path / "corrupt.pdf").write_bytes(b"%PDF-1.7\n" + garbage + b"\n%%EOF\n")
    _raises(tmp_path / "corrupt.pdf", "corrupt PDF")


def test_truncated_file(tmp_path: Path, brief_paths: dict[str, Path]) -> None:
    data = brief_paths["pdf"].read_bytes()
    (tmp_path / "half.pdf").write_bytes(data[: len(data) // 2])
    _raises(tmp_path / "half.pdf", "truncated")


def test_encrypted_with_a_password(tmp_path: Path, brief_paths: dict[str, Path]) -> None:
    make_encrypted_pdf(brief_paths["pdf"], tmp_path / "locked.pdf", user_password="s3cret")
    _raises(tmp_path / "locked.pdf", "password")


def test_encrypted_with_empty_user_password_is_read(
    tmp_path: Path, brief_paths: dict[str, Path]
) -> None:
    make_encrypted_pdf(brief_paths["pdf"], tmp_path / "owner-only.pdf", user_password="")
    doc = PdfReader().read(tmp_path / "owner-only.pdf")
    assert [f.number for f in doc.footnotes] == list(range(1, 13))


def test_image_only_pdf(tmp_path: Path) -> None:
    make_image_only_pdf(tmp_path / "scan.pdf")
    _raises(tmp_path / "scan.pdf", re.escape("no extractable text (scanned/image-only PDF?)"))


def test_undecodable_text(tmp_path: Path) -> None:
    layout = dejavu_layout()
    if layout is None:
        pytest.skip("DejaVu fonts not installed")
    build_pdf(tmp_path / "garbled.pdf", [Item("paragraph", "\ufffd" * 40)], {}, layout)
    _raises(tmp_path / "garbled.pdf", "cannot be decoded")


def test_page_limit(brief_paths: dict[str, Path]) -> None:
    _raises(brief_paths["pdf"], r"too many pages \(6 > limit of 5\)", PdfReader(max_pages=5))


def test_a_failing_page_becomes_a_warning(
    monkeypatch: pytest.MonkeyPatch, brief_paths: dict[str, Path]
) -> None:
    real = pdf_module._page_runs
    calls = {"n": 0}

    def flaky(page: Any, *args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 6:
            raise pypdf.errors.PdfReadError("broken content stream")
        return real(page, *args)

    monkeypatch.setattr(pdf_module, "_page_runs", flaky)
    doc = PdfReader().read(brief_paths["pdf"])
    assert any("page 6: text extraction failed (broken content stream)" in w
               for w in doc.warnings)
    assert doc.page_count == 6 and [f.number for f in doc.footnotes] == list(range(1, 13))


def test_every_page_failing_is_a_document_error(
    monkeypatch: pytest.MonkeyPatch, brief_paths: dict[str, Path]
) -> None:
    def broken(page: Any, *args: Any) -> Any:
        raise KeyError("/Contents")

    monkeypatch.setattr(pdf_module, "_page_runs", broken)
    _raises(brief_paths["pdf"], "no page could be read")


# --- speed -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_two_hundred_pages_parse_quickly(tmp_path: Path) -> None:
    pages = make_long_pdf(tmp_path / "long.pdf", 200)
    assert pages >= 200
    start = time.perf_counter()
    doc = PdfReader().read(tmp_path / "long.pdf")
    per_page = (time.perf_counter() - start) / pages
    assert doc.page_count == pages
    assert list(doc.page_labels) == [str(i + 1) for i in range(pages)]
    assert not any("Long report" in b.text for b in doc.blocks)  # running header gone
    print(f"\n{pages} pages: {per_page * 1000:.1f} ms/page")
    assert per_page < 0.1


def test_slanted_flipped_text_is_read_and_turned_text_is_named(tmp_path: Path) -> None:
    drawn = make_transformed_text_pdf(tmp_path / "transformed.pdf")
    doc = PdfReader().read(tmp_path / "transformed.pdf")
    assert [b.text for b in doc.blocks] == drawn.paragraphs
    assert drawn.stamp not in " ".join(b.text for b in doc.blocks)
    words = len(drawn.stamp.split())
    assert any(f"page 1: {words} words of text turned on its side" in w for w in doc.warnings)


# --- footnote conventions of real producers (issue 11) -------------------------------------


def _notes_match(doc: ParsedDocument, fixture: NotesFixture) -> None:
    assert {f.number: f.text for f in doc.footnotes} == fixture.footnotes
    for text, numbers in fixture.body:
        (block,) = [b for b in doc.blocks if text in b.text]
        assert tuple(m.number for m in block.markers) == numbers
        assert "¹" not in block.text and "²" not in block.text.replace("km²", "")


def test_word_raised_note_numbers_and_the_space_after_a_marker(tmp_path: Path) -> None:
    # Word raises a 7 pt note number above 8 pt note text: the number is the note's, and
    # "work.¹ This" loses the marker but keeps its space.
    fixture = make_word_notes_pdf(tmp_path / "word.pdf")
    doc = PdfReader().read(tmp_path / "word.pdf")
    _notes_match(doc, fixture)
    (block,) = [b for b in doc.blocks if b.markers and b.markers[0].number == 1]
    offset = block.markers[0].offset
    assert block.text[offset - 1: offset + 1] == ". "


def test_slip_opinion_notes_below_a_rule_run_on_across_pages(tmp_path: Path) -> None:
    # Markers drawn by rescaling the text matrix mid-line, notes in the body's size below a
    # "——————" rule, note 1 finished below the next page's rule; the rules are furniture.
    fixture = make_slip_opinion_pdf(tmp_path / "slip.pdf")
    doc = PdfReader().read(tmp_path / "slip.pdf")
    _notes_match(doc, fixture)
    assert not any("——" in b.text for b in doc.blocks)


def test_word_spaces_come_from_glyph_positions(tmp_path: Path) -> None:
    fixture = make_unspaced_words_pdf(tmp_path / "unspaced.pdf")
    doc = PdfReader().read(tmp_path / "unspaced.pdf")
    _notes_match(doc, fixture)


def test_numbered_works_cited_and_a_subscript_are_not_footnotes(tmp_path: Path) -> None:
    urls = make_works_cited_pdf(tmp_path / "cited.pdf")
    doc = PdfReader().read(tmp_path / "cited.pdf")
    assert doc.footnotes == ()
    text = "\n".join(b.text for b in doc.blocks)
    assert all(url in text for url in urls)
    assert "PM10 fell by a third." in text


def test_unicode_superscript_digits_are_markers(tmp_path: Path) -> None:
    fixture = make_unicode_superscript_pdf(tmp_path / "unicode.pdf")
    if fixture is None:
        pytest.skip("DejaVu fonts not installed")
    doc = PdfReader().read(tmp_path / "unicode.pdf")
    _notes_match(doc, fixture)
    assert any("10 km²" in b.text for b in doc.blocks)  # an exponent stays as printed


@pytest.mark.parametrize(("folios", "labels"), [
    # a syllabus printed 1-3 whose first page prints no folio, then an opinion printed 1-4
    ((None, 2, 3, 1, 2, 3, 4), ("1", "2", "3", "1", "2", "3", "4")),
    # an unnumbered page inside a run continues it; a stray number starts no run
    ((1, 2, None, 4, 1, 2, 1938, 4, None), ("1", "2", "3", "4", "1", "2", "3", "4", "5")),
    # capital roman front matter that runs on is folios ...
    (("I", "II", "III", 1, 2), ("i", "ii", "iii", "1", "2")),
    # ... a capital letter alone at a page's foot (a list lettered A-I) is not
    ((None, "I", 1, 2, 3), ("i", "ii", "1", "2", "3")),
])
def test_numbering_that_restarts_keeps_each_runs_folios(
    tmp_path: Path, folios: tuple[int | str | None, ...], labels: tuple[str, ...]
) -> None:
    make_restarting_folios_pdf(tmp_path / "runs.pdf", folios)
    doc = PdfReader().read(tmp_path / "runs.pdf")
    assert doc.page_labels == labels
    words = [w for b in doc.blocks for w in b.text.split()]
    assert ("I" in words) == (folios[:2] == (None, "I"))  # a letter that is no folio stays text


@pytest.mark.parametrize(("cover", "labels"), [(None, ("i", "1", "2", "3")),
                                               ("0", ("0", "1", "2", "3"))])
def test_a_cover_before_page_1_gets_its_own_label(
    tmp_path: Path, cover: str | None, labels: tuple[str, ...]
) -> None:
    make_cover_then_folios_pdf(tmp_path / "cover.pdf", cover)
    assert PdfReader().read(tmp_path / "cover.pdf").page_labels == labels


ENDNOTES = ("United Nations. Report of the Council, 1999, p. 4.",
            "Smith, J. Two failures. Journal of Things, 2001.",
            "Treaty Series vol. 12, https://example.org/treaty.")


@pytest.mark.parametrize("heading", ["Endnotes", "Notes"])
def test_endnotes_in_a_closing_section_are_the_markers_notes(tmp_path: Path, heading: str) -> None:
    items = [Item("title", "A Guide"),
             Item("paragraph", prose(1, 3) + " The council met in 1999.{1} It failed twice.{2}"),
             Item("paragraph", prose(2, 3) + " A treaty followed.{3}"),
             Item("pagebreak"), Item("heading", heading),
             *(Item("numbered", f"{n}. {text}") for n, text in enumerate(ENDNOTES, start=1))]
    build_pdf(tmp_path / "endnotes.pdf", items, {}, Layout())
    doc = PdfReader().read(tmp_path / "endnotes.pdf")
    assert [(f.number, f.text, f.page) for f in doc.footnotes] == [
        (n, text, "2") for n, text in enumerate(ENDNOTES, start=1)]
    assert [m.number for m in _block_with(doc, "council met").markers] == [1, 2]
    assert not any("Two failures" in b.text for b in doc.blocks)  # notes leave the body
    assert any(b.kind == "heading" and b.text == heading for b in doc.blocks)


def test_a_numbered_list_under_notes_without_markers_stays_text(tmp_path: Path) -> None:
    items = [Item("paragraph", prose(1, 3)), Item("heading", "Notes"),
             *(Item("numbered", f"{n}. {text}") for n, text in enumerate(ENDNOTES, start=1))]
    build_pdf(tmp_path / "list.pdf", items, {}, Layout())
    doc = PdfReader().read(tmp_path / "list.pdf")
    assert doc.footnotes == ()
    assert all(any(text in b.text for b in doc.blocks) for text in ENDNOTES)


def test_several_notes_on_one_line(tmp_path: Path) -> None:
    fixture = make_notes_on_one_line_pdf(tmp_path / "short-notes.pdf")
    doc = PdfReader().read(tmp_path / "short-notes.pdf")
    _notes_match(doc, fixture)


@pytest.mark.parametrize("raised_symbols", [True, False])
def test_symbol_notes_are_notes_of_their_own(tmp_path: Path, raised_symbols: bool) -> None:
    # "*" and "†" notes around note 1: each its own note, none inside note 1's text, the
    # symbols out of the body text and printed back as themselves.
    fixture = make_symbol_notes_pdf(tmp_path / "review.pdf", raised_symbols=raised_symbols)
    doc = PdfReader().read(tmp_path / "review.pdf")
    _notes_match(doc, fixture)
    assert not any("*" in b.text or "†" in b.text for b in doc.blocks)
    assert [superscript(f.number) for f in doc.footnotes] == ["*", "¹", "†"]


def test_a_raised_asterisk_without_a_note_stays_text(tmp_path: Path) -> None:
    make_symbol_notes_pdf(tmp_path / "plain.pdf", notes=False)
    doc = PdfReader().read(tmp_path / "plain.pdf")
    assert doc.footnotes == ()
    assert _block_with(doc, "Citizen Shareholders").text == "Citizen Shareholders*"


@pytest.mark.slow
def test_hundreds_of_notes_as_a_law_review_prints_them(tmp_path: Path) -> None:
    # 240 notes, three to a paragraph, more note text than body text on every page (the body's
    # size must still be told from the notes'): every number read once, with its own text,
    # and every marker on its paragraph.
    notes = {n: f"See {prose(n + 3, 1)[:-1]}, in Author {n}, Title {n}, {n} L. Rev. {100 + n} "
                f"({1990 + n % 30})." for n in range(1, 241)}
    items = [Item("paragraph", f"{prose(n, 1)}{{{n}}} {prose(n + 7, 1)}{{{n + 1}}} "
                               f"{prose(n + 13, 1)}{{{n + 2}}}")
             for n in range(1, 241, 3)]
    expected = build_pdf(tmp_path / "review.pdf", items, notes, Layout(folio="top"))
    doc = PdfReader().read(tmp_path / "review.pdf")
    assert {f.number: f.text for f in doc.footnotes} == expected.footnotes
    markers = sorted(m.number for b in doc.blocks for m in b.markers)
    assert markers == list(range(1, 241))


# --- layouts of real guides: a bold body, a contents page, timeline boxes, Word lists -----------


def _column(x: float, top: float, lines: list[str], font: str, size: float,
            leading: float) -> list[Draw]:
    return [(x, top - k * leading, line, font, size) for k, line in enumerate(lines)]


def test_a_body_set_in_bold_keeps_its_paragraphs(tmp_path: Path) -> None:
    # A designer's template sets the whole body in a bold face: a short bold line is then no
    # heading, and a paragraph runs on over its short lines. Only the larger lines head it.
    layout = Layout(font="Helvetica-Bold", italic="Helvetica-BoldOblique", heading_size=14)
    expected = build_pdf(tmp_path / "bold.pdf", report_items(), REPORT_FOOTNOTES, layout)
    doc = PdfReader().read(tmp_path / "bold.pdf")
    got = [(b.kind, b.text, tuple((m.offset, m.number) for m in b.markers)) for b in doc.blocks]
    assert got == expected.blocks
    assert {f.number: f.text for f in doc.footnotes} == expected.footnotes


DIRECTOR = ["Welcome to King County Model United Nations 2019 and the State Council of",
            "the People's Republic of China. My name is Jackson Kelley, and I am serving as",
            "your Director. I am a senior at a preparatory school in Tacoma, and this is my",
            "fourth year involved in MUN."]
TOPIC_B = ["In 1958, China launched the Great Leap Forward, which transformed the country",
           "into an industrial power at the cost of its air and its rivers. Coal became the",
           "first source of energy, and the smog that followed reached every large city."]


def _guide_pages() -> list[list[Draw]]:
    """A contents page (entries with their page numbers under two group labels), then a
    cover title and a letter, then the second topic, all in a bold body face."""
    contents = [(120, 700, "TABLE OF CONTENTS", "Helvetica-Bold", 30)]
    contents += _column(63, 650, ["Directors Letter 2", "Committee Overview 3"],
                        "Helvetica", 18, 25)
    contents.append((240, 580, "Topic A", "Helvetica-Bold", 30))
    contents += _column(63, 550, ["Topic Introduction 5", "History 6", "Works Cited 14"],
                        "Helvetica", 18, 25)
    contents.append((240, 450, "Topic B", "Helvetica-Bold", 30))
    contents += _column(63, 420, ["Topic Introduction 16", "History 17"], "Helvetica", 18, 25)
    letter = [(200, 690, "CABINET", "Helvetica", 60),
              (27, 600, "DIRECTOR'S LETTER", "Helvetica", 24)]
    letter += _column(27, 560, DIRECTOR, "Helvetica-Bold", 12, 15.5)
    topic = [(27, 700, "Topic B: Urban Air and Water Pollution", "Helvetica", 20)]
    topic += _column(27, 660, TOPIC_B, "Helvetica-Bold", 12, 15.5)
    return [contents, letter, topic]


def test_a_contents_page_heads_nothing(tmp_path: Path) -> None:
    draw_pdf(tmp_path / "guide.pdf", _guide_pages())
    doc = PdfReader().read(tmp_path / "guide.pdf")
    # The title is the cover's, not "TABLE OF CONTENTS — Topic A".
    assert doc.title == "CABINET"
    entries = {"Directors Letter 2", "Committee Overview 3", "Topic Introduction 5",
               "History 6", "Works Cited 14", "Topic Introduction 16", "History 17"}
    kinds = {b.text: b.kind for b in doc.blocks}
    assert all(kinds[entry] == "paragraph" for entry in entries)
    # Each paragraph whole, under its own heading: no "\n\n" at a line end.
    assert kinds[" ".join(DIRECTOR)] == "paragraph"
    assert kinds[" ".join(TOPIC_B)] == "paragraph"
    chunks = chunk_blocks("guide", doc.blocks).chunks
    sections = {c.text.split("\n\n")[-1][:20]: c.section for c in chunks}
    assert sections[DIRECTOR[0][:20]] == ("DIRECTOR'S LETTER",)
    assert sections[TOPIC_B[0][:20]] == ("Topic B: Urban Air and Water Pollution",)
    assert not any(set(c.section) & entries for c in chunks)


def test_the_contents_end_where_the_text_begins(tmp_path: Path) -> None:
    # A short contents list at the top of the page, the text under it: a line of the text that
    # ends in a number ("the delegates of 51") is no contents entry, and its heading a heading.
    body = ["The committee first met in the spring, and adopted the rules of procedure that",
            "govern it today under the charter signed in 1945 by the delegates of 51",
            "United Nations member states in San Francisco. Its reports are public."]
    page = [(72, 720, "Contents", "Helvetica-Bold", 16)]
    page += _column(72, 695, ["Introduction 1", "Background 4", "Questions 9"],
                    "Helvetica", 11, 14)
    page += [(72, 630, "Introduction", "Helvetica-Bold", 14)]
    page += _column(72, 610, body, "Helvetica", 11, 14)
    draw_pdf(tmp_path / "short.pdf", [page])
    blocks = [(b.kind, b.text) for b in PdfReader().read(tmp_path / "short.pdf").blocks]
    assert blocks == [("heading", "Contents"), ("paragraph", "Introduction 1"),
                      ("paragraph", "Background 4"), ("paragraph", "Questions 9"),
                      ("heading", "Introduction"), ("paragraph", " ".join(body))]


def test_timeline_boxes_are_separate_entries(tmp_path: Path) -> None:
    # A timeline drawn as boxes in two staggered columns: each dated entry is its own block,
    # not the end of the sentence left open in the box before it.
    boxes = [
        _column(48, 700, ["2013 – The Belt and Road", "Initiative is proposed by",
                          "President Xi Jinping in an", "October speech. The AIIB is",
                          "proposed later that month"], "Helvetica", 12, 14.4),
        _column(426, 664, ["2014 – Premier Li Keqiang", "calls for accelerating the",
                           "Bangladesh-China-India-", "Myanmar corridor"], "Helvetica", 12, 14.4),
        _column(48, 560, ["2015 – On March 28, the BRI", "is made public by the",
                          "Commission"], "Helvetica", 12, 14.4),
    ]
    draw_pdf(tmp_path / "timeline.pdf", [[d for box in boxes for d in box]])
    texts = [b.text for b in PdfReader().read(tmp_path / "timeline.pdf").blocks]
    assert texts == [
        "2013 – The Belt and Road Initiative is proposed by President Xi Jinping in an "
        "October speech. The AIIB is proposed later that month",
        "2014 – Premier Li Keqiang calls for accelerating the Bangladesh-China-India-Myanmar "
        "corridor",
        "2015 – On March 28, the BRI is made public by the Commission",
    ]


def test_a_word_list_item_wraps_to_its_hanging_indent(tmp_path: Path) -> None:
    # "26." is wider than the hanging indent: a tab takes its URL to the next tab stop, while
    # the URL's wrapped lines start at the indent. They are the rest of that URL.
    page = [(45.3, 700, "25. ", "Helvetica", 13),
            (99.3, 700, "http://english.gov.cn/state_council/2014/09/09/content_28147498628408",
             "Helvetica", 13),
            (63.3, 684.4, "9.htm", "Helvetica", 13),
            (45.3, 668.8, "26. ", "Helvetica", 13),
            (99.3, 668.8, "https://uk.practicallaw.thomsonreuters.com/w-015-", "Helvetica", 13),
            (63.3, 653.2, "2140?transitionType=Default&contextData=(sc.Default)&comp=",
             "Helvetica", 13),
            (63.3, 637.6, "pluk&bhcp=1", "Helvetica", 13),
            (45.3, 606.4, "27. ", "Helvetica", 13),
            (99.3, 606.4, "http://www.safe.gov.cn/en/", "Helvetica", 13)]
    draw_pdf(tmp_path / "cited.pdf", [page])
    blocks = PdfReader().read(tmp_path / "cited.pdf").blocks
    assert [(b.kind, b.text) for b in blocks] == [
        ("list_item", "http://english.gov.cn/state_council/2014/09/09/content_281474986284089.htm"),
        ("list_item", "https://uk.practicallaw.thomsonreuters.com/w-015-2140?transitionType="
                      "Default&contextData=(sc.Default)&comp=pluk&bhcp=1"),
        ("list_item", "http://www.safe.gov.cn/en/"),
    ]
