"""`brief-qa inspect FILE [--json]`: what the reader saw, page by page, in every format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import BRIEF_DOCX, BRIEF_PDF
from pdf_factory import Layout, make_image_only_pdf, make_report

import ingest.readers.ocr
from assistant.cli.main import main
from ingest.readers.ocr import MissingEngine


def inspect_json(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["inspect", str(path), "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def inspect_text(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["inspect", str(path)]) == 0
    return capsys.readouterr().out


def test_pdf_footnotes_with_markers_and_furniture_page_by_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "report.pdf"
    expected = make_report(path, Layout(header="Wetlands Review 2024", folio="bottom"))
    report = inspect_json(path, capsys)
    assert report["format"] == "pdf" and report["page_count"] == len(expected.page_labels)
    assert [p["number"] for p in report["pages"]] == [1, 2]
    assert [p["label"] for p in report["pages"]] == expected.page_labels
    for page in report["pages"]:
        # The running header and the folio of every page were set aside, and said so.
        assert page["furniture"] == [
            {"kind": "header", "text": "Wetlands Review 2024"},
            {"kind": "folio", "text": page["label"]},
        ]
    notes = {n["number"]: (p["label"], n) for p in report["pages"] for n in p["footnotes"]}
    assert sorted(notes) == [1, 2, 3, 4, 5]
    for number, (label, note) in notes.items():
        assert label == expected.footnote_pages[number]
        assert note["text"] == expected.footnotes[number]
        assert [m["number"] for m in note["markers"]] == [number]
    # Each marker is shown with the words it follows in the body.
    assert notes[1][1]["markers"][0]["before"].endswith("soils.")
    assert notes[4][1]["markers"][0]["before"].endswith("along fixed transects.")
    assert report["markers_without_notes"] == [] and report["notes_without_markers"] == []
    assert report["furniture"] == 4 and report["markers"] == 5

    text = inspect_text(path, capsys)
    assert "== page 2: " in text
    assert "  set aside (header): Wetlands Review 2024" in text
    assert "  set aside (folio): 2" in text
    assert "      marker: “…" in text and "soils.¹”" in text


def test_a_running_footer_is_reported_as_a_footer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "report.pdf"
    make_report(path, Layout(footer="Internal draft, not for circulation", folio=None))
    report = inspect_json(path, capsys)
    assert [p["furniture"] for p in report["pages"]] == [
        [{"kind": "footer", "text": "Internal draft, not for circulation"}]
    ] * 2


def test_markers_without_notes_and_notes_without_markers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.md"
    path.write_text(
        "Notes test\n\nA first claim.[^1] A second claim.[^2]\n\nMore text.\n\n"
        "[^1]: Note one, cited.\n[^3]: Note three, never cited.\n",
        encoding="utf-8",
    )
    report = inspect_json(path, capsys)
    assert report["format"] == "md"
    [page] = report["pages"]
    assert page["number"] is None and page["label"] is None
    assert [(m["number"], m["before"]) for m in report["markers_without_notes"]] == [
        (2, "A first claim. A second claim.")
    ]
    assert [n["number"] for n in report["notes_without_markers"]] == [3]
    assert any("[^2]" in w for w in report["warnings"])
    text = inspect_text(path, capsys)
    assert "== whole document (no pages)" in text
    assert "markers without notes: “A first claim. A second claim.²”" in text
    assert "notes without markers: 3" in text
    assert "      marker: none found in the text" in text


def test_html_and_docx_and_txt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    html = tmp_path / "page.html"
    html.write_text(
        "<html><head><title>Page</title></head><body><main><h1>Title</h1>"
        '<p>Body claim.<sup><a href="#fn1" id="r1">1</a></sup> Other claim.'
        '<sup><a href="#fn2">2</a></sup></p><ol class="footnotes">'
        '<li id="fn1">First note text. <a href="#r1">↩</a></li>'
        '<li id="fn2">Second note text.</li></ol></main></body></html>',
        encoding="utf-8",
    )
    report = inspect_json(html, capsys)
    [page] = report["pages"]
    assert [(n["number"], n["text"], n["markers"][0]["before"]) for n in page["footnotes"]] == [
        (1, "First note text.", "Body claim."),
        (2, "Second note text.", "Body claim. Other claim."),
    ]
    # The three shipped forms of the brief: 12 notes, each with its marker.
    for path in (BRIEF_DOCX, BRIEF_DOCX.with_suffix(".txt"), BRIEF_PDF):
        report = inspect_json(path, capsys)
        notes = [n for p in report["pages"] for n in p["footnotes"]]
        assert [n["number"] for n in notes] == list(range(1, 13)), path
        assert all(len(n["markers"]) == 1 for n in notes), path


def test_warnings_name_the_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import pypdf

    make_image_only_pdf(tmp_path / "pictures.pdf")
    writer = pypdf.PdfWriter()
    for source in (BRIEF_PDF, tmp_path / "pictures.pdf"):
        for page in pypdf.PdfReader(source).pages:
            writer.add_page(page)
    mixed = tmp_path / "mixed.pdf"
    with mixed.open("wb") as handle:
        writer.write(handle)
    monkeypatch.setattr(
        ingest.readers.ocr, "default_engine", lambda: MissingEngine("tesseract is not installed")
    )
    report = inspect_json(mixed, capsys)
    assert [w.split(":")[0] for w in report["warnings"] if "OCR is not available" in w] == [
        "page 7", "page 8"
    ]
    assert report["pages"][6]["blocks"] == 0
    assert "page 8: no text layer" in inspect_text(mixed, capsys)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("missing.pdf", None, "no such file or directory"),
        ("garbage.pdf", b"%PDF-1.7\nnot really a pdf\n", "truncated PDF"),
        ("notes.xyz", b"x", "unsupported file type"),
        ("empty.docx", b"", "empty"),
    ],
)
def test_bad_files_are_one_line_errors_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes | None,
    reason: str,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    assert main(["inspect", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.strip().splitlines()
    assert line.startswith(f"error: {path}: ") and reason in line, line
