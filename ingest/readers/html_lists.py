"""Footnotes named as such in HTML, and the text of a note (used by `html_notes`).

* Footnote lists and sections: `<ol class="footnotes">`, `<section class="footnotes">`,
  `role="doc-endnotes"`, `epub:type="footnotes"`, ...: their items are notes, numbered by id,
  by position in the `<ol>` (honouring `start` / `value`) or by a leading number.
* Single notes: `<li>`, `<aside>`, `<div>`, `<p>`, `<section>`, `<dd>` whose id looks like
  `fn5` / `footnote-5` / `note5` / `ftn5` / `cite_note-5`, and `<aside>` / `<div>` / `<p>` whose
  class or role is "footnote". Whether an id-only one is a note is decided by `html_notes`.
* A note's text: verbatim, less back-links ("↩", "^", "Return to citation ^", links back to
  the marker) and a printed number label; link targets go to `links`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, PageElement, ProcessingInstruction

from ingest.readers.common import TextBuilder, strip_controls

DROP = frozenset(
    {
        "script", "style", "template", "noscript", "nav", "footer", "head", "title", "form",
        "button", "select", "textarea", "input", "svg", "math", "iframe", "object", "embed",
        "canvas", "video", "audio", "map",
    }
)
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements that start a new block; inline elements (span, a, em, sup, ...) do not.
BLOCKS = HEADINGS | frozenset(
    {
        "p", "li", "figcaption", "caption", "div", "section", "article", "main", "header",
        "aside", "blockquote", "pre", "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody",
        "tfoot", "tr", "td", "th", "figure", "address", "details", "summary", "hr", "body",
        "html", "center", "fieldset", "legend",
    }
)
NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
NOTE_ID = re.compile(
    r"^(?:cite_)?(?:fn|footnote|note|endnote|ftn|edn)[-_:.]?(?:note[-_:.]?)?(\d{1,4})$",
    re.IGNORECASE,
)
# Plural ("footnotes", role="doc-endnotes") marks a list of notes; singular marks one note.
CONTAINER_WORDS = re.compile(r"\b(?:doc-)?(?:foot|end)notes\b", re.IGNORECASE)
NOTE_WORDS = re.compile(r"\b(?:doc-)?(?:foot|end)note\b", re.IGNORECASE)
_LEADING_NUMBER = re.compile(r"^\s*[\[(]?(\d{1,4})[\]).:]?\s+")
# What a group of back-links leaves behind once its links are gone: Wikipedia's "^ a b".
_LEFTOVER_BACKLINK = re.compile(r"^[\^↑↩]+︎?\s*")
_BACKLINK_TEXT = re.compile(
    r"^(?:↩︎?|\^|↑|⤴|⮌|back|return|jump up|(?:return|back|go back|jump) to "
    r"(?:the )?(?:text|citation|note|reference|article|content|footnote)(?: reference)?)"
    r"\s*[\^↩↑]?︎?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Definition:
    tag: Tag
    number: int
    number_from_text: bool  # the number is printed at the start of the text (strip it)
    explicit: bool  # named a footnote by class/role/container (not only by its id)


def words(tag: Tag) -> str:
    """class, id, role and epub:type of `tag`, for footnote-ish keyword matching."""
    parts: list[str] = []
    for name in ("class", "id", "role", "epub:type", "data-type"):
        value = tag.get(name)
        if isinstance(value, list):
            parts.extend(value)
        elif isinstance(value, str):
            parts.append(value)
    return " ".join(parts)


def containers(soup: BeautifulSoup) -> list[Tag]:
    """Footnote lists/sections (the whole container leaves the body)."""
    return [
        tag
        for tag in soup.find_all(["ol", "ul", "section", "div", "aside", "footer", "dl"])
        if CONTAINER_WORDS.search(words(tag))
    ]


def find_definitions(soup: BeautifulSoup, containers: list[Tag]) -> list[Definition]:
    found: list[Definition] = []
    seen: set[int] = set()

    def add(tag: Tag, number: int | None, fallback: int, explicit: bool) -> None:
        if id(tag) in seen:
            return
        seen.add(id(tag))
        from_text = False
        if number is None:
            match = _LEADING_NUMBER.match(tag.get_text(" "))
            number, from_text = (int(match.group(1)), True) if match else (fallback, False)
        found.append(Definition(tag, number, from_text, explicit))

    inside = {id(d) for c in containers for d in c.descendants}
    # 1. Elements whose id names them as a footnote (pandoc, most blog engines).
    for tag in soup.find_all(["li", "aside", "div", "p", "section", "dd"]):
        match = NOTE_ID.match(str(tag.get("id", "")))
        named = tag.name in ("aside", "div", "p") and bool(NOTE_WORDS.search(words(tag)))
        if match:
            add(tag, int(match.group(1)), len(found) + 1, named or id(tag) in inside)
        elif named:
            add(tag, None, len(found) + 1, True)
    # 2. Items of footnote containers without such ids: list items, else numbered paragraphs.
    for container in containers:
        lists = [container] if container.name in ("ol", "ul") else container.find_all("ol")
        for ol in lists:
            start = ol.get("start")
            position = int(start) if isinstance(start, str) and start.isdigit() else 1
            for li in ol.find_all("li", recursive=False):
                value = li.get("value")
                if isinstance(value, str) and value.isdigit():
                    position = int(value)
                match = NOTE_ID.match(str(li.get("id", "")))
                add(li, int(match.group(1)) if match else position, position, True)
                position += 1
        if not lists:
            for para in container.find_all(["p", "div"]):
                if _LEADING_NUMBER.match(para.get_text(" ")) and not para.find(["p", "div"]):
                    add(para, None, len(found) + 1, True)
    # A definition holding several others is their list; one inside a single other
    # (Substack's <div class="footnote-content"> in its <div class="footnote">) is part of it.
    nested: dict[int, int] = {}
    for d in found:
        for parent in d.tag.parents:
            if id(parent) in seen:
                nested[id(parent)] = nested.get(id(parent), 0) + 1
    kept = [d for d in found if nested.get(id(d.tag), 0) < 2]
    outer = {id(d.tag) for d in kept}
    return [d for d in kept if not any(id(p) in outer for p in d.tag.parents)]


def _is_backlink(tag: Tag) -> bool:
    classes = words(tag).lower()
    href = tag.get("href")
    return (
        "backlink" in classes
        or "footnote-back" in classes
        or "fnref" in classes
        or (isinstance(href, str) and bool(re.match(r"#(?:fn)?ref", href, re.I)))
        or bool(_BACKLINK_TEXT.match(tag.get_text().strip()))
    )


def note_text(
    root: Tag, number: int, from_text: bool = False, drop: frozenset[int] = frozenset()
) -> tuple[str, tuple[str, ...]]:
    """A note's text without back-links (and the `drop`ped elements) or its number label."""
    builder = TextBuilder()
    links: list[str] = []
    stack: list[PageElement] = list(reversed(root.contents))
    label_done = False
    while stack:
        node = stack.pop()
        if isinstance(node, Tag):
            if node.name in DROP or id(node) in drop:
                continue
            if node.name == "a" and _is_backlink(node):
                continue
            if (
                not label_done
                and not builder.has_text
                and node.name in ("sup", "span", "a", "b", "strong")
                and node.get_text().strip().strip("[]().:") == str(number)
            ):
                label_done = True  # a "<sup>5</sup>" label printed before the text
                continue
            href = node.get("href") if node.name == "a" else None
            if isinstance(href, str) and re.match(r"https?://", href.strip(), re.I):
                links.append(href.strip())
            if node.name in BLOCKS or node.name == "br":
                builder.space()
            stack.extend(reversed(node.contents))
        elif isinstance(node, NavigableString) and not isinstance(node, NOT_TEXT):
            builder.add(strip_controls(str(node)))
    text = _LEFTOVER_BACKLINK.sub("", builder.text())
    if from_text:
        match = _LEADING_NUMBER.match(text)
        if match and int(match.group(1)) == number:
            text = text[match.end() :]
    return text, tuple(dict.fromkeys(links))
