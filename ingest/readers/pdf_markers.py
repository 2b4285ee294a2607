"""PDF markers: rendering a line's segments to text with marker offsets, the rule that
decides which superscript numbers are footnote markers, and cleaning a block's text while
moving its markers along."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from ingest.readers.common import strip_controls
from ingest.readers.pdf_lines import _SPACES, _Seg
from ingest.records import SUPERSCRIPT_DIGITS, Marker, is_symbol_note


class _Text:
    """Builds whitespace-normalised text with marker offsets (markers attach before spaces)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.pending_space = False
        self.markers: list[Marker] = []

    def add(self, text: str) -> None:
        for piece in re.split(r"(\s+)", _SPACES.sub(" ", text)):
            if not piece:
                continue
            if piece.isspace():
                self.pending_space = True
                continue
            if self.pending_space and self.length:
                self.parts.append(" ")
                self.length += 1
            self.pending_space = False
            self.parts.append(piece)
            self.length += len(piece)

    def mark(self, numbers: Iterable[int]) -> None:
        self.markers.extend(Marker(self.length, n) for n in numbers)

    def text(self) -> str:
        return "".join(self.parts)



Accept = Callable[[_Seg, str], bool]



def _render(segs: Sequence[_Seg], accept: Accept) -> tuple[str, tuple[Marker, ...]]:
    out = _Text()
    for seg in segs:
        if seg.numbers and accept(seg, out.text()):
            out.mark(seg.numbers)
        elif seg.numbers:
            # Not a footnote marker (an exponent, "km²"): keep it as printed, raised.
            out.add(seg.text.translate(SUPERSCRIPT_DIGITS))
        else:
            out.add(seg.text)
    return out.text(), tuple(out.markers)



# A word of three letters or more, with any closing punctuation: what a note marker follows
# ("Pact¹", "crashes².", "work.”³"); an exponent follows a unit or a number ("km²", "10⁶").
_MARKED_WORD = re.compile(r"[^\W\d_]{3,}[.,;:!?\"'”’)\]]*$")



def _sequence_rule(footnote_numbers: set[int]) -> Accept:
    """Markers of a document with footnotes: a candidate numbering one of its notes, or one
    that continues the marker sequence in reading order (the next number after the last
    marker, below the last note, glued to a word) though no note with that number is
    printed: "Pact¹" and "crashes²" before note 3 are markers without a note (so `inspect`
    lists them), not text. Rendering calls the rule in reading order."""
    # Symbol notes ("*", "†") stand outside the numbered sequence.
    last_note = max((n for n in footnote_numbers if not is_symbol_note(n)), default=0)
    last = 0

    def accept(seg: _Seg, before: str) -> bool:
        nonlocal last
        numbers = seg.numbers
        ok = all(n in footnote_numbers for n in numbers) or (
            not seg.at_line_start
            and numbers[0] == last + 1
            and max(numbers) < last_note
            and bool(_MARKED_WORD.search(before))
        )
        if ok:
            last = max(last, *(n for n in numbers if not is_symbol_note(n)), 0)
        return ok

    return accept



def _clean_with_markers(
    text: str, markers: Sequence[Marker]
) -> tuple[str, list[Marker]]:
    """Strip control characters and collapse spaces, moving marker offsets along."""
    keep: list[str] = []
    mapping: list[int] = []  # old offset → new offset
    length = 0
    space = False
    cleaned_src = text
    for ch in cleaned_src:
        mapping.append(length)
        if strip_controls(ch) == "":
            continue
        if ch.isspace():
            if length and not space:
                keep.append(" ")
                length += 1
            space = True
            continue
        space = False
        keep.append(ch)
        length += 1
    mapping.append(length)
    out = "".join(keep)
    stripped = out.rstrip()
    moved = [Marker(min(mapping[min(m.offset, len(text))], len(stripped)), m.number)
             for m in markers]
    # Markers land before trailing spaces: "ways. " + ¹ → offset right after "ways.".
    moved = [Marker(len(stripped[: m.offset].rstrip()) if m.offset and
                    stripped[m.offset - 1: m.offset] == " " else m.offset, m.number)
             for m in moved]
    return stripped, moved
