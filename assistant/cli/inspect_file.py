"""`brief-qa inspect FILE`: what the reader saw, page by page, before anything is indexed.

This is how a user checks a new brief before trusting it: every footnote with the place its
marker sits, the page furniture set aside (running headers, footers, folios), the markers
that point at no note and the notes no marker points at, and the reader's warnings. Nothing
is fetched, chunked or embedded, and no index is needed.

Pages are physical pages (1-based) with their printed label; formats without pages (DOCX,
HTML, text) report one page, `number` null. A block that runs across a page break is
counted on the page it starts on, and so are its markers.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ingest.errors import DocumentError
from ingest.records import Block, ParsedDocument, superscript

_CONTEXT_WORDS = 8  # words of body text shown before a marker


@dataclass(frozen=True)
class MarkerPlace:
    """Where a marker sits: the words before it in its block."""

    number: int
    before: str


@dataclass(frozen=True)
class NoteReport:
    number: int
    text: str
    markers: tuple[MarkerPlace, ...]  # every place in the body that points at this note


@dataclass(frozen=True)
class FurnitureReport:
    kind: str  # header | footer | folio
    text: str


@dataclass(frozen=True)
class PageReport:
    number: int | None  # physical page, 1-based; None for formats without pages
    label: str | None  # the page label printed on it
    blocks: int
    words: int
    markers: tuple[MarkerPlace, ...]
    footnotes: tuple[NoteReport, ...]
    furniture: tuple[FurnitureReport, ...]


@dataclass(frozen=True)
class InspectReport:
    file: str
    format: str
    title: str
    page_count: int
    blocks: int
    words: int
    footnotes: int
    markers: int
    furniture: int
    pages: tuple[PageReport, ...]
    markers_without_notes: tuple[MarkerPlace, ...]
    notes_without_markers: tuple[NoteReport, ...]
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    p = subparsers.add_parser(
        "inspect",
        help="show what the reader saw in FILE: footnotes and markers, furniture set aside, "
        "warnings (nothing is indexed)",
        description="Read FILE as ingest would and print, page by page, the footnotes with "
        "where their markers are, the running headers, footers and folios set aside, the "
        "markers without a note and the notes without a marker, and the reader's warnings.",
    )
    p.add_argument("file", type=Path, metavar="FILE", help=".pdf, .docx, .html, .txt or .md")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=cmd_inspect)


def cmd_inspect(args: argparse.Namespace) -> int:
    report = inspect_file(args.file)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render(report))
    return 0


def inspect_file(path: Path) -> InspectReport:
    """Read `path` with its format's reader; a file that cannot be read raises a
    `DocumentError` naming it."""
    from ingest.pipeline import read_document

    if not path.exists():
        raise DocumentError(path, "no such file or directory")
    if path.is_dir():
        raise DocumentError(path, "is a directory: inspect one file at a time")
    return build_report(path, read_document(path))


def build_report(path: Path, parsed: ParsedDocument) -> InspectReport:
    labels = parsed.page_labels
    paged = bool(labels)
    numbers: list[int | None] = list(range(1, len(labels) + 1)) if paged else [None]

    block_pages = _PageFinder(labels)
    note_pages = _PageFinder(labels)
    places: dict[int | None, list[MarkerPlace]] = {n: [] for n in numbers}
    by_note: dict[int, list[MarkerPlace]] = {}
    blocks_on: dict[int | None, list[Block]] = {n: [] for n in numbers}
    for block in parsed.blocks:
        page = block_pages.find(block.page_start)
        blocks_on.setdefault(page, []).append(block)
        for marker in sorted(block.markers, key=lambda m: m.offset):
            place = MarkerPlace(marker.number, _before(block.text, marker.offset))
            places.setdefault(page, []).append(place)
            by_note.setdefault(marker.number, []).append(place)

    note_numbers = {note.number for note in parsed.footnotes}
    notes_on: dict[int | None, list[NoteReport]] = {n: [] for n in numbers}
    orphans: list[NoteReport] = []
    for note in parsed.footnotes:
        report = NoteReport(note.number, note.text, tuple(by_note.get(note.number, ())))
        notes_on.setdefault(note_pages.find(note.page), []).append(report)
        if not report.markers:
            orphans.append(report)

    furniture_on: dict[int | None, list[FurnitureReport]] = {n: [] for n in numbers}
    for item in parsed.furniture:
        page = item.page if paged and item.page in furniture_on else numbers[0]
        furniture_on[page].append(FurnitureReport(item.kind, item.text))

    pages = tuple(
        PageReport(
            number=n,
            label=labels[n - 1] if n is not None else None,
            blocks=len(blocks_on.get(n, [])),
            words=sum(len(b.text.split()) for b in blocks_on.get(n, [])),
            markers=tuple(places.get(n, [])),
            footnotes=tuple(notes_on.get(n, [])),
            furniture=tuple(furniture_on.get(n, [])),
        )
        for n in numbers
    )
    all_places = [p for page in pages for p in page.markers]
    return InspectReport(
        file=str(path),
        format=path.suffix.lower().lstrip(".") or "(none)",
        title=parsed.title,
        page_count=parsed.page_count,
        blocks=len(parsed.blocks),
        words=sum(page.words for page in pages),
        footnotes=len(parsed.footnotes),
        markers=len(all_places),
        furniture=len(parsed.furniture),
        pages=pages,
        markers_without_notes=tuple(p for p in all_places if p.number not in note_numbers),
        notes_without_markers=tuple(orphans),
        warnings=parsed.warnings,
    )


class _PageFinder:
    """Printed label → physical page, for records that come in page order.

    Labels can repeat (a slip opinion's syllabus and opinion both start at "1"), so a label
    is looked up from the page the previous record was on, not from the first page."""

    def __init__(self, labels: tuple[str, ...]) -> None:
        self.labels = labels
        self.at = 0

    def find(self, label: str | None) -> int | None:
        if not self.labels:
            return None
        if label is not None:
            for start in (self.at, 0):
                if label in self.labels[start:]:
                    self.at = self.labels.index(label, start)
                    break
        return self.at + 1


def _before(text: str, offset: int) -> str:
    words = text[:offset].split()
    shown = " ".join(words[-_CONTEXT_WORDS:])
    return ("…" + shown) if len(words) > _CONTEXT_WORDS else shown


def _place(place: MarkerPlace) -> str:
    return f"“{place.before}{superscript(place.number)}”"


def render(report: InspectReport) -> str:
    """The report as text, one section per page."""
    out = [
        f"{report.file}: {report.title}",
        f"{report.format.upper()}, {report.page_count} page(s), {report.blocks} blocks, "
        f"{report.words} words; {report.footnotes} footnotes, {report.markers} markers; "
        f"{report.furniture} furniture line(s) set aside; {len(report.warnings)} warning(s)",
    ]
    for page in report.pages:
        heading = "whole document (no pages)" if page.number is None else (
            f"page {page.number}" + (f" (printed {page.label})" if page.label != str(page.number)
                                     else "")
        )
        out += ["", f"== {heading}: {page.blocks} blocks, {page.words} words"]
        for note in page.footnotes:
            out.append(f"  {superscript(note.number)} {note.text}")
            for place in note.markers:
                out.append(f"      marker: {_place(place)}")
            if not note.markers:
                out.append("      marker: none found in the text")
        for item in page.furniture:
            out.append(f"  set aside ({item.kind}): {item.text}")
    out += ["", "markers without notes: " + (
        "; ".join(_place(p) for p in report.markers_without_notes) or "none")]
    out.append("notes without markers: " + (
        ", ".join(str(n.number) for n in report.notes_without_markers) or "none"))
    out.append("warnings:" + ("" if report.warnings else " none"))
    out += [f"  {warning}" for warning in report.warnings]
    return "\n".join(out)
