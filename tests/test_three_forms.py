"""The brief's three shipped forms (PDF, DOCX, TXT) yield the same 12 footnotes.

The oracle is the TXT file itself: the footnote lines it prints, with the Markdown decoration
(`*` emphasis, `<…>` around URLs) removed. The PDF and Word files print the angle brackets
around URLs literally, so those two are compared with each other as they are (modulo
whitespace) and with the TXT after the brackets are dropped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import BRIEF_DOCX, BRIEF_PDF, BRIEF_TXT

from ingest.footnotes import parse_footnote
from ingest.readers.docx import DocxReader
from ingest.readers.text import TextReader
from ingest.records import RawFootnote

_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_WRAPPED_URL = re.compile(r"<\s*((?:https?|ftp)://[^<>]+?)\s*>")


def spaced(text: str) -> str:
    """Whitespace-insensitive form; whitespace inside a `<URL>` (a line wrap) is dropped."""
    text = _WRAPPED_URL.sub(lambda m: "<" + "".join(m.group(1).split()) + ">", text)
    return " ".join(text.split())


def unbracketed(text: str) -> str:
    """`spaced`, and without the angle brackets around URLs."""
    return _WRAPPED_URL.sub(r"\1", spaced(text))


def printed_txt_footnotes() -> dict[int, str]:
    """Footnote lines of the TXT as printed, decoration stripped (independent of the reader)."""
    raw = BRIEF_TXT.read_text(encoding="utf-8")
    out: dict[int, str] = {}
    for digits, text in re.findall(r"^([⁰¹²³⁴⁵⁶⁷⁸⁹]+) (.+)$", raw, flags=re.MULTILINE):
        out[int(digits.translate(_SUPERSCRIPT))] = unbracketed(text.replace("*", ""))
    return out


def by_number(footnotes: tuple[RawFootnote, ...]) -> dict[int, str]:
    return {f.number: f.text for f in footnotes}


@pytest.fixture(scope="module")
def docx_notes() -> dict[int, str]:
    return by_number(DocxReader().read(BRIEF_DOCX).footnotes)


@pytest.fixture(scope="module")
def txt_notes() -> dict[int, str]:
    return by_number(TextReader().read(BRIEF_TXT).footnotes)


@pytest.fixture(scope="module")
def pdf_notes() -> dict[int, str]:
    # Imported here so the DOCX/TXT checks still run while the PDF reader is missing.
    from ingest.readers.pdf import PdfReader

    return by_number(PdfReader().read(Path(BRIEF_PDF)).footnotes)


def test_printed_txt_has_twelve_footnotes() -> None:
    assert sorted(printed_txt_footnotes()) == list(range(1, 13))


def test_txt_reader_matches_printed_footnotes(txt_notes: dict[int, str]) -> None:
    assert {n: spaced(t) for n, t in txt_notes.items()} == printed_txt_footnotes()


def test_docx_matches_txt(docx_notes: dict[int, str]) -> None:
    assert {n: unbracketed(t) for n, t in docx_notes.items()} == printed_txt_footnotes()


def test_pdf_matches_txt(pdf_notes: dict[int, str]) -> None:
    assert {n: unbracketed(t) for n, t in pdf_notes.items()} == printed_txt_footnotes()


def test_pdf_matches_docx_as_printed(pdf_notes: dict[int, str], docx_notes: dict[int, str]) -> None:
    assert {n: spaced(t) for n, t in pdf_notes.items()} == {
        n: spaced(t) for n, t in docx_notes.items()
    }


def test_same_urls_and_pages_from_every_form(
    pdf_notes: dict[int, str], docx_notes: dict[int, str], txt_notes: dict[int, str]
) -> None:
    def parsed(notes: dict[int, str]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
        footnotes = [parse_footnote(RawFootnote(n, t), "brief") for n, t in sorted(notes.items())]
        return [(f.urls, f.pages) for f in footnotes]

    assert parsed(pdf_notes) == parsed(docx_notes) == parsed(txt_notes)
