"""Reading real documents (issue 11): footnotes, markers and text coverage per document.

Runs every file in ../shared/real-docs/ through the project's real read path
(`ingest.pipeline.read_document`, no fetching) and compares it with gt/NAME.json
(or NAME.auto.json) and with `pdftotext` (distinct 3+ letter/digit words). Coverage is
measured twice: over the reader's blocks, and over the chunks the pipeline indexes
(`ingest.chunking.chunk_blocks`, default options), footnotes included in both — a word the
reader found that no chunk holds is lost to search.
Usage: .venv/bin/python bench/bench_reading.py [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bs4 import BeautifulSoup

from ingest.chunking import chunk_blocks
from ingest.errors import BriefQAError
from ingest.pipeline import read_document
from ingest.records import ParsedDocument

REAL_DOCS = Path(__file__).resolve().parents[2] / "shared" / "real-docs"
_WORD = re.compile(r"[^\W_]{3,}")
_OPENING_WORDS = 6


@dataclass(frozen=True)
class Row:
    document: str
    gt_notes: int | None
    found_notes: int
    recall: float | None
    precision: float | None
    note_text: float | None
    marker_attach: float | None
    coverage: float | None
    chunk_coverage: float | None
    label_match: float | None
    labelled_pages: int
    exit_code: int
    seconds: float
    seconds_per_page: float
    error: str = ""


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _opening(text: str) -> tuple[str, ...]:
    return tuple(_words(text)[:_OPENING_WORDS])


def _word_match(expected: str, got: str) -> float:
    """Share of the expected note's words found (in order-free multiset sense) in the note read."""
    want = _words(expected)
    if not want:
        return 1.0
    pool: dict[str, int] = {}
    for w in _words(got):
        pool[w] = pool.get(w, 0) + 1
    hit = 0
    for w in want:
        if pool.get(w, 0):
            pool[w] -= 1
            hit += 1
    return hit / len(want)


def _reference_words(path: Path) -> set[str] | None:
    if path.suffix.lower() in (".html", ".htm"):
        soup = BeautifulSoup(path.read_bytes(), "lxml")
        for tag in soup(["script", "style", "noscript", "template", "head"]):
            tag.decompose()
        return set(_words(soup.get_text(" ")))
    if shutil.which("pdftotext") is None:
        return None
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
    return set(_words(out.stdout)) if out.returncode == 0 else None


# A folio as pdftotext prints it: a line that is only a page number ("12", "Page 12",
# "12 of 30"), or a running header that starts or ends with one after a wide gap.
_FOLIO_LINE = re.compile(r"(?:page\s+)?(\d{1,4})(?:\s+of\s+\d+)?", re.IGNORECASE)
_HEADER_FOLIO = re.compile(r"^(\d{1,4})\s{3,}\S|\S\s{3,}(\d{1,4})$")


def _printed_folios(path: Path) -> dict[int, str]:
    """Page index → the folio pdftotext finds printed on it, kept only where a neighbouring
    page's folio continues it (so a year or a table figure alone on a line is not a folio)."""
    if path.suffix.lower() != ".pdf" or shutil.which("pdftotext") is None:
        return {}
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True)
    if out.returncode != 0:
        return {}
    found: dict[int, int] = {}
    for index, page in enumerate(out.stdout.split("\f")):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        if not lines:
            continue
        for line in (lines[-1], lines[0]):
            if m := _FOLIO_LINE.fullmatch(line):
                found[index] = int(m.group(1))
                break
        else:
            if m := _HEADER_FOLIO.search(lines[0]):
                found[index] = int(m.group(1) or m.group(2))
    return {
        i: str(v) for i, v in found.items()
        if found.get(i - 1) == v - 1 or found.get(i + 1) == v + 1
    }


def _ground_truth(path: Path) -> list[dict[str, object]] | None:
    for name in (f"{path.stem}.json", f"{path.stem}.auto.json"):
        gt = path.parent / "gt" / name
        if gt.exists():
            data = json.loads(gt.read_text(encoding="utf-8"))
            return list(data)
    return None


def measure(path: Path) -> Row:
    started = time.perf_counter()
    parsed: ParsedDocument | None = None
    error = ""
    try:
        parsed = read_document(path)
        code = 0
    except BriefQAError as exc:
        code, error = 2, str(exc)
    seconds = time.perf_counter() - started
    gt = _ground_truth(path)
    notes = {f.number: f.text for f in parsed.footnotes} if parsed else {}
    pages = parsed.page_count if parsed else 1
    recall = precision = note_text = attach = coverage = chunk_coverage = None
    if gt is not None:
        matched = [
            g
            for g in gt
            if int(str(g["n"])) in notes
            and _opening(str(g["text"])) == _opening(notes[int(str(g["n"]))])
        ]
        recall = len(matched) / len(gt) if gt else 1.0
        precision = len(matched) / len(notes) if notes else (1.0 if not gt else 0.0)
        note_text = (
            sum(_word_match(str(g["text"]), notes.get(int(str(g["n"])), "")) for g in gt) / len(gt)
            if gt
            else None
        )
        marked = {m.number for b in parsed.blocks for m in b.markers} if parsed else set()
        attach = sum(1 for g in gt if int(str(g["n"])) in marked) / len(gt) if gt else None
    elif notes:
        precision = 0.0  # no ground truth notes: every note found is false
    reference = _reference_words(path)
    if reference and parsed is not None:
        indexed = set(_words(" ".join(b.text for b in parsed.blocks)))
        indexed |= set(_words(" ".join(notes.values())))
        coverage = len(reference & indexed) / len(reference)
        chunks = chunk_blocks("bench", parsed.blocks).chunks
        chunked = set(_words(" ".join(c.text for c in chunks)))
        chunked |= set(_words(" ".join(notes.values())))
        chunk_coverage = len(reference & chunked) / len(reference)
    elif reference:
        coverage = chunk_coverage = 0.0
    printed = _printed_folios(path)
    labels = parsed.page_labels if parsed else ()
    label_match = (
        sum(1 for i, folio in printed.items() if i < len(labels) and labels[i] == folio)
        / len(printed)
        if printed
        else None
    )
    return Row(
        path.name,
        len(gt) if gt is not None else None,
        len(notes),
        recall,
        precision,
        note_text,
        attach,
        coverage,
        chunk_coverage,
        label_match,
        len(printed),
        code,
        round(seconds, 2),
        round(seconds / max(pages, 1), 3),
        error,
    )


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print rows as JSON")
    args = parser.parse_args(argv)
    if not REAL_DOCS.is_dir():
        print(f"skipped: {REAL_DOCS} is absent (real documents are not part of the project)")
        return 0
    files = sorted(p for p in REAL_DOCS.iterdir() if p.suffix.lower() in (".pdf", ".html", ".htm"))
    rows = [measure(p) for p in files]
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=1))
        return 0
    print(
        "| document | gt | found | recall | precision | note text | marker attach | coverage "
        "| chunk coverage | page labels (pages) | exit | s | s/page |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        cells = [
            r.document,
            _fmt(r.gt_notes),
            _fmt(r.found_notes),
            _fmt(r.recall),
            _fmt(r.precision),
            _fmt(r.note_text),
            _fmt(r.marker_attach),
            _fmt(r.coverage),
            _fmt(r.chunk_coverage),
            f"{_fmt(r.label_match)} ({r.labelled_pages})",
            _fmt(r.exit_code),
            _fmt(r.seconds),
            _fmt(r.seconds_per_page),
        ]
        print("| " + " | ".join(cells) + " |")
    print("page labels: share of the pages whose folio pdftotext finds (and a neighbouring "
          "page continues) that the reader labels the same; (pages) = how many had one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
