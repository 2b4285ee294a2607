"""PDF text extraction engines compared on the real documents (issue 11, item 6).

For every PDF in ../shared/real-docs/ and every engine that is installed (an engine that is
not is skipped, saying so), against poppler's `pdftotext` as the reference:

- coverage: share of pdftotext's distinct words (3+ letters/digits, lower-cased) that the
  engine's text contains at all;
- word spaces: share of pdftotext's word *occurrences* found as whole words in the engine's
  text (multiset match), so "AttheheightoftheCOVID-19crisis" scores its six words as missing
  even when "the" appears elsewhere on the page;
- time per page (wall clock, one run, after a warm-up file).

Engines: the project's PDF reader (`ingest.readers.pdf.PdfReader`: pypdf plus our layout
stages; blocks and footnotes, page furniture set aside), pypdf's own `extract_text`,
pdfminer.six, pdfplumber (pdfminer underneath, its own word grouping) and pypdfium2 (PDFium).
Install the candidates only to run this: `.venv/bin/pip install pdfminer.six pdfplumber`
(pypdfium2 is a dependency already, for OCR rendering).

Usage: .venv/bin/python bench/bench_engines.py [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import logging
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

REAL_DOCS = Path(__file__).resolve().parents[2] / "shared" / "real-docs"
_WORD = re.compile(r"[^\W_]{3,}")
_TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")

Extract = Callable[[Path], str]


@dataclass(frozen=True)
class Engine:
    name: str
    module: str  # the import that must succeed for the engine to run
    extract: Extract


@dataclass(frozen=True)
class Row:
    engine: str
    document: str
    pages: int
    coverage: float | None
    word_spaces: float | None
    seconds: float
    seconds_per_page: float
    error: str = ""


@dataclass(frozen=True)
class Summary:
    engine: str
    documents: int
    failed: int
    coverage: float  # mean over the documents it read
    coverage_min: float
    word_spaces: float
    word_spaces_min: float
    seconds_per_page: float  # total time / total pages


def _our_reader(path: Path) -> str:
    from ingest.readers.pdf import PdfReader

    doc = PdfReader().read(path)
    return "\n".join([b.text for b in doc.blocks] + [f.text for f in doc.footnotes])


def _pypdf(path: Path) -> str:
    import pypdf

    reader = pypdf.PdfReader(path)
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _pdfminer(path: Path) -> str:
    from pdfminer.high_level import extract_text

    return str(extract_text(str(path)))


def _pdfplumber(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def _pypdfium2(path: Path) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        out = io.StringIO()
        for page in document:
            text_page = page.get_textpage()
            out.write(text_page.get_text_range())
            out.write("\n")
            text_page.close()
            page.close()
        return out.getvalue()
    finally:
        document.close()


ENGINES = (
    Engine("brief-qa reader (pypdf)", "pypdf", _our_reader),
    Engine("pypdf extract_text", "pypdf", _pypdf),
    Engine("pdfminer.six", "pdfminer", _pdfminer),
    Engine("pdfplumber", "pdfplumber", _pdfplumber),
    Engine("pypdfium2", "pypdfium2", _pypdfium2),
)


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def _tokens(text: str) -> Counter[str]:
    # Hyphens at line ends differ by engine ("inter-\nnational"); compare words, not hyphens.
    return Counter(t.lower() for t in _TOKEN.findall(text.replace("\u00ad", "")))


def _page_count(path: Path) -> int:
    import pypdf

    return len(pypdf.PdfReader(path).pages)


def _reference(path: Path) -> str | None:
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
    return done.stdout if done.returncode == 0 else None


def measure(engine: Engine, path: Path, reference: str) -> Row:
    pages = _page_count(path)
    started = time.perf_counter()
    try:
        text = engine.extract(path)
        error = ""
    except Exception as exc:  # an engine failing on a file is a result, not a crash
        text, error = "", f"{exc.__class__.__name__}: {str(exc)[:120]}"
    seconds = time.perf_counter() - started
    coverage = spaces = None
    if not error:
        want = _words(reference)
        coverage = len(want & _words(text)) / len(want) if want else 1.0
        ref_tokens, got = _tokens(reference), _tokens(text)
        total = sum(ref_tokens.values())
        hit = sum(min(n, got[t]) for t, n in ref_tokens.items())
        spaces = hit / total if total else 1.0
    return Row(engine.name, path.name, pages, coverage, spaces, round(seconds, 3),
               round(seconds / max(pages, 1), 4), error)


def summarise(rows: list[Row]) -> list[Summary]:
    out = []
    for name in dict.fromkeys(r.engine for r in rows):
        mine = [r for r in rows if r.engine == name]
        read = [r for r in mine if r.coverage is not None and r.word_spaces is not None]
        cov = [r.coverage for r in read if r.coverage is not None]
        spaces = [r.word_spaces for r in read if r.word_spaces is not None]
        out.append(Summary(
            engine=name,
            documents=len(mine),
            failed=len(mine) - len(read),
            coverage=round(sum(cov) / len(cov), 3) if cov else 0.0,
            coverage_min=round(min(cov), 3) if cov else 0.0,
            word_spaces=round(sum(spaces) / len(spaces), 3) if spaces else 0.0,
            word_spaces_min=round(min(spaces), 3) if spaces else 0.0,
            seconds_per_page=round(
                sum(r.seconds for r in mine) / max(sum(r.pages for r in mine), 1), 4
            ),
        ))
    return out


def _available() -> tuple[list[Engine], list[str]]:
    usable, skipped = [], []
    for engine in ENGINES:
        if importlib.util.find_spec(engine.module) is None:
            skipped.append(f"{engine.name}: not installed (pip install {engine.module})")
        else:
            usable.append(engine)
    return usable, skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print rows and summary as JSON")
    args = parser.parse_args(argv)
    if not REAL_DOCS.is_dir():
        print(f"skipped: {REAL_DOCS} is absent (real documents are not part of the project)")
        return 0
    if shutil.which("pdftotext") is None:
        print("skipped: pdftotext (poppler-utils) is the reference and is not installed")
        return 0
    engines, skipped = _available()
    for line in skipped:
        print(f"skipped engine {line}", file=sys.stderr)
    files = sorted(REAL_DOCS.glob("*.pdf"))
    references = {p: _reference(p) for p in files}
    # pdfminer and pypdf log every font and xref oddity of these files; the table is the output.
    for name in ("pdfminer", "pdfplumber", "pypdf"):
        logging.getLogger(name).setLevel(logging.ERROR)
    for engine in engines:  # warm-up: imports and first-use caches are not the engine's speed
        with contextlib.suppress(Exception):
            engine.extract(files[0])
    rows = [
        measure(engine, path, ref)
        for path, ref in references.items() if ref is not None
        for engine in engines
    ]
    summary = summarise(rows)
    if args.json:
        print(json.dumps({"rows": [asdict(r) for r in rows],
                          "summary": [asdict(s) for s in summary]}, indent=1))
        return 0
    print("| engine | documents | failed | coverage mean (min) | word spaces mean (min) | s/page |")
    print("|---|---|---|---|---|---|")
    for s in summary:
        print(f"| {s.engine} | {s.documents} | {s.failed} | {s.coverage:.3f} ({s.coverage_min:.3f})"
              f" | {s.word_spaces:.3f} ({s.word_spaces_min:.3f}) | {s.seconds_per_page:.4f} |")
    print()
    print("| document | " + " | ".join(e.name for e in engines) + " |")
    print("|---|" + "---|" * len(engines))
    for path in files:
        cells = []
        for engine in engines:
            row = next((r for r in rows if r.engine == engine.name and r.document == path.name),
                       None)
            if row is None or row.coverage is None or row.word_spaces is None:
                cells.append("failed" if row else "–")
            else:
                cells.append(f"{row.coverage:.2f} / {row.word_spaces:.2f} / "
                             f"{row.seconds_per_page:.3f}")
        print(f"| {path.name} | " + " | ".join(cells) + " |")
    print("\ncells: coverage / word spaces / s per page")
    return 0


if __name__ == "__main__":
    sys.exit(main())
