"""TextReader: plain text / Markdown structure, footnotes, decoding, and the shipped brief."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import BRIEF_TXT

from ingest.errors import DocumentError
from ingest.readers.base import reader_for
from ingest.readers.common import TextBuilder
from ingest.readers.text import TextReader
from ingest.readers.text_decoding import decode_text
from ingest.readers.text_syntax import strip_markdown
from ingest.records import Block, Marker, ParsedDocument


def parse(text: str) -> ParsedDocument:
    return TextReader().parse(text, "mem.md")


def marked(block: Block) -> str:
    """The block text with `[n]` where each marker sits, to assert marker offsets."""
    out, last = [], 0
    for marker in block.markers:
        out += [block.text[last : marker.offset], f"[{marker.number}]"]
        last = marker.offset
    return "".join(out) + block.text[last:]


# --- synthetic -----------------------------------------------------------------------------


def test_superscript_markers_and_definitions_anywhere() -> None:
    doc = parse(
        "Intro paragraph with a claim.¹ And another claim.¹⁰\n\n"
        "¹ First source. p. 4\n\n"
        "Next paragraph cites two.² Done.\n"
        "² Second source,\n  wrapped onto a second line.\n\n"
        "## Notes\n\n"
        "¹⁰ Tenth source.\n"
    )
    assert [marked(b) for b in doc.blocks] == [
        "Intro paragraph with a claim.[1] And another claim.[10]",
        "Next paragraph cites two.[2] Done.",
        "Notes",
    ]
    assert [(f.number, f.text) for f in doc.footnotes] == [
        (1, "First source. p. 4"),
        (2, "Second source, wrapped onto a second line."),
        (10, "Tenth source."),
    ]
    assert all(f.page is None for f in doc.footnotes)


def test_undefined_superscript_stays_in_text_with_warning() -> None:
    doc = parse("An area of 3 km² was searched.¹\n\n¹ Survey report.\n")
    (block,) = doc.blocks
    assert block.text == "An area of 3 km² was searched."
    assert block.markers == (Marker(len(block.text), 1),)
    assert any("²" in w for w in doc.warnings)


def test_markdown_footnotes_numeric_labels_keep_numbers() -> None:
    doc = parse(
        "# Brief title\n\nA claim[^5] and another[^7].\n\n"
        "[^5]: **Source** five, <https://example.org/five>.\n"
        "[^7]: Source *seven*.\n"
    )
    assert doc.title == "Brief title"
    assert marked(doc.blocks[1]) == "A claim[5] and another[7]."
    assert [(f.number, f.text) for f in doc.footnotes] == [
        (5, "Source five, https://example.org/five."),
        (7, "Source seven."),
    ]


def test_markdown_named_labels_numbered_by_first_reference() -> None:
    doc = parse("B first[^beta], then A[^alpha], B again[^beta].\n\n[^alpha]: A.\n[^beta]: B.\n")
    assert marked(doc.blocks[0]) == "B first[1], then A[2], B again[1]."
    assert [(f.number, f.text) for f in doc.footnotes] == [(1, "B."), (2, "A.")]


def test_headings_lists_captions_and_emphasis() -> None:
    doc = parse(
        "Agency of Something\n\n"
        "Topic A. A title line\n\n"
        "Introduction:\n\n"
        "Body text that is a real paragraph, with **bold** and *italic* words.\n\n"
        "- **Term:** definition one\n"
        "* second item,\n  continued on a wrapped line\n"
        "1. numbered item\n"
        "2) another numbered item\n\n"
        "Figure 2. Detected victims, 2022\n\n"
        "Setext heading\n==============\n\n"
        "Multiply 5 * 3 * 2 stays as is.\n"
    )
    kinds = [(b.kind, b.text) for b in doc.blocks]
    assert kinds == [
        ("heading", "Agency of Something"),
        ("heading", "Topic A. A title line"),
        ("heading", "Introduction:"),
        ("paragraph", "Body text that is a real paragraph, with bold and italic words."),
        ("list_item", "Term: definition one"),
        ("list_item", "second item, continued on a wrapped line"),
        ("list_item", "numbered item"),
        ("list_item", "another numbered item"),
        ("caption", "Figure 2. Detected victims, 2022"),
        ("heading", "Setext heading"),
        ("paragraph", "Multiply 5 * 3 * 2 stays as is."),
    ]
    assert doc.title == "Setext heading"  # a level-1 Markdown heading wins over title lines


def test_title_from_leading_lines_when_no_markdown_h1() -> None:
    doc = parse("Agency of Something\n\nTopic A. A title line\n\nIntro:\n\nBody sentence.\n")
    assert doc.title == "Agency of Something — Topic A. A title line"


def test_short_line_after_body_is_not_a_heading_unless_colon() -> None:
    doc = parse("First paragraph.\n\nA short line\n\nSection two:\n")
    assert [b.kind for b in doc.blocks] == ["paragraph", "paragraph", "heading"]


def test_page_broken_paragraph_is_rejoined_with_markers_shifted() -> None:
    doc = parse(
        "A first paragraph.\n\n"
        "Protecting these children is essential for\n\n"
        "¹ A note printed at the page foot.\n\n\n\n"
        "them to recover.² Then more.\n\n"
        "² Another note.\n\n"
        "Final sentence.\n\n"
        "lower-case start after a full stop stays separate.\n"
    )
    assert [marked(b) for b in doc.blocks] == [
        "A first paragraph.",
        "Protecting these children is essential for them to recover.[2] Then more.",
        "Final sentence.",
        "lower-case start after a full stop stays separate.",
    ]


def test_strip_markdown_keeps_urls_and_plain_asterisks() -> None:
    assert strip_markdown("In: <https://a.org/x_(y)> and *b* **c** 2 * 3") == (
        "In: https://a.org/x_(y) and b c 2 * 3"
    )
    assert strip_markdown(r"literal \*star\*") == "literal *star*"


def test_text_builder_collapses_space_and_places_markers_before_it() -> None:
    builder = TextBuilder()
    builder.add("  word ")
    builder.mark(3)
    builder.add("\n\t next  ")
    assert builder.text() == "word next"
    assert builder.markers == (Marker(4, 3),)


def test_control_and_bidi_characters_are_stripped() -> None:
    doc = parse("Clean\x07 text\u202e with\u200b odd\x1b chars.\x0cNext page line.\n")
    assert [b.text for b in doc.blocks] == ["Clean text with odd chars. Next page line."]


# --- decoding ------------------------------------------------------------------------------


def test_decode_utf8_sig_and_utf16() -> None:
    assert decode_text("café".encode("utf-8-sig"), "f") == ("café", ())
    assert decode_text("café".encode("utf-16"), "f") == ("café", ())


def test_decode_cp1252_fallback_warns() -> None:
    text, warnings = decode_text("¿Qué pasó? “quotes” €".encode("cp1252"), "brief.txt")
    assert text == "¿Qué pasó? “quotes” €"
    assert len(warnings) == 1 and "cp1252" in warnings[0] and "brief.txt" in warnings[0]


def test_decode_damaged_utf8_replaces_bad_bytes() -> None:
    data = "Good “UTF-8” text — with dashes. ".encode() + b"\xff\xfe bad " + "ok é".encode()
    text, warnings = decode_text(data, "x.txt")
    assert text.startswith("Good “UTF-8” text") and text.endswith("ok é")
    assert "\ufffd" in text and "U+FFFD" in warnings[0]


def test_undecodable_and_binary_files_raise(tmp_path: Path) -> None:
    # 0x81 is undefined in cp1252, and there is no valid multi-byte UTF-8 here.
    with pytest.raises(DocumentError, match="nor cp1252"):
        decode_text(b"abc \x81\x8d\x90 def", "x.txt")
    png = tmp_path / "image.txt"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    with pytest.raises(DocumentError, match=r"image\.txt.*binary"):
        TextReader().read(png)
    noise = tmp_path / "noise.txt"
    noise.write_bytes(bytes(range(32)) * 50)
    with pytest.raises(DocumentError, match="binary"):
        TextReader().read(noise)


@pytest.mark.parametrize("content", [b"", b"  \n\n\t ", b"\x07\x08\n"])
def test_empty_file_raises(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(DocumentError, match=r"empty\.txt.*empty"):
        TextReader().read(path)


def test_missing_and_oversized_files_raise(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"missing\.txt"):
        TextReader().read(tmp_path / "missing.txt")
    big = tmp_path / "big.md"
    big.write_bytes(b"word " * 300)
    with pytest.raises(DocumentError, match="larger than"):
        TextReader(max_bytes=1000).read(big)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.timeout(10)
def test_pipes_and_directories_are_refused_without_blocking(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.txt"
    os.mkfifo(pipe)  # opening it for a blocking read would wait forever for a writer
    with pytest.raises(DocumentError, match="not a regular file"):
        TextReader().read(pipe)
    folder = tmp_path / "folder.md"
    folder.mkdir()
    with pytest.raises(DocumentError, match=r"folder\.md"):
        TextReader().read(folder)


def test_reader_for_picks_text_reader() -> None:
    for name in ("a.txt", "b.MD", "c.markdown"):
        assert isinstance(reader_for(Path(name)), TextReader)


# --- the shipped brief ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def brief() -> ParsedDocument:
    return TextReader().read(BRIEF_TXT)


def test_brief_footnotes_match_printed_definitions(brief: ParsedDocument) -> None:
    raw = BRIEF_TXT.read_text(encoding="utf-8")
    printed = re.findall(r"^([¹²³⁴⁵⁶⁷⁸⁹⁰]+) (.+)$", raw, flags=re.MULTILINE)
    assert len(printed) == 12
    assert [f.number for f in brief.footnotes] == list(range(1, 13))
    for note, (_, text) in zip(brief.footnotes, printed, strict=True):
        expected = re.sub(r"<(https?://[^>]+)>", r"\1", text.replace("*", ""))
        assert note.text == " ".join(expected.split())
    assert brief.footnotes[3].text == (
        "UNODC. Global Report on Trafficking in Persons 2024. (11/02/2025). p. 46"
    )


def test_brief_markers_sit_after_the_cited_sentence(brief: ParsedDocument) -> None:
    markers = [(m.number, b) for b in brief.blocks for m in b.markers]
    assert [n for n, _ in markers] == list(range(1, 13))  # each marker once, in order
    first = next(b for n, b in markers if n == 1)
    assert first.kind == "list_item"
    assert marked(first).endswith("exploitation in various ways.[1]")
    fourth = next(b for n, b in markers if n == 4)
    assert fourth.kind == "caption" and fourth.text.startswith("Figure 1.")
    assert not any(re.search("[¹²³⁴⁵⁶⁷⁸⁹⁰]", b.text) for b in brief.blocks)
    # Footnote definitions never leak into the body (the reference list repeats some of them
    # as its own entries, so only the blocks before it are checked).
    texts = [b.text for b in brief.blocks]
    body = texts[: texts.index("References:")]
    assert not any(note.text in body for note in brief.footnotes)
    assert not any(text.startswith("UNODC. Global Report") for text in body)


def test_brief_structure(brief: ParsedDocument) -> None:
    assert brief.title.startswith("United Nations Children's Fund (UNICEF) — Topic B.")
    assert brief.page_count == 1 and brief.page_labels == ()
    assert all(b.page_start is None for b in brief.blocks)
    headings = [b.text for b in brief.blocks if b.kind == "heading"]
    for name in (
        "Introduction:",
        "Concepts and definitions:",
        "Current issue:",
        "Guiding questions:",
        "References:",
    ):
        assert name in headings
    assert sum(b.kind == "caption" for b in brief.blocks) == 3
    # The page-broken paragraph ("… essential for" / "them to …") is one block.
    assert any("essential for them to overcome" in b.text for b in brief.blocks)
    texts = [b.text for b in brief.blocks]
    questions = brief.blocks[texts.index("Guiding questions:") + 1 :]
    assert [b.kind for b in questions[:12]] == ["list_item"] * 12
    assert questions[0].text.startswith("Is your delegation a country of origin")
    assert brief.warnings == ()


ENDNOTE_TEXTS = ("United Nations. Report of the Council, 1999, p. 4.",
                 "Smith, J. Two failures. Journal of Things, 2001.")


@pytest.mark.parametrize("heading", ["## Notes", "ENDNOTES", "## End notes"])
def test_endnotes_under_a_closing_notes_heading_are_notes(heading: str) -> None:
    text = ("# A Guide\n\nThe council met in 1999.¹ It failed twice.²\n\n"
            f"{heading}\n\n1. {ENDNOTE_TEXTS[0]}\n2. {ENDNOTE_TEXTS[1]}\n   continued here.\n")
    doc = TextReader().parse(text, "guide.md")
    assert [(f.number, f.text) for f in doc.footnotes] == [
        (1, ENDNOTE_TEXTS[0]), (2, ENDNOTE_TEXTS[1] + " continued here.")]
    body = [b for b in doc.blocks if "council" in b.text]
    assert body[0].text == "The council met in 1999. It failed twice."
    assert [m.number for m in body[0].markers] == [1, 2]


def test_a_numbered_list_under_notes_that_no_marker_points_at_stays_a_list() -> None:
    text = ("# A Guide\n\nThe council met in 1999.\n\n## Notes\n\n"
            f"1. {ENDNOTE_TEXTS[0]}\n2. {ENDNOTE_TEXTS[1]}\n")
    doc = TextReader().parse(text, "guide.md")
    assert doc.footnotes == ()
    assert [b.text for b in doc.blocks if b.kind == "list_item"] == list(ENDNOTE_TEXTS)
