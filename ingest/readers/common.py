"""Helpers every reader shares: invisible-character stripping, whitespace, caption,
colon-heading and contents-heading tests, the marker-aware `TextBuilder`, and safe bounded
file opening."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import BinaryIO

from ingest.errors import DocumentError
from ingest.records import Marker

# C0/C1 controls except tab/newline, plus invisible characters that only break words apart.
# Bidi embedding/override/isolate controls can make text display differently from what it is.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069]"
)
_WS = re.compile(r"\s+")
_WS_KEEP = re.compile(r"(\s+)")  # split keeping the whitespace runs

# "Figure 1. …", "Table 2: …", "[chart] Figure 3. …" (a placeholder some converters leave).
CAPTION = re.compile(
    r"^(?:\[[^\]]{1,20}\]\s*)?(?:figure|fig\.|table|chart|graph|graphic|map|image|"
    r"figura|tabla|gráfico|grafico|cuadro|mapa|tableau)\s*\d+[a-z]?\s*[.:\-–—]",
    re.IGNORECASE,
)


def strip_controls(text: str) -> str:
    """Remove control and invisible formatting characters (keeps tabs and newlines)."""
    return _CONTROL.sub("", text)


def normalise_space(text: str) -> str:
    """Collapse every whitespace run to one space and trim."""
    return _WS.sub(" ", text).strip()


def is_caption(text: str) -> bool:
    """True for figure/table captions like "Figure 1. Main detected victims"."""
    return bool(CAPTION.match(text))


# The heading of a closing section of endnotes. Its numbered entries are notes only where
# body markers point at them (a numbered list under "Notes" stays a list).
ENDNOTE_HEADINGS = frozenset(
    {"notes", "endnotes", "end notes", "footnotes", "notas", "notes de fin", "anmerkungen"}
)


def is_endnote_heading(text: str) -> bool:
    """"Notes", "ENDNOTES:", "## End notes" — the heading alone, any case or punctuation."""
    return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split()) in ENDNOTE_HEADINGS


# The heading of a table of contents. The entries under it are no headings of the text.
CONTENTS_HEADINGS = frozenset({
    "contents", "table of contents", "table of content", "toc", "index of contents",
    "índice", "indice", "contenido", "tabla de contenidos", "sommaire", "table des matières",
    "inhalt", "inhaltsverzeichnis",
})


def is_contents_heading(text: str) -> bool:
    """"Table of Contents", "CONTENTS:", "Índice" — the heading alone, any case."""
    return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split()) in CONTENTS_HEADINGS


def is_colon_heading(text: str, max_words: int = 12) -> bool:
    """A short line ending in ':' that starts with a capital, like "Current issue:"."""
    text = text.strip()
    if not text.endswith(":") or len(text) > 100 or not text[:1].isupper():
        return False
    body = text[:-1]
    return len(body.split()) <= max_words and not re.search(r"[.!?;:]\s", body)


class TextBuilder:
    """Accumulates text pieces and footnote markers into one whitespace-normalised string.

    Whitespace is held back until more text follows, so runs collapse to one space, the
    result is trimmed, and a marker placed after "ways. " lands right after "ways.".
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._pending_space = False
        self._markers: list[Marker] = []
        # False once any visible text was added outside bold: for "bold line = heading".
        self.all_bold = True

    def add(self, text: str, bold: bool = False) -> None:
        for piece in _WS_KEEP.split(text):
            if not piece:
                continue
            if piece[0].isspace():
                self._pending_space = True
                continue
            if self._pending_space and self._length:
                self._parts.append(" ")
                self._length += 1
            self._parts.append(piece)
            self._length += len(piece)
            self._pending_space = False
            if not bold:
                self.all_bold = False

    def space(self) -> None:
        """A word break (line break, tab, paragraph join) that is not in the text itself."""
        self._pending_space = True

    def mark(self, number: int) -> None:
        self._markers.append(Marker(self._length, number))

    @property
    def has_text(self) -> bool:
        return self._length > 0

    @property
    def markers(self) -> tuple[Marker, ...]:
        return tuple(self._markers)

    def text(self) -> str:
        return "".join(self._parts)


MAX_TEXT_BYTES = 50 * 2**20


def open_regular(path: Path) -> BinaryIO:
    """Open `path` for reading only if it is a regular file.

    Opened non-blocking, then checked with `fstat`: a named pipe (or a device) called
    `brief.txt` would otherwise block forever or never end.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError as exc:
        raise DocumentError(path, "no such file") from exc
    except OSError as exc:
        raise DocumentError(path, f"cannot read file: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise DocumentError(path, "not a regular file (a pipe, device or directory)")
    return os.fdopen(fd, "rb")


def read_limited(path: Path, limit: int) -> bytes:
    """The file's bytes, refusing files over `limit` (a brief is never that large)."""
    try:
        with open_regular(path) as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise DocumentError(path, f"cannot read file: {exc.strerror or exc}") from exc
    if len(data) > limit:
        raise DocumentError(path, f"file is larger than {limit:,} bytes; refusing to read it")
    return data
