"""HTML footnote markers: number labels, what a marker refers to, and where its note is.

Used by `html_notes`: whether an element's visible text is a note label, the references a
marker makes (`href`, `aria-describedby`, `aria-controls`, ...), the note element a reference
lands in, a note held in the marker's attributes or in a hidden popover, back-links, and
whether an element looks like a note.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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
    words,
)

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
