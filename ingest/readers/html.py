"""HTML reader (`.html`, `.htm`) for briefs written as web pages.

* Footnotes (found by `ingest.readers.html_notes` with `html_markers` and `html_lists`, which
  list the forms):
  footnote lists (`<ol class="footnotes">`, `role="doc-endnotes"`, law-review note lists),
  Word's exported `_ftn` notes, tooltips and popovers (`aria-describedby`, `popovertarget`,
  hidden elements) and notes in `title` / `data-*` attributes. They are taken out of the body
  and become `RawFootnote`s with their text verbatim, less back-links ("↩", "Return to
  citation ^") and number labels; link targets go to `links`.
* Markers: the element whose visible text is the note's number label (`<sup><a href="#fn5">5
  </a></sup>`, `<a href="#_ftn1">[1]</a>`) is removed from the text and recorded as a marker;
  on pages whose markers are not links, a `<sup>` whose digits are a defined footnote number.
  Other superscripts stay in the text as superscript characters ("km<sup>2</sup>" → "km²").
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

from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PageElement

from ingest.errors import DocumentError
from ingest.readers.common import (
    MAX_TEXT_BYTES,
    TextBuilder,
    is_caption,
    is_colon_heading,
    normalise_space,
    read_limited,
    strip_controls,
)
from ingest.readers.html_lists import BLOCKS, DROP, HEADINGS, NOT_TEXT
from ingest.readers.html_notes import scan_notes
from ingest.records import Block, BlockKind, ParsedDocument

_BOLD = frozenset({"b", "strong"})
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


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
        mains = soup.find_all("main")
        root: Tag = mains[0] if len(mains) == 1 else (soup.body or soup)
        notes = scan_notes(soup, root, path)
        blocks = _Walker(notes.skip, notes.markers, notes.bare_numbers).walk(root)
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
            footnotes=tuple(notes.footnotes),
            page_labels=(),
            warnings=tuple(notes.warnings),
        )


class _Walker:
    """Turns the body into blocks with one explicit stack (deep trees cannot overflow)."""

    def __init__(self, skip: set[int], markers: dict[int, int], numbers: set[int]) -> None:
        self.skip = skip
        self.markers = markers
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
                    elif isinstance(child, NavigableString) and not isinstance(child, NOT_TEXT):
                        stack.append(("text", child))
        self._flush()
        return self.blocks

    def _enter(self, tag: Tag) -> bool:
        """Handle an opening tag; False when its content is not walked."""
        if id(tag) in self.skip:
            return False
        marker = self._marker(tag)  # before DROP: a popover's marker may be a <button>
        if marker is not None:
            self.builder.mark(marker)
            return False
        if tag.name in DROP or tag.has_attr("hidden"):
            return False
        if tag.name == "br":
            self.builder.space()
            return False
        if tag.name == "sup" and tag.get_text().strip().isdigit():
            # Not a footnote marker: an exponent ("km<sup>2</sup>"), kept as "km²".
            self.builder.add(tag.get_text().strip().translate(_SUPERSCRIPT), bold=self.bold > 0)
            return False
        if tag.name in BLOCKS:
            self._flush()
            self.kinds.append(self._kind(tag))
        elif tag.name in _BOLD:
            self.bold += 1
        return True

    def _exit(self, tag: Tag) -> None:
        if tag.name in BLOCKS:
            self._flush()
            self.kinds.pop()
        elif tag.name in _BOLD:
            self.bold -= 1

    def _kind(self, tag: Tag) -> BlockKind:
        if tag.name in HEADINGS:
            return "heading"
        if tag.name == "li":
            return "list_item"
        if tag.name in ("figcaption", "caption"):
            return "caption"
        if tag.name in ("ul", "ol", "table", "section", "article", "main", "body", "html"):
            return "paragraph"  # loose text in a list or section is not an item
        return self.kinds[-1]  # p/div inside an li or figcaption keeps that kind

    def _marker(self, tag: Tag) -> int | None:
        """The footnote number when `tag` is a footnote marker."""
        number = self.markers.get(id(tag))
        if number is not None:
            return number
        if tag.name == "sup" and self.numbers:
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
