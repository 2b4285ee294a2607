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

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PageElement

from ingest.readers.common import normalise_space
from ingest.readers.html_lists import (
    CONTAINER_WORDS,
    DROP,
    HEADINGS,
    NOT_TEXT,
    NOTE_ID,
    NOTE_WORDS,
    containers,
    find_definitions,
    note_text,
    words,
)
from ingest.records import RawFootnote

_LABEL = re.compile(r"^[\[(]?(\d{1,4})[\])]?[.,:;]?$")
# "Footnote 3", "Jump to note 3": a title that names the note instead of holding it.
_NAMES_A_NOTE = re.compile(
    r"^(?:(?:jump|go|skip|back|return|see|view|show|open|read|click)\b.*)?"
    r"\b(?:foot|end)?notes?\b\W*\d*\W*$",
    re.IGNORECASE,
)
# Inline elements a marker may be wrapped in (the whole wrapper is the marker).
_INLINE = frozenset(
    {"sup", "span", "a", "small", "b", "strong", "em", "i", "u", "button", "abbr", "cite", "font"}
)
_CANDIDATES = ["sup", "a", "span", "button"]
_SYMBOLS = frozenset({"*", "**", "***", "†", "‡", "§", "¶", "††", "‡‡"})
_WRAPPER_ID = re.compile(r"(?:note|ftn|edn)\D{0,4}\d{1,4}$", re.IGNORECASE)
_NOTE_BLOCKS = frozenset(
    {"p", "li", "div", "dd", "dt", "aside", "section", "td", "blockquote", "footer"}
)
_NOT_NOTES = frozenset({"body", "html", "main", "article", "head"})
# A tooltip or popover the marker names as its description: the target is the note.
_EXPLICIT_REFS = ("aria-describedby", "aria-details", "popovertarget")
# What a toggle opens (also accordions and tabs): a note only when it looks like one.
_TOGGLE_REFS = ("aria-controls", "data-target", "data-bs-target")
_SCREEN_READER = frozenset(
    {"sr-only", "visually-hidden", "screen-reader-text", "screenreader-only"}
)
_NOTE_ATTR = re.compile(r"tip|content|note|title|popover|hint", re.IGNORECASE)


@dataclass
class NoteScan:
    """The page's footnotes and what the body walk needs to know about them."""

    footnotes: list[RawFootnote] = field(default_factory=list)
    skip: set[int] = field(default_factory=set)  # id() of elements left out of the body
    markers: dict[int, int] = field(default_factory=dict)  # id() of marker element → number
    bare_numbers: set[int] = field(default_factory=set)  # unlinked pages: <sup>N</sup> markers
    warnings: list[str] = field(default_factory=list)


def _is_hidden(tag: Tag) -> bool:
    """Not shown until asked for: a tooltip, popover, `hidden` or `display:none` element."""
    if tag.has_attr("hidden") or tag.has_attr("popover") or tag.get("role") == "tooltip":
        return True
    if str(tag.get("aria-hidden", "")).lower() == "true":
        return True
    style = str(tag.get("style", "")).replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _screen_reader_only(tag: Tag) -> bool:
    classes = tag.get("class")
    return isinstance(classes, list) and any(c.lower() in _SCREEN_READER for c in classes)


def _label(tag: Tag) -> int | None:
    """The number when the visible text of `tag` is only a note label ("37", "[37]")."""
    parts: list[str] = []
    length = 0
    stack: list[Iterator[PageElement]] = [iter(tag.contents)]  # lazy: stops after 8 chars
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
        elif isinstance(node, Tag):
            if not (_is_hidden(node) or _screen_reader_only(node) or node.name in DROP):
                stack.append(iter(node.contents))
        elif isinstance(node, NavigableString) and not isinstance(node, NOT_TEXT):
            text = "".join(str(node).split()).replace("\u200b", "")
            length += len(text)
            if length > 8:
                return None
            parts.append(text)
    match = _LABEL.match("".join(parts))
    return int(match.group(1)) if match else None


def _fragment_id(value: str) -> str | None:
    value = value.strip()
    if value.startswith("#") and len(value) > 1:
        return unquote(value[1:])
    return None


def _references(marker: Tag) -> list[tuple[str, str]]:
    """(kind, id) for what `marker` or an element inside it refers to; kind is "describes"
    (aria-describedby, popovertarget), "href" or "toggles" (aria-controls, data-target)."""
    refs: list[tuple[str, str]] = []
    for tag in [marker, *marker.find_all(True)]:
        href = tag.get("href") if tag.name in ("a", "area") else None
        if isinstance(href, str) and (target := _fragment_id(href)):
            refs.append(("href", target))
        for kind, names in (("describes", _EXPLICIT_REFS), ("toggles", _TOGGLE_REFS)):
            for name in names:
                value = tag.get(name)
                if isinstance(value, str):
                    for part in value.split():
                        target = _fragment_id(part) if part.startswith("#") else part
                        if target:
                            refs.append((kind, target))
    return refs


def _own_ids(marker: Tag) -> set[str]:
    """ids and names of the marker, what is inside it and the inline elements around it."""
    tags = [marker, *marker.find_all(True)]
    parent = marker.parent
    while isinstance(parent, Tag) and parent.name in _INLINE:
        tags.append(parent)
        parent = parent.parent
    out: set[str] = set()
    for tag in tags:
        for name in ("id", "name"):
            value = tag.get(name)
            if isinstance(value, str) and value:
                out.add(value)
    return out


def _is_label_only(tag: Tag) -> bool:
    return _label(tag) is not None or not tag.get_text(strip=True)


def _note_element(target: Tag) -> Tag | None:
    """The note a reference lands in: the target, or the block around an anchor in the note."""
    node: Tag | None = target
    if target.name == "a" or (target.name in _INLINE and _is_label_only(target)):
        node = target.parent
        while isinstance(node, Tag) and node.name not in _NOTE_BLOCKS:
            node = node.parent
        if not isinstance(node, Tag):
            return None
        # Word: <div id="ftn1"><p class="MsoFootnoteText"><a name="_ftn1" ...>[1]</a> ...</p>
        parent = node.parent
        while (
            isinstance(parent, Tag)
            and parent.name in ("div", "aside", "section", "li")
            and (
                NOTE_ID.match(str(parent.get("id", "")))
                or NOTE_WORDS.search(words(parent))
                or _WRAPPER_ID.search(str(parent.get("id", "")))  # <div id="sdfootnote1">
            )
        ):
            node, parent = parent, parent.parent
    if node is None or node.name in _NOT_NOTES or node.name in HEADINGS:
        return None
    if node.find(list(HEADINGS)) is not None:
        return None
    return node


def _attribute_note(marker: Tag) -> Tag | None:
    """A note held in a title / data-* attribute of the marker, parsed as a fragment.

    A `title` counts on a superscript-like marker only (a "2" link titled "Go to page 2" is
    pagination); data-* tooltip/popover content counts on any number label."""
    small = _superscript_like(marker)
    for tag in [marker, *marker.find_all(True)]:
        for name, value in tag.attrs.items():
            if name == "title" and not small:
                continue
            if name != "title" and not (name.startswith("data-") and _NOTE_ATTR.search(name)):
                continue
            if not isinstance(value, str) or value.lstrip()[:1] in ("{", "["):
                continue
            plain = normalise_space(value)
            if len(plain.split()) < 2 and not ("<" in value and ">" in value):
                continue
            fragment = BeautifulSoup(f"<div>{value}</div>", "html.parser").div
            if fragment is None:
                continue
            text = normalise_space(fragment.get_text(" "))
            if len(text.split()) < 2 or _NAMES_A_NOTE.match(text):
                continue
            return fragment
    return None


def _hidden_note(marker: Tag) -> Tag | None:
    """A popover: a hidden element with text inside the marker, or right after it."""
    for tag in marker.find_all(True):
        if _is_hidden(tag) and _has_note_text(tag):
            return tag
    sibling = marker.next_sibling
    while isinstance(sibling, NavigableString) and not str(sibling).strip():
        sibling = sibling.next_sibling
    if isinstance(sibling, Tag) and _is_hidden(sibling) and _has_note_text(sibling):
        return sibling
    return None


def _has_note_text(tag: Tag) -> bool:
    text = normalise_space(tag.get_text(" "))
    return bool(text) and not _NAMES_A_NOTE.match(text) and _label(tag) is None


def _backlinks(note: Tag, own: set[str]) -> list[Tag]:
    out = []
    for a in note.find_all("a", href=True):
        target = _fragment_id(str(a["href"]))
        if target is not None and target in own:
            out.append(a)
    return out


def _notelike(tag: Tag) -> bool:
    return bool(
        NOTE_ID.match(str(tag.get("id", "")))
        or NOTE_WORDS.search(words(tag))
        or CONTAINER_WORDS.search(words(tag.parent) if isinstance(tag.parent, Tag) else "")
    )


def _superscript_like(marker: Tag) -> bool:
    if marker.name == "sup" or marker.find("sup") is not None:
        return True
    if isinstance(marker.parent, Tag) and marker.parent.name == "sup":
        return True
    text = marker.get_text().strip()
    return text.startswith(("[", "(")) or "noteref" in words(marker).lower()


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
