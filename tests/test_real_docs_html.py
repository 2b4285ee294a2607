"""The HTML reader on a real web page (issue 11 item 5): the Michigan Law Review article.

Its 184 footnotes are tooltips (`aria-describedby` → `<span role="tooltip">` right after the
marker). The page and its ground truth live in ../shared/real-docs/ (not part of the project);
the tests skip, saying why, where that folder is absent.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ingest.readers.html import HtmlReader
from ingest.records import ParsedDocument

REAL_DOCS = Path(__file__).resolve().parents[2] / "shared" / "real-docs"
PAGE = REAL_DOCS / "michigan_law_review_citizen_shareholders.html"
GROUND_TRUTH = REAL_DOCS / "gt" / "michigan_law_review_citizen_shareholders.json"

pytestmark = pytest.mark.skipif(
    not (PAGE.is_file() and GROUND_TRUTH.is_file()),
    reason=f"real documents are not part of the project: {PAGE} or its ground truth is absent",
)


@pytest.fixture(scope="module")
def doc() -> ParsedDocument:
    return HtmlReader().read(PAGE)


@pytest.fixture(scope="module")
def truth() -> list[dict[str, object]]:
    return list(json.loads(GROUND_TRUTH.read_text(encoding="utf-8")))


def _squash(text: str) -> str:
    # The ground truth was taken with a space at every tag edge ("Peru , IISD"): compare the
    # characters, not the spacing.
    return re.sub(r"\s+", "", text)


def _space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_every_footnote_is_found_with_its_number(
    doc: ParsedDocument, truth: list[dict[str, object]]
) -> None:
    assert len(truth) == 184
    assert [f.number for f in doc.footnotes] == [int(str(g["n"])) for g in truth]
    assert doc.warnings == ()


def test_note_text_is_verbatim(doc: ParsedDocument, truth: list[dict[str, object]]) -> None:
    notes = {f.number: f.text for f in doc.footnotes}
    wrong = [g["n"] for g in truth if _squash(notes[int(str(g["n"]))]) != _squash(str(g["text"]))]
    assert wrong == []
    note_37 = notes[37]
    assert note_37 == "U.C.C. (A.L.I. & Unif. L. Comm’n amended 2022)."  # not merged into 36
    assert "perma.cc/3MUJ-D844" in notes[1]
    assert "http://www.perma.cc/3MUJ-D844" in doc.footnotes[0].links


def test_markers_sit_where_the_page_puts_them(
    doc: ParsedDocument, truth: list[dict[str, object]]
) -> None:
    before: dict[int, list[str]] = {}
    for block in doc.blocks:
        for marker in block.markers:
            before.setdefault(marker.number, []).append(block.text[: marker.offset])
    assert sorted(before) == [int(str(g["n"])) for g in truth]
    assert all(len(texts) == 1 for texts in before.values())
    misplaced = [
        g["n"]
        for g in truth
        if g.get("ctx") and not _space(before[int(str(g["n"]))][0]).endswith(_space(str(g["ctx"])))
    ]
    assert misplaced == []


def test_notes_leave_the_body_and_markers_keep_the_space(doc: ParsedDocument) -> None:
    body = " ".join(b.text for b in doc.blocks)
    assert "ICSID Case No. ARB/14/21, Award, ¶" not in body  # note 1's text
    assert "near the border with Bolivia. The concession enabled" in body
    assert "Bolivia.1" not in body
