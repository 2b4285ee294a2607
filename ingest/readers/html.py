"""HTML reader (`.html`, `.htm`) for briefs written as web pages.

* Footnote definitions: items of a footnote list (`<ol class="footnotes">`, `<section
  class="footnotes">`, `role="doc-endnotes"`, `epub:type="footnotes"`, …) and any `<li>`,
  `<aside>`, `<div>` or `<p>` whose id looks like `fn5` / `footnote-5` / `note5`, or an
  `<aside>` marked as a footnote. They are taken out of the body and become `RawFootnote`s;
  back-links ("↩") and the leading number label are dropped; link targets go to `links`.
* A definition's number: the digits of its id, else its position in the `<ol>` (honouring
  `start` / `value`), else a leading number in its text, else its order.
* Markers: `<sup>` or `<a href="#fn5">` pointing at a definition, or — on pages whose markers
  are not links — a `<sup>` whose digits are a defined footnote number. Other superscripts
  stay in the text as superscript characters ("km<sup>2</sup>" → "km²").
* Blocks: h1–h6 → heading (also a short all-bold paragraph ending in ':'), `<li>` → list_item,
  `<figcaption>`/`<caption>` or "Figure N." text → caption, everything else → paragraph. Block
  boundaries are the block-level elements; text directly inside a `<div>` is a paragraph.
* Dropped: script, style, template, noscript, nav, footer, forms, embedded media, `hidden`.
  When the page has one `<main>`, only it is read (footnotes are found anywhere).
* The tree is walked with explicit stacks (no recursion), so very deep nesting is fine.
  Files over 50 MiB are refused (`DocumentError`).

HTML has no pages: page labels are None and `page_count` is 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, PageElement, ProcessingInstruction

from ingest.errors import DocumentError
from ingest.readers.text import (
    MAX_TEXT_BYTES,
    TextBuilder,
    is_caption,
    is_colon_heading,
    normalise_space,
    read_limited,
    strip_controls,
)
from ingest.records import Block, BlockKind, ParsedDocument, RawFootnote

_DROP = frozenset(
    {
        "script", "style", "template", "noscript", "nav", "footer", "head", "title", "form",
        "button", "select", "textarea", "input", "svg", "math", "iframe", "object", "embed",
        "canvas", "video", "audio", "map",
    }
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements that start a new block; inline elements (span, a, em, sup, ...) do not.
_BLOCKS = _HEADINGS | frozenset(
    {
        "p", "li", "figcaption", "caption", "div", "section", "article", "main", "header",
        "aside", "blockquote", "pre", "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody",
        "tfoot", "tr", "td", "th", "figure", "address", "details", "summary", "hr", "body",
        "html", "center", "fieldset", "legend",
    }
)
_BOLD = frozenset({"b", "strong"})
_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
_NOTE_ID = re.compile(
    r"^(?:cite_)?(?:fn|footnote|note|endnote|ftn|edn)[-_:.]?(?:note[-_:.]?)?(\d{1,4})$",
    re.IGNORECASE,
)
# Plural ("footnotes", role="doc-endnotes") marks a list of notes; singular marks one note.
_CONTAINER_WORDS = re.compile(r"\b(?:doc-)?(?:foot|end)notes\b", re.IGNORECASE)
_NOTE_WORDS = re.compile(r"\b(?:doc-)?(?:foot|end)note\b", re.IGNORECASE)
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_LEADING_NUMBER = re.compile(r"^\s*[\[(]?(\d{1,4})[\]).:]?\s+")
_BACKLINK_TEXT = frozenset({"↩", "↩︎", "^", "↑", "⤴", "back", "return"})


@dataclass(frozen=True)
class _Definition:
    tag: Tag
    number: int
    number_from_text: bool  # the number is printed at the start of the text (strip it)


@dataclass
class HtmlReader:
    """`DocumentReader` for `.html` / `.htm` files."""

    max_bytes: int = MAX_TEXT_BYTES

    def read(self, path: Path) -> ParsedDocument:
        data = read_limited(path, self.max_bytes)
        if not data.strip():
            raise DocumentError(path, "empty file")
        if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise DocumentError(path, "binary file (contains NUL bytes), not HTML")
        return self.parse(data, path)

    def parse(self, markup: bytes | str, path: Path | str = "<html>") -> ParsedDocument:
        """Parse HTML already in memory (bytes are decoded as the page declares)."""
        soup = BeautifulSoup(markup, "lxml")
        warnings: list[str] = []
        definitions = _find_definitions(soup)
        by_id: dict[str, int] = {}
        numbers: set[int] = set()
        footnotes: dict[int, RawFootnote] = {}
        for definition in definitions:
            if definition.number in footnotes:
                warnings.append(f"{path}: footnote {definition.number} defined twice; first kept")
                continue
            numbers.add(definition.number)
            tag_id = definition.tag.get("id")
            if isinstance(tag_id, str):
                by_id[tag_id] = definition.number
            footnotes[definition.number] = _footnote(definition)
        # A container leaves the body only when its notes were found (else its text is kept).
        holders = [
            t for t in _containers(soup) if any(p is t for d in definitions for p in d.tag.parents)
        ]
        skip = {id(d.tag) for d in definitions} | {id(t) for t in holders}

        mains = soup.find_all("main")
        root: Tag = mains[0] if len(mains) == 1 else (soup.body or soup)
        # A page that links its markers to the notes links all of them: a bare <sup> digit
        # there is an exponent or ordinal, not a marker.
        linked = any(
            isinstance(href := a.get("href"), str) and href[1:] in by_id
            for a in soup.find_all("a", href=re.compile(r"^#"))
            if id(a) not in skip and not any(id(p) in skip for p in a.parents)
        )
        blocks = _Walker(skip, by_id, set() if linked else numbers).walk(root)
        if not blocks:
            raise DocumentError(path, "no readable text in the page")

        title = ""
        if soup.title is not None:
            title = normalise_space(strip_controls(soup.title.get_text(" ")))
        if not title:
            title = next((b.text for b in blocks if b.kind == "heading"), Path(str(path)).stem)
        return ParsedDocument(
            title=title,
            page_count=1,
            blocks=tuple(blocks),
            footnotes=tuple(footnotes[n] for n in sorted(footnotes)),
            page_labels=(),
            warnings=tuple(warnings),
        )


def _words(tag: Tag) -> str:
    """class, id, role and epub:type of `tag`, for footnote-ish keyword matching."""
    parts: list[str] = []
    for name in ("class", "id", "role", "epub:type", "data-type"):
        value = tag.get(name)
        if isinstance(value, list):
            parts.extend(value)
        elif isinstance(value, str):
            parts.append(value)
    return " ".join(parts)


def _containers(soup: BeautifulSoup) -> list[Tag]:
    """Footnote lists/sections (the whole container leaves the body)."""
    return [
        tag
        for tag in soup.find_all(["ol", "ul", "section", "div", "aside", "footer", "dl"])
        if _CONTAINER_WORDS.search(_words(tag))
    ]


def _find_definitions(soup: BeautifulSoup) -> list[_Definition]:
    found: list[_Definition] = []
    seen: set[int] = set()

    def add(tag: Tag, number: int | None, fallback: int) -> None:
        if id(tag) in seen:
            return
        seen.add(id(tag))
        from_text = False
        if number is None:
            match = _LEADING_NUMBER.match(tag.get_text(" "))
            number, from_text = (int(match.group(1)), True) if match else (fallback, False)
        found.append(_Definition(tag, number, from_text))

    # 1. Elements whose id names them as a footnote (pandoc, most blog engines).
    for tag in soup.find_all(["li", "aside", "div", "p", "section", "dd"]):
        match = _NOTE_ID.match(str(tag.get("id", "")))
        if match:
            add(tag, int(match.group(1)), len(found) + 1)
        elif tag.name in ("aside", "div", "p") and _NOTE_WORDS.search(_words(tag)):
            add(tag, None, len(found) + 1)
    # 2. Items of footnote containers without such ids: list items, else numbered paragraphs.
    for container in _containers(soup):
        lists = [container] if container.name in ("ol", "ul") else container.find_all("ol")
        for ol in lists:
            start = ol.get("start")
            position = int(start) if isinstance(start, str) and start.isdigit() else 1
            for li in ol.find_all("li", recursive=False):
                value = li.get("value")
                if isinstance(value, str) and value.isdigit():
                    position = int(value)
                match = _NOTE_ID.match(str(li.get("id", "")))
                add(li, int(match.group(1)) if match else position, position)
                position += 1
        if not lists:
            for para in container.find_all(["p", "div"]):
                if _LEADING_NUMBER.match(para.get_text(" ")) and not para.find(["p", "div"]):
                    add(para, None, len(found) + 1)
    return found


def _is_backlink(tag: Tag) -> bool:
    words = _words(tag).lower()
    href = tag.get("href")
    text = tag.get_text().strip().lower()
    return (
        "backlink" in words
        or "footnote-back" in words
        or "fnref" in words
        or (isinstance(href, str) and bool(re.match(r"#(?:fn)?ref", href, re.I)))
        or text in _BACKLINK_TEXT
    )


def _footnote(definition: _Definition) -> RawFootnote:
    """A definition's text without back-links or its leading number label."""
    builder = TextBuilder()
    links: list[str] = []
    stack: list[PageElement] = list(reversed(definition.tag.contents))
    label_done = False
    while stack:
        node = stack.pop()
        if isinstance(node, Tag):
            if node.name in _DROP:
                continue
            if node.name == "a" and _is_backlink(node):
                continue
            if (
                not label_done
                and not builder.has_text
                and node.name in ("sup", "span", "a", "b", "strong")
                and node.get_text().strip().strip("[]().:") == str(definition.number)
            ):
                label_done = True  # a "<sup>5</sup>" label printed before the text
                continue
            href = node.get("href") if node.name == "a" else None
            if isinstance(href, str) and re.match(r"https?://", href.strip(), re.I):
                links.append(href.strip())
            if node.name in _BLOCKS or node.name == "br":
                builder.space()
            stack.extend(reversed(node.contents))
        elif isinstance(node, NavigableString) and not isinstance(node, _NOT_TEXT):
            builder.add(strip_controls(str(node)))
    text = builder.text()
    if definition.number_from_text:
        match = _LEADING_NUMBER.match(text)
        if match and int(match.group(1)) == definition.number:
            text = text[match.end() :]
    return RawFootnote(
        number=definition.number, text=text, links=tuple(dict.fromkeys(links))
    )


class _Walker:
    """Turns the body into blocks with one explicit stack (deep trees cannot overflow)."""

    def __init__(self, skip: set[int], by_id: dict[str, int], numbers: set[int]) -> None:
        self.skip = skip
        self.by_id = by_id
        self.numbers = numbers
        self.blocks: list[Block] = []
        self.builder = TextBuilder()
        self.kinds: list[BlockKind] = ["paragraph"]
        self.bold = 0

    def walk(self, root: Tag) -> list[Block]:
        # Items are ("enter", tag), ("exit", tag) or ("text", string).
        stack: list[tuple[str, PageElement]] = [("enter", root)]
        while stack:
            action, node = stack.pop()
            if action == "text":
                self.builder.add(strip_controls(str(node)), bold=self.bold > 0)
            elif action == "exit":
                assert isinstance(node, Tag)
                self._exit(node)
            else:
                assert isinstance(node, Tag)
                if not self._enter(node):
                    continue
                stack.append(("exit", node))
                for child in reversed(node.contents):
                    if isinstance(child, Tag):
                        stack.append(("enter", child))
                    elif isinstance(child, NavigableString) and not isinstance(child, _NOT_TEXT):
                        stack.append(("text", child))
        self._flush()
        return self.blocks

    def _enter(self, tag: Tag) -> bool:
        """Handle an opening tag; False when its content is not walked."""
        if id(tag) in self.skip or tag.name in _DROP or tag.has_attr("hidden"):
            return False
        marker = self._marker(tag)
        if marker is not None:
            self.builder.mark(marker)
            return False
        if tag.name == "br":
            self.builder.space()
            return False
        if tag.name == "sup" and tag.get_text().strip().isdigit():
            # Not a footnote marker: an exponent ("km<sup>2</sup>"), kept as "km²".
            self.builder.add(tag.get_text().strip().translate(_SUPERSCRIPT), bold=self.bold > 0)
            return False
        if tag.name in _BLOCKS:
            self._flush()
            self.kinds.append(self._kind(tag))
        elif tag.name in _BOLD:
            self.bold += 1
        return True

    def _exit(self, tag: Tag) -> None:
        if tag.name in _BLOCKS:
            self._flush()
            self.kinds.pop()
        elif tag.name in _BOLD:
            self.bold -= 1

    def _kind(self, tag: Tag) -> BlockKind:
        if tag.name in _HEADINGS:
            return "heading"
        if tag.name == "li":
            return "list_item"
        if tag.name in ("figcaption", "caption"):
            return "caption"
        if tag.name in ("ul", "ol", "table", "section", "article", "main", "body", "html"):
            return "paragraph"  # loose text in a list or section is not an item
        return self.kinds[-1]  # p/div inside an li or figcaption keeps that kind

    def _marker(self, tag: Tag) -> int | None:
        """The footnote number when `tag` is a footnote marker (`<sup>` or `<a href=#fn>`)."""
        if tag.name not in ("sup", "a"):
            return None
        anchors = [tag] if tag.name == "a" else tag.find_all("a", limit=2)
        for anchor in anchors:
            href = anchor.get("href")
            if isinstance(href, str) and href.startswith("#") and href[1:] in self.by_id:
                return self.by_id[href[1:]]
        if tag.name == "sup":
            digits = tag.get_text().strip().strip("[]()")
            if digits.isdigit() and int(digits) in self.numbers:
                return int(digits)
        return None

    def _flush(self) -> None:
        builder = self.builder
        text = builder.text()
        if text:
            kind = self.kinds[-1]
            if kind == "paragraph" and is_caption(text):
                kind = "caption"
            elif kind == "paragraph" and builder.all_bold and is_colon_heading(text):
                kind = "heading"
            self.blocks.append(Block(kind=kind, text=text, markers=builder.markers))
        self.builder = TextBuilder()
