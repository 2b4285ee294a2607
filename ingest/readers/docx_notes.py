"""Word footnotes and endnotes: the note parts, and each note's text and links.

Separator and continuation notes are skipped; a note never referenced from the body is skipped
with a warning, since Word does not show it.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from ingest.readers.common import TextBuilder
from ingest.readers.docx_package import W, _Package
from ingest.readers.docx_text import _Styles, _Walker
from ingest.records import RawFootnote

_SEPARATOR_TYPES = frozenset({"separator", "continuationSeparator", "continuationNotice"})


@dataclass(frozen=True)
class _NoteParts:
    """The notes of one part (`word/footnotes.xml` or `word/endnotes.xml`) by their id."""

    kind: str  # "footnote" or "endnote"
    part: str | None
    notes: dict[str, etree._Element]

    @classmethod
    def load(cls, package: _Package, main: str, kind: str) -> _NoteParts:
        part = package.related(main, f"{kind}s")
        root = package.xml(part) if part else None
        notes: dict[str, etree._Element] = {}
        if root is not None:
            for note in root.iter(W + kind):
                if note.get(W + "type") in _SEPARATOR_TYPES:
                    continue
                if note.find(f".//{W}separator") is not None:
                    continue
                notes[note.get(W + "id", "")] = note
        return cls(kind, part, notes)


def _notes(
    package: _Package,
    parts: _NoteParts,
    numbers: dict[tuple[str, str], int],
    styles: _Styles,
    warnings: list[str],
) -> list[RawFootnote]:
    if parts.part is None:
        return []
    walker = _Walker(package.rels(parts.part), styles, lambda _kind, _id: None)
    out: list[RawFootnote] = []
    for note_id, note in parts.notes.items():
        number = numbers.get((parts.kind, note_id))
        if number is None:
            warnings.append(
                f"{package.path}: {parts.kind} id {note_id} is never referenced; skipped")
            continue
        builder = TextBuilder()
        for p in note.iter(W + "p"):
            builder.space()
            walker.paragraph(p, builder, style_bold=False)
        links = tuple(dict.fromkeys(walker.links))
        walker.links.clear()
        out.append(RawFootnote(number=number, text=builder.text(), links=links))
    return out
