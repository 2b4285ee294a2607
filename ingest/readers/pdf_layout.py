"""PDF layout state: the document-wide measures every stage reads (body size, line
spacing, typical line length, vocabulary) and the attributes the stages fill in."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import pypdf

from ingest.readers.pdf_joining import _URL_PART, _URL_TAIL, _WORDS, _Joiner, _whole_words
from ingest.readers.pdf_lines import _Line, _PageText
from ingest.records import Furniture, RawFootnote


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return text if len(text) < 200 else text[:197] + "..."



def _body_size(lines: Sequence[_Line]) -> float:
    weights: Counter[float] = Counter()
    for line in lines:
        for run in line.runs:
            weights[round(run.size * 2) / 2] += len(run.text.strip())
    if not weights:
        return 10.0
    return weights.most_common(1)[0][0]



def _body_bold(lines: Sequence[_Line], body_size: float) -> bool:
    """Is the body itself set in a bold face (most of its characters)? Then bold marks no
    heading: a designer who sets every paragraph in Montserrat Bold has bold short lines."""
    bold = chars = 0
    for line in lines:
        for run in line.runs:
            if abs(round(run.size * 2) / 2 - body_size) <= 0.5:
                n = len(run.text.strip())
                chars += n
                bold += n if run.font.bold else 0
    return chars > 0 and bold > 0.5 * chars



def _line_spacing(pages: Sequence[_PageText]) -> dict[float, float]:
    """Normal baseline-to-baseline distance per font size (the most common; ties → smallest)."""
    gaps: dict[float, Counter[float]] = defaultdict(Counter)
    for page in pages:
        for a, b in zip(page.lines, page.lines[1:], strict=False):
            if abs(a.size - b.size) > 0.3:
                continue
            d = a.baseline - b.baseline
            if 0.8 * a.size < d < 3 * a.size:
                gaps[round(a.size * 2) / 2][round(d * 2) / 2] += 1
    out: dict[float, float] = {}
    for size, counter in gaps.items():
        best = max(counter.values())
        out[size] = min(g for g, c in counter.items() if c == best)
    return out



def _typical_lengths(lines: Sequence[_Line]) -> dict[float, int]:
    """Characters in a full line per font size (90th percentile of line lengths)."""
    by_size: dict[float, list[int]] = defaultdict(list)
    for line in lines:
        by_size[round(line.size * 2) / 2].append(len(line.raw))
    out: dict[float, int] = {}
    for size, lengths in by_size.items():
        if len(lengths) >= 3:
            lengths.sort()
            out[size] = lengths[min(len(lengths) - 1, int(0.9 * len(lengths)))]
    return out


class _LayoutBase:
    """Document-wide analysis of the extracted lines: what every stage reads and fills."""

    def __init__(
        self, path: Path, reader: pypdf.PdfReader, pages: list[_PageText], warnings: list[str]
    ) -> None:
        self.path = path
        self.reader = reader
        self.pages = pages
        self.warnings = [w for p in pages for w in p.warnings] + warnings
        all_lines = [line for p in pages for line in p.lines]
        # The body's size is read from the upper half of the pages: notes sit at the foot,
        # and a law review can print more note text than body text.
        upper = [line for p in pages for line in p.lines if p.rel_y(line) > 0.5]
        self.body_size = _body_size(upper or all_lines)
        self.body_bold = _body_bold(upper or all_lines, self.body_size)
        self.spacing = _line_spacing(pages)
        self.typical_length = _typical_lengths(all_lines)
        self.vocabulary = {w.lower() for line in all_lines for w in _WORDS.findall(line.raw)}
        self.joiner = _Joiner(self.vocabulary, _whole_words(all_lines))
        self.folios: dict[int, str] = {}
        self.furniture: list[Furniture] = []  # what `_strip_furniture` set aside, for inspect
        self.footnotes: list[RawFootnote] = []
        self.labels: list[str] = []
        self.separators: list[tuple[_PageText, _Line]] = []

    def line_gap(self, size: float) -> float:
        key = round(size * 2) / 2
        return self.spacing.get(key) or 1.2 * size

    def _full_url_line(self, line: _Line) -> bool:
        """The line is one long URL reaching the right margin (so a break may have cut it)."""
        raw = line.raw.lstrip("<(")
        if " " in raw or not (_URL_TAIL.match(raw) or _URL_PART.search(raw)):
            return False
        typical = self.typical_length.get(round(line.size * 2) / 2, 0)
        return bool(typical) and len(line.raw) >= 0.85 * typical
