"""PDF text runs from the content stream, with every glyph's position.

pypdf's `extract_text` visitor reports text only when the font or the line changes, so a
superscript drawn by moving the text matrix ("[CFS].”³ Id.") comes back glued into the run
around it, and a producer that draws every word (or every pair of glyphs) at its own position
without a space character ("AttheheightoftheCOVID-19crisis") loses its word spaces. So the
page is interpreted here: pypdf parses the content stream and decodes each font (encoding,
ToUnicode map, glyph widths); this module follows the graphics and text state (q/Q, cm, BT,
Tf, Tc, Tw, Tz, TL, Ts, Td/TD/Tm/T*, Tj/TJ/'/", form XObjects) and advances the pen by each
glyph's width, as a viewer does. Each string shown becomes a piece with its start and end on
the page; pieces on one baseline in one size and style merge into a run, and a gap between
them wider than `WORD_GAP` of the font size is a word space.

Where the interpreter fails on a page, pypdf's visitor is used instead (the old path).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from pypdf.generic import ContentStream

from ingest.readers.common import strip_controls
from ingest.readers.pdf_fonts import Font, _Glyphs, font_style

# A gap between two shown strings wider than this share of the font size is a word space.
# Kerning and tracking stay well below it (at most ~0.1 em); a word space is 0.2-0.35 em.
WORD_GAP = 0.15
# A wider gap (a bullet and its text, a tab, a table cell) starts a run of its own, as
# separate drawing operations do: the list item reader looks for where the text starts.
_RUN_GAP = WORD_GAP
_MAX_FORM_DEPTH = 8

_LIGATURES = {c: unicodedata.normalize("NFKC", c) for c in "ﬀﬁﬂﬃﬄﬅﬆ"}
_LIGATURE_RE = re.compile("[" + "".join(_LIGATURES) + "]")


@dataclass(frozen=True)
class Run:
    text: str
    x: float
    y: float  # baseline, text rise included
    size: float  # effective size in points
    font: Font
    newline_before: bool  # the run starts a new line of the stream
    x1: float = 0.0  # where the run ends (0.0: not known, as from pypdf's visitor or OCR)


class PageRuns(NamedTuple):
    """A page's text runs: those written left to right (in content-stream order), and the
    text of the ones turned on their side (`turned`), which is set aside as margin text."""

    runs: list[Run]
    turned: tuple[str, ...]


def clean_run_text(text: str) -> str:
    text = _LIGATURE_RE.sub(lambda m: _LIGATURES[m.group()], text)
    # Keep soft hyphens for now: at a line end one marks a hyphenated word to re-join.
    return "\u00ad".join(strip_controls(part) for part in text.split("\u00ad"))


def mult(m: Sequence[float], n: Sequence[float]) -> tuple[float, ...]:
    return (
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    )


def _upright(m: Sequence[float]) -> bool:
    """Written left to right along the page (slanted or vertically flipped is fine)."""
    return m[0] > 0 and abs(m[1]) <= 0.05 * abs(m[0]) and abs(m[3]) >= 1e-6


# --- the interpreter ---------------------------------------------------------------------------


@dataclass
class _Piece:
    text: str
    x0: float
    x1: float
    y: float
    size: float
    font: Font


@dataclass
class _State:
    ctm: tuple[float, ...] = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    font: _Glyphs | None = None
    font_dict: Any = None
    size: float = 0.0
    char_spacing: float = 0.0
    word_spacing: float = 0.0
    scale: float = 1.0
    leading: float = 0.0
    rise: float = 0.0

    def copy(self) -> _State:
        return _State(self.ctm, self.font, self.font_dict, self.size, self.char_spacing,
                      self.word_spacing, self.scale, self.leading, self.rise)


def _num(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


class _Interpreter:
    def __init__(self, reader: Any, glyph_cache: dict[Any, _Glyphs], styles: dict[int, Font]):
        self.reader = reader
        self.glyph_cache = glyph_cache
        self.styles = styles
        self.pieces: list[_Piece] = []
        self.turned: list[str] = []

    def _glyphs(self, font_dict: Any) -> _Glyphs | None:
        ref = getattr(font_dict, "indirect_reference", None)
        key: Any = (ref.idnum, ref.generation) if ref is not None else id(font_dict)
        if key not in self.glyph_cache:
            try:
                self.glyph_cache[key] = _Glyphs(font_dict, self.styles)
            except Exception:  # an unreadable font: its text cannot be decoded
                return None
        return self.glyph_cache[key]

    def run(self, content: Any, resources: Any, state: _State, depth: int = 0) -> None:
        fonts = {}
        try:
            font_res = resources.get("/Font") if resources is not None else None
            fonts = dict(font_res.get_object().items()) if font_res is not None else {}
        except Exception:  # broken resources: no text can be shown from them
            fonts = {}
        try:
            xobjects = resources.get("/XObject") if resources is not None else None
            xobjects = xobjects.get_object() if xobjects is not None else {}
        except Exception:
            xobjects = {}
        stream = ContentStream(content, self.reader, "bytes")
        stack: list[_State] = []
        identity: tuple[float, ...] = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        tm = tlm = identity
        for operands, op in stream.operations:
            if op == b"q":
                stack.append(state.copy())
            elif op == b"Q":
                if stack:
                    state = stack.pop()
            elif op == b"cm" and len(operands) >= 6:
                state.ctm = mult([_num(v) for v in operands[:6]], state.ctm)
            elif op == b"BT":
                tm = tlm = identity
            elif op == b"Tf" and len(operands) >= 2:
                font_dict = fonts.get(operands[0])
                font_dict = font_dict.get_object() if font_dict is not None else None
                state.font_dict = font_dict
                state.font = self._glyphs(font_dict) if font_dict is not None else None
                state.size = _num(operands[1], state.size)
            elif op == b"Tc" and operands:
                state.char_spacing = _num(operands[0])
            elif op == b"Tw" and operands:
                state.word_spacing = _num(operands[0])
            elif op == b"Tz" and operands:
                state.scale = _num(operands[0], 100.0) / 100.0
            elif op == b"TL" and operands:
                state.leading = _num(operands[0])
            elif op == b"Ts" and operands:
                state.rise = _num(operands[0])
            elif op in (b"Td", b"TD") and len(operands) >= 2:
                tx, ty = _num(operands[0]), _num(operands[1])
                if op == b"TD":
                    state.leading = -ty
                tm = tlm = mult((1.0, 0.0, 0.0, 1.0, tx, ty), tlm)
            elif op == b"Tm" and len(operands) >= 6:
                tm = tlm = tuple(_num(v) for v in operands[:6])
            elif op == b"T*":
                tm = tlm = mult((1.0, 0.0, 0.0, 1.0, 0.0, -state.leading), tlm)
            elif op == b"Tj" and operands:
                tm = self._show(operands[0], state, tm)
            elif op == b"'" and operands:
                tm = tlm = mult((1.0, 0.0, 0.0, 1.0, 0.0, -state.leading), tlm)
                tm = self._show(operands[0], state, tm)
            elif op == b'"' and len(operands) >= 3:
                state.word_spacing, state.char_spacing = _num(operands[0]), _num(operands[1])
                tm = tlm = mult((1.0, 0.0, 0.0, 1.0, 0.0, -state.leading), tlm)
                tm = self._show(operands[2], state, tm)
            elif op == b"TJ" and operands:
                for item in operands[0] if isinstance(operands[0], list) else []:
                    if isinstance(item, (bytes, str)):
                        tm = self._show(item, state, tm)
                    else:
                        shift = -_num(item) / 1000.0 * state.size * state.scale
                        tm = mult((1.0, 0.0, 0.0, 1.0, shift, 0.0), tm)
            elif op == b"Do" and operands and depth < _MAX_FORM_DEPTH:
                self._form(xobjects, operands[0], resources, state, depth)

    def _form(self, xobjects: Any, name: Any, resources: Any, state: _State, depth: int) -> None:
        try:
            xobject = xobjects.get(name)
            xobject = xobject.get_object() if xobject is not None else None
        except Exception:
            return
        if xobject is None or xobject.get("/Subtype") != "/Form":
            return
        inner = state.copy()
        matrix = xobject.get("/Matrix")
        if matrix is not None and len(matrix) >= 6:
            inner.ctm = mult([_num(v) for v in matrix[:6]], inner.ctm)
        own = xobject.get("/Resources")
        self.run(xobject, own.get_object() if own is not None else resources, inner, depth + 1)

    def _show(self, data: Any, state: _State, tm: tuple[float, ...]) -> tuple[float, ...]:
        glyphs = state.font
        if glyphs is None:
            return tm
        if isinstance(data, str):
            data = data.encode("latin-1", "replace")
        text, advances, spaces = glyphs.decode(bytes(data))
        size, scale = state.size, state.scale
        width = sum(
            (a * size + state.char_spacing + (state.word_spacing if s else 0.0)) * scale
            for a, s in zip(advances, spaces, strict=False)
        )
        start = mult(tm, state.ctm)
        end_tm = mult((1.0, 0.0, 0.0, 1.0, width, 0.0), tm)
        if text:
            end = mult(end_tm, state.ctm)
            body = clean_run_text(text)
            if not _upright(start):
                if body.strip():
                    self.turned.append(body)
            elif body:
                # The rise moves glyphs up the page even under a flipped matrix (Canva).
                self.pieces.append(_Piece(
                    text=body, x0=start[4], x1=end[4], y=start[5] + state.rise * abs(start[3]),
                    size=abs(size * start[3]) or 1.0, font=glyphs.style,
                ))
        return end_tm


def _runs_from_pieces(pieces: Sequence[_Piece]) -> list[Run]:
    """Consecutive pieces on one baseline in one size and style → one run; a gap wider than
    `WORD_GAP` em between pieces (or before a new run on the same baseline) is a space."""
    runs: list[Run] = []
    text: list[str] = []
    head: _Piece | None = None
    last: _Piece | None = None
    newline = True

    def flush() -> None:
        if head is not None and text:
            runs.append(Run("".join(text), head.x0, head.y, head.size, head.font, newline,
                            last.x1 if last is not None else 0.0))

    for piece in pieces:
        if last is None:
            head, last, text, newline = piece, piece, [piece.text], True
            continue
        size = max(min(piece.size, last.size), 1.0)
        same_line = abs(piece.y - last.y) <= 0.05 * size
        gap = piece.x0 - last.x1
        if not piece.text.strip():
            # A drawn space: keep it, its width tells nothing more.
            if same_line and not text[-1][-1:].isspace():
                text.append(" ")
            continue
        spaced = gap > WORD_GAP * size and not text[-1][-1:].isspace() and not (
            piece.text[:1].isspace()
        )
        if (
            same_line and head is not None and piece.font == head.font
            and abs(piece.size - head.size) <= 0.01 * head.size
            and -0.5 * size <= gap <= _RUN_GAP * size
        ):
            if spaced:
                text.append(" ")
            text.append(piece.text)
            last = piece
            continue
        flush()
        # A new run: on the same line (a superscript, a change of font), or a new line.
        on_line = abs(piece.y - last.y) <= 0.9 * size and gap >= -0.5 * size
        newline = not on_line
        head, last = piece, piece
        text = [(" " if spaced and on_line else "") + piece.text]
    flush()
    return runs


def page_runs(page: Any, reader: Any, glyph_cache: dict[Any, _Glyphs],
              styles: dict[int, Font]) -> PageRuns:
    """Every text run of `page`, in content-stream order, with word spaces from positions."""
    interpreter = _Interpreter(reader, glyph_cache, styles)
    contents = page.get_contents()
    if contents is None:
        return PageRuns([], ())
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else None
    interpreter.run(contents, resources, _State())
    return PageRuns(_runs_from_pieces(interpreter.pieces), tuple(interpreter.turned))


def pypdf_page_runs(page: Any, font_cache: dict[int, Font]) -> PageRuns:
    """The same from pypdf's text visitor (used where the interpreter fails on a page)."""
    runs: list[Run] = []
    turned: list[str] = []
    rise_state: dict[str, Any] = {"rise": 0.0, "stack": [], "shows": []}
    pending = {"newline": False}

    def before(op: bytes, args: Any, cm: Any, tm: Any) -> None:
        if op == b"Ts" and args:
            rise_state["rise"] = _num(args[0])
        elif op == b"q":
            rise_state["stack"].append(rise_state["rise"])
        elif op == b"Q":
            rise_state["rise"] = rise_state["stack"].pop() if rise_state["stack"] else 0.0
        elif op in (b"Tj", b"TJ", b"'", b'"'):
            rise_state["shows"].append(rise_state["rise"])

    def visit(text: str, cm: Sequence[float], tm: Sequence[float], font: Any, size: Any) -> None:
        shows = rise_state["shows"]
        rise = max(shows, key=abs) if shows else rise_state["rise"]
        shows.clear()
        if not text:
            return
        ends_line = text.endswith("\n")
        body = clean_run_text(text.replace("\n", " "))
        if not body.strip():
            if "\n" in text:
                pending["newline"] = True
            elif runs and body:
                last = runs[-1]
                runs[-1] = Run(last.text + " ", last.x, last.y, last.size, last.font,
                               last.newline_before)
            return
        m = mult(tm, cm)
        if not _upright(m):
            turned.append(body)
            pending["newline"] = ends_line
            return
        runs.append(Run(
            text=body, x=m[4], y=m[5] + rise * abs(m[3]),
            size=abs(_num(size) * m[3]) or 1.0, font=font_style(font, font_cache),
            newline_before=pending["newline"],
        ))
        pending["newline"] = ends_line

    page.extract_text(
        orientations=(0, 90, 180, 270), visitor_text=visit, visitor_operand_before=before
    )
    return PageRuns(runs, tuple(turned))
