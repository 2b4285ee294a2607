"""Where HTML pages keep their footnotes (used by `ingest.readers.html`).

A footnote is found in one of these forms:

* Linked notes. A marker — a `<sup>`, `<a>`, `<span>` or `<button>` whose visible text is a
  number label ("37", "[37]", "(37)") — refers to an element: by `href="#id"` (to an `id`, or
  to an `<a name>` as Word's HTML export does: `<a href="#_ftn1" name="_ftnref1">`), or by
  `aria-describedby` / `aria-details` / `popovertarget` (tooltips and popovers; also
  `aria-controls` / `data-(bs-)target` from a superscript-like marker to a note-like
  target). The note is the target itself, or — when the target is an anchor inside the
  note — the block around it (up to a `<div id="ftn1">`-style wrapper). An `href` target
  must come later in the page than its marker and look like a note: it links back to the
  marker, has a note-like id or class, is hidden (tooltip, popover, `hidden`, `display:none`)
  behind a superscript-like marker, or sits with other such targets in one list (a
  law-review note list).
* Notes in attributes: a marker carrying the note in `title` or a `data-*` tooltip/content
  attribute (Bootstrap, Tippy, ...); "Footnote 3"-style titles are not notes.
* Notes nested in the marker, or right after it, as a hidden element (a popover).
* Footnote lists and definitions named as such (`<ol class="footnotes">`, `role="doc-endnotes"`,
  `<aside class="footnote">`, `<li id="fn5">`, ...; see `html_lists`); an element that only
  has a note-like id (`note5`) is a note only when some marker refers to it, so a numbered
  list nothing in the body points at stays in the text.

Back-links (links to the marker, and "↩", "^", "Return to citation ^", ...) and a printed
number label are left out of the note's text; link targets go to `links`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Tag

from ingest.readers.html_lists import DROP, containers, find_definitions, note_text
from ingest.readers.html_markers import (
    _INLINE,
    _NOTE_BLOCKS,
    _attribute_note,
    _backlinks,
    _hidden_note,
    _is_hidden,
    _label,
    _note_element,
    _notelike,
    _own_ids,
    _references,
    _superscript_like,
)
from ingest.records import RawFootnote

_CANDIDATES = ["sup", "a", "span", "button"]
_SYMBOLS = frozenset({"*", "**", "***", "†", "‡", "§", "¶", "††", "‡‡"})


@dataclass
class NoteScan:
    """The page's footnotes and what the body walk needs to know about them."""

    footnotes: list[RawFootnote] = field(default_factory=list)
    skip: set[int] = field(default_factory=set)  # id() of elements left out of the body
    markers: dict[int, int] = field(default_factory=dict)  # id() of marker element → number
    bare_numbers: set[int] = field(default_factory=set)  # unlinked pages: <sup>N</sup> markers
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Note:
    tag: Tag
    number: int
    markers: list[Tag]
    from_text: bool = False
    drop: set[int] = field(default_factory=set)


def scan_notes(soup: BeautifulSoup, root: Tag, path: object) -> NoteScan:
    """Find the page's footnotes and their markers (markers only in `root`, the part read)."""
    scan = NoteScan()
    holders = containers(soup)
    definitions = find_definitions(soup, holders)
    by_tag = {id(d.tag): d for d in definitions}
    inside: set[int] = set()  # elements inside notes: their links are not markers
    for d in definitions:
        if d.explicit:
            inside.update(id(t) for t in d.tag.find_all(True))

    # Marker candidates: the outermost inline element whose visible text is a number label.
    markers: list[tuple[Tag, int]] = []
    seen: set[int] = set()
    for tag in soup.find_all(_CANDIDATES):
        if id(tag) in inside:
            continue
        number = _label(tag)
        if number is None:
            if tag.name != "a" or tag.get_text().strip() not in _SYMBOLS:
                continue
            number = 0  # "*", "†": numbered by the footnote definition it links to
        marker = tag
        while (
            isinstance(marker.parent, Tag)
            and marker.parent.name in _INLINE
            and (
                _label(marker.parent) == number
                if number
                else marker.parent.get_text().strip() == tag.get_text().strip()
            )
        ):
            marker = marker.parent
        if id(marker) not in seen:
            seen.add(id(marker))
            if _in_text(marker, root):
                markers.append((marker, number))

    notes: dict[int, _Note] = {}  # id(note tag) → note
    order: dict[int, int] = {}
    by_id: dict[str, Tag] = {}
    by_name: dict[str, Tag] = {}
    if markers:
        for i, tag in enumerate(soup.find_all(True)):
            order[id(tag)] = i
            for key, index in (("id", by_id), ("name", by_name)):
                value = tag.get(key)
                if isinstance(value, str) and value not in index:
                    index[value] = tag
    pending: list[tuple[Tag, int, Tag]] = []
    bare: set[int] = set()

    def record(marker: Tag, number: int, note: Tag, drop: list[Tag] | None = None) -> None:
        entry = notes.get(id(note))
        if entry is None:
            definition = by_tag.get(id(note))
            entry = notes[id(note)] = _Note(note, number, [])
            if definition is not None and definition.number == number:
                entry.from_text = definition.number_from_text
            inside.update(id(t) for t in note.find_all(True))
        entry.markers.append(marker)
        entry.drop.update(id(t) for t in drop or [])
        scan.markers[id(marker)] = entry.number

    for marker, number in markers:
        if id(marker) in inside:
            continue
        refs = _references(marker)
        done = False
        for kind, ref in refs:
            target = by_id.get(ref) or by_name.get(ref)
            if not isinstance(target, Tag):
                continue
            note = _note_element(target)
            if note is None or note is marker or any(p is note for p in marker.parents):
                continue
            if number == 0:
                definition = by_tag.get(id(note))
                if kind != "href" or definition is None:
                    continue
                number = definition.number
            existing = notes.get(id(note))
            if existing is not None and existing.number != number:
                continue  # one element holding several notes: not a note
            back = _backlinks(note, _own_ids(marker))
            small = _superscript_like(marker)
            looks = _notelike(note) or id(note) in by_tag
            if kind == "describes":
                record(marker, number, note, back)
            elif kind == "toggles":
                if not (small and (back or looks or _is_hidden(note))):
                    continue
                record(marker, number, note, back)
            elif order.get(id(note), 0) <= order.get(id(marker), 0):
                continue  # links back to the text: a back-link, not a marker
            elif back or looks or (small and _is_hidden(note)):
                record(marker, number, note, back)
            elif small:
                pending.append((marker, number, note))
                continue
            else:
                continue
            done = True
            break
        if done or number == 0:
            continue
        note = _attribute_note(marker)
        if note is None:
            note = _hidden_note(marker) if not refs else None
        if note is not None:
            record(marker, number, note)
        elif not refs and marker.name == "sup":
            bare.add(number)
    # A law-review note list: several linked targets side by side in one list.
    groups: dict[int, set[int]] = {}
    for _marker, _number, note in pending:
        if isinstance(note.parent, Tag) and note.name in _NOTE_BLOCKS:
            groups.setdefault(id(note.parent), set()).add(id(note))
    for marker, number, note in pending:
        if id(marker) in scan.markers or id(marker) in inside:
            continue
        if len(groups.get(id(note.parent), ())) >= 2:
            existing = notes.get(id(note))
            if existing is None or existing.number == number:
                record(marker, number, note, _backlinks(note, _own_ids(marker)))

    # Footnote definitions no marker pointed at: kept when named as footnotes, or (only an
    # id like "note5") when an unlinked <sup>5</sup> refers to them.
    linked = bool(scan.markers)
    for d in definitions:
        if id(d.tag) in notes:
            continue
        if d.explicit or (not linked and d.number in bare):
            notes[id(d.tag)] = _Note(d.tag, d.number, [], d.number_from_text)
    kept: dict[int, RawFootnote] = {}
    for entry in sorted(notes.values(), key=lambda n: order.get(id(n.tag), 0)):
        scan.skip.add(id(entry.tag))
        if entry.number in kept:
            scan.warnings.append(f"{path}: footnote {entry.number} defined twice; first kept")
            continue
        text, links = note_text(entry.tag, entry.number, entry.from_text, frozenset(entry.drop))
        kept[entry.number] = RawFootnote(number=entry.number, text=text, links=links)
    # A container leaves the body only when its notes were found (else its text is kept).
    for container in holders:
        if any(id(t) in scan.skip for t in container.find_all(True)):
            scan.skip.add(id(container))
    if not linked:
        scan.bare_numbers = set(kept)
    scan.footnotes = [kept[n] for n in sorted(kept)]
    return scan


def _in_text(marker: Tag, root: Tag) -> bool:
    """Whether the body walk reaches `marker`: inside `root`, not in dropped chrome."""
    if marker is root:
        return False
    for parent in marker.parents:
        if parent is root:
            return True
        if parent.name in DROP or parent.has_attr("hidden"):
            return False
    return False
