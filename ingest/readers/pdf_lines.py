"""PDF lines: runs that share a baseline (superscripts and subscripts included) become
one line of segments, plain text or a superscript number (a marker candidate); a page
whose stream keeps jumping back up the same column is re-sorted top-down.

Also: a list number or label drawn apart from its text rejoins its line (`_join_leads`),
and a one-column page whose stream jumps up at all is read top-down (`_reading_order`)."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ingest.readers.pdf_runs import Run
from ingest.records import NOTE_SYMBOLS, symbol_note_number

_SPACES = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")

_MARKER_DIGITS = re.compile(r"\d{1,3}(?:\s*[,\u2013-]\s*\d{1,3})*")
# A raised symbol that marks a note ("Shareholders*", "2021.†"): NOTE_SYMBOLS as drawn.
_MARKER_SYMBOL = re.compile("|".join(re.escape(s) for s in sorted(NOTE_SYMBOLS, key=len,
                                                                   reverse=True)))

_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"

_FROM_SUPERSCRIPT = str.maketrans(_SUPERSCRIPTS + "⁻", "0123456789-")

_UNICODE_MARKER = re.compile(f"([{_SUPERSCRIPTS}]{{1,3}}(?:[,⁻–][{_SUPERSCRIPTS}]{{1,3}})*)")

_TERMINAL = re.compile(r"[.!?:…][\"'”’)\]]*$")



def _terminated(text: str) -> bool:
    return bool(_TERMINAL.search(text.rstrip()))



@dataclass
class _Seg:
    """A piece of a line: plain text, or a superscript number (a marker candidate)."""

    text: str
    numbers: tuple[int, ...] = ()  # non-empty → marker candidate
    at_line_start: bool = False



@dataclass
class _Line:
    page: int
    runs: list[Run]
    baseline: float
    size: float
    segs: list[_Seg] = field(default_factory=list)
    raw: str = ""  # text with candidate digits kept, whitespace-normalised
    x0: float = 0.0
    bold: bool = False
    italic: bool = False

    @property
    def candidates(self) -> list[_Seg]:
        return [s for s in self.segs if s.numbers]



def _group_lines(page: int, runs: Iterable[Run]) -> list[_Line]:
    """Runs → lines, in stream order; superscripts/subscripts join the line they belong to."""
    lines: list[_Line] = []
    current: _Line | None = None
    for run in runs:
        if current is not None and _joins(current, run):
            current.runs.append(run)
            if run.size > current.size * 1.05 and abs(run.y - current.baseline) > 0.15 * run.size:
                # The line so far was only a raised number ("¹ UNODC…"): rebase on the text.
                current.baseline, current.size = run.y, run.size
            elif run.size > current.size and abs(run.y - current.baseline) <= 0.2 * run.size:
                current.size = run.size
            continue
        current = _Line(page=page, runs=[run], baseline=run.y, size=run.size)
        lines.append(current)
    for line in lines:
        if any(b.x < a.x - 0.5 * a.size for a, b in itertools.pairwise(line.runs)):
            # Drawn out of order along the line (a list number drawn after its text):
            # one baseline reads left to right.
            line.runs.sort(key=lambda r: r.x)
        _build_segments(line)
    return [line for line in lines if line.raw]



def _joins(line: _Line, run: Run) -> bool:
    main = line.size
    d = run.y - line.baseline
    if abs(d) <= 0.2 * min(main, run.size):
        return True
    small = run.size <= 0.85 * main
    if small and 0 < d <= 0.8 * main:
        return True  # superscript
    if small and 0 < -d <= 0.45 * main:
        return True  # subscript
    # The line so far is only a small raised number: a footnote's own number printed as a
    # superscript before its text ("¹ UNODC…").
    # Word draws it a size or two smaller than the note text (7 pt over 8 pt), raised by
    # about half a line: still smaller, still to the left of the text it numbers.
    return (
        main <= 0.95 * run.size
        and 0 < -d <= 0.8 * run.size
        and run.x >= line.runs[-1].x
        and all(_marker_text(r.text.strip()) for r in line.runs)
    )



def _build_segments(line: _Line) -> None:
    segs: list[_Seg] = []
    main = line.size
    plain_sizes: list[tuple[float, int]] = []
    bold_chars = chars = 0
    italic_chars = 0
    for run in line.runs:
        text = run.text
        raised = run.y - line.baseline > 0.15 * main
        smaller = run.size <= 0.8 * main
        stripped = text.strip()
        so_far = "".join(s.text for s in segs)
        glued = bool(so_far) and not so_far[-1:].isspace() and not text[:1].isspace()
        # A superscript number: raised, or (where the producer drew it without a rise we can
        # see) markedly smaller and glued to the word before it.
        lowered = run.y - line.baseline < -0.05 * main  # a subscript ("PM₁₀"), not a marker
        if _marker_text(stripped) and (
            (raised and run.size <= main) or (smaller and glued and not lowered)
        ):
            segs.append(_Seg(stripped, _marker_numbers(stripped), not so_far.strip()))
            if text[-1:].isspace():
                # "work.¹ This": taking the marker out must keep the space after it.
                segs.append(_Seg(" "))
            continue
        if run.newline_before and segs and not text[:1].isspace():
            text = " " + text
        if _UNICODE_MARKER.search(text):
            # Superscript digits drawn as characters ("work.¹ This", "¹ UNODC…"): marker
            # candidates like drawn ones, kept as printed where they are no marker ("km²").
            for piece in _UNICODE_MARKER.split(text):
                if _UNICODE_MARKER.fullmatch(piece):
                    digits = piece.translate(_FROM_SUPERSCRIPT)
                    at_start = not "".join(s.text for s in segs).strip()
                    segs.append(_Seg(digits, _marker_numbers(digits), at_start))
                elif piece:
                    segs.append(_Seg(piece))
        else:
            segs.append(_Seg(text))
        n = len(stripped)
        chars += n
        bold_chars += n if run.font.bold else 0
        italic_chars += n if run.font.italic else 0
        plain_sizes.append((run.size, n))
    line.segs = segs
    line.raw = _SPACES.sub(" ", "".join(s.text for s in segs)).strip()
    xs = [r.x for r in line.runs if r.text.strip()]
    line.x0 = min(xs) if xs else 0.0
    line.bold = chars > 0 and bold_chars >= 0.9 * chars
    line.italic = chars > 0 and italic_chars >= 0.9 * chars
    if plain_sizes:
        # The dominant size by characters: a heading's size, not its superscript's.
        weights: Counter[float] = Counter()
        for size, n in plain_sizes:
            weights[round(size, 1)] += max(n, 1)
        line.size = weights.most_common(1)[0][0]



def _marker_text(text: str) -> bool:
    """Digits ("3", "4-6") or a note symbol: what a raised marker or note number can be."""
    return bool(_MARKER_DIGITS.fullmatch(text) or _MARKER_SYMBOL.fullmatch(text))


def _marker_numbers(text: str) -> tuple[int, ...]:
    if (symbol := symbol_note_number(text)) is not None:
        return (symbol,)
    numbers: list[int] = []
    for part in re.split(r"\s*,\s*", text):
        bounds = re.split(r"\s*[\u2013-]\s*", part)
        if len(bounds) == 2 and 0 < int(bounds[1]) - int(bounds[0]) <= 10:
            numbers.extend(range(int(bounds[0]), int(bounds[1]) + 1))
        else:
            numbers.extend(int(b) for b in bounds)
    return tuple(numbers)



# A line that cannot stand alone but leads the text printed right after it on its baseline:
# a list number or bullet ("10.", "a)", "•") or a label ("Source:", "UN SDG 3:").
_LEAD_ITEM = re.compile(
    r"\(?(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,5})[.)]|[•●▪◦‣∙·○■□►▶➢➤✓✔❖◆◇~*\-–—]"
)
_LEAD_LABEL = re.compile(r"[^\W\d_][^:]{0,60}:")
# How far right of a lead its text may start: a list number's tab stop, or a label's space.
_LEAD_GAP = {"item": 4.0, "label": 1.5}



def _end_x(line: _Line) -> float:
    last = line.runs[-1]
    return last.x1 if last.x1 > last.x else last.x + 0.5 * last.size * len(last.text)



def _join_leads(lines: list[_Line]) -> list[_Line]:
    """Put a list number, bullet or label drawn apart from its text back on its line.

    Some producers (Canva) draw "10." after its URL, or "Source:" apart from the link that
    follows it: runs on one baseline that the stream does not keep together. Left apart,
    the number is read as a line of its own, after its text.
    """
    out = list(lines)
    for lead in lines:
        kind = ("item" if _LEAD_ITEM.fullmatch(lead.raw)
                else "label" if len(lead.raw.split()) <= 6 and _LEAD_LABEL.fullmatch(lead.raw)
                else None)
        if kind is None or not any(line is lead for line in out):
            continue
        end, size = _end_x(lead), lead.size
        beside = [
            line for line in out
            if line is not lead
            and abs(line.baseline - lead.baseline) <= 0.2 * min(line.size, size)
            and abs(line.size - size) <= 0.15 * size
            and -0.3 * size <= line.x0 - end <= _LEAD_GAP[kind] * size
        ]
        if not beside:
            continue
        text = min(beside, key=lambda line: line.x0)
        # The joined line takes the earlier place in the stream (identity, not equality:
        # a line drawn twice over for a fake bold is equal to its copy).
        places = [i for i, line in enumerate(out) if line is lead or line is text]
        out = [line for line in out if line is not lead and line is not text]
        text.runs = sorted(lead.runs + text.runs, key=lambda r: r.x)
        _build_segments(text)
        out.insert(places[0], text)
    return out



def _reading_order(lines: list[_Line]) -> list[_Line]:
    """Content-stream order, unless the stream draws lines in no useful order.

    Stream order keeps columns apart, so it is kept for ordinary producers. When many lines
    jump *up* within the same column, the producer drew them out of order: sort top-down.
    So too when any line does on a page of one column (no two lines of words side by side):
    a producer that draws text box after text box (Canva) puts a list's sources after all its
    entries, and top-down is the only order such a page has.
    """
    if len(lines) < 4:
        return lines
    upward = sum(
        1 for a, b in itertools.pairwise(lines)
        if b.baseline > a.baseline + 0.5 * a.size and abs(b.x0 - a.x0) < 4 * a.size
    )
    if not upward or (upward <= 0.3 * (len(lines) - 1) and _side_by_side(lines)):
        return lines
    # One row per baseline (within a fifth of the size: "10." a hair below its text).
    rows: dict[int, int] = {}
    row, top = -1, float("inf")
    for line in sorted(lines, key=lambda ln: -ln.baseline):
        if top - line.baseline > 0.2 * line.size:
            row, top = row + 1, line.baseline
        rows[id(line)] = row
    return sorted(lines, key=lambda line: (rows[id(line)], line.x0))



def _side_by_side(lines: Sequence[_Line]) -> bool:
    """Do two lines of words share a baseline apart from each other (columns, a table)?"""
    ordered = sorted(lines, key=lambda ln: -ln.baseline)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if a.baseline - b.baseline > 0.2 * min(a.size, b.size):
                break
            left, right = (a, b) if a.x0 <= b.x0 else (b, a)
            if right.x0 > _end_x(left) and all(len(ln.raw.split()) >= 2 for ln in (a, b)):
                return True
    return False



def _undecodable(lines: Sequence[_Line]) -> bool:
    text = "".join(line.raw for line in lines).replace(" ", "")
    return bool(text) and text.count("\ufffd") >= 0.5 * len(text)



@dataclass
class _PageText:
    index: int
    lines: list[_Line]
    bottom: float
    height: float
    warnings: list[str] = field(default_factory=list)

    def rel_y(self, line: _Line) -> float:
        """0 at the bottom edge, 1 at the top."""
        return (line.baseline - self.bottom) / self.height if self.height else 0.5
