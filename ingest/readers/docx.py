"""Word `.docx` reader: body paragraphs and Word's real footnotes.

python-docx does not expose footnotes, so the package is read directly with `zipfile` and a
hardened lxml parser (no entities, no network, no huge trees). Parts are located through the
package relationships, not assumed names.

* Footnotes come from `word/footnotes.xml`; separator/continuation notes are skipped. A
  footnote's number is the order of its first `w:footnoteReference` in the body, which is how
  Word displays them (1..N). Footnotes never referenced are not shown by Word and are skipped.
  Endnotes (`word/endnotes.xml`, `w:endnoteReference`) are read the same way and numbered
  after the footnotes (a warning says so when a document has both).
* Text is taken as displayed: runs inside `w:hyperlink` and field results (the text between
  `separate` and `end` of a `HYPERLINK` field) are kept, field instructions and deleted text
  are not. Hyperlink targets (relationship targets and `HYPERLINK` field URLs) are also
  recorded on `RawFootnote.links`, so a URL that is only a link target is not lost.
* Block kinds: heading for Title/Subtitle/Heading N styles (through `w:basedOn`) or an outline
  level, and for short all-bold lines ending in ':'; caption for the Caption style or
  "Figure N." text; list_item for numbered/bulleted paragraphs (`w:numPr`, unless the level's
  format is "none") or List styles; paragraph otherwise. Table cells are read as paragraphs.
  Drawings and text boxes are skipped.
* Decompression bombs: the XML parts read may hold at most `max_xml_bytes` uncompressed in
  total, and a part over 1 MiB may not expand more than `max_ratio` times.


DOCX has no fixed pages: page labels are None and `page_count` is 1.

The zip package lives in `docx_package`, paragraph text and styles in `docx_text`, and the
footnote and endnote parts in `docx_notes`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ingest.errors import DocumentError
from ingest.readers.common import (
    TextBuilder,
    is_caption,
    is_colon_heading,
    normalise_space,
    strip_controls,
)
from ingest.readers.docx_notes import _NoteParts, _notes
from ingest.readers.docx_package import DC, W, _Package
from ingest.readers.docx_text import _load_numbering, _load_styles, _outline, _Styles, _Walker
from ingest.records import Block, BlockKind, ParsedDocument

_CONTAINERS = frozenset(W + n for n in ("tbl", "tr", "tc", "sdt", "sdtContent", "customXml"))


@dataclass
class DocxReader:
    """`DocumentReader` for Word `.docx` files."""

    max_xml_bytes: int = 50 * 2**20
    max_ratio: float = 100.0

    def read(self, path: Path) -> ParsedDocument:
        package = _Package(path, self.max_xml_bytes, self.max_ratio)
        try:
            return self._read(package)
        finally:
            package.close()

    def _read(self, package: _Package) -> ParsedDocument:
        path = package.path
        main = "word/document.xml"
        for rel_type, target, external in package.rels("").values():
            if not external and rel_type.endswith("/officeDocument"):
                main = target
        document = package.xml(main)
        if document is None:
            raise DocumentError(path, f"no main document part ({main}); not a Word document")
        body = document.find(W + "body")
        if body is None:
            raise DocumentError(path, f"{main} has no w:body")
        styles = _load_styles(_part(package, main, "styles"))
        numbering = _load_numbering(_part(package, main, "numbering"))
        warnings: list[str] = []

        parts = {kind: _NoteParts.load(package, main, kind) for kind in ("footnote", "endnote")}
        # Word numbers footnotes and endnotes apart (1, 2, … and i, ii, …), each in the order
        # first referenced. A note's identity is one number per brief, so endnotes are
        # numbered after the footnotes; the reader says so when a document has both.
        numbers: dict[tuple[str, str], int] = {}
        for kind in ("footnote", "endnote"):
            for ref in body.iter(W + f"{kind}Reference"):
                note_id = ref.get(W + "id", "")
                if note_id in parts[kind].notes:
                    numbers.setdefault((kind, note_id), len(numbers) + 1)
        kinds = {kind for kind, _ in numbers}
        if len(kinds) == 2:
            first = min(n for (kind, _), n in numbers.items() if kind == "endnote")
            warnings.append(f"{path}: footnotes and endnotes both used; endnotes are numbered "
                            f"from {first} on, after the footnotes")

        def on_reference(kind: str, note_id: str) -> int | None:
            number = numbers.get((kind, note_id))
            if number is None:
                warnings.append(f"{path}: {kind} reference to unknown {kind} id {note_id}")
            return number

        walker = _Walker(package.rels(main), styles, on_reference)
        blocks: list[Block] = []
        titles: list[str] = []
        for p in _paragraphs(body):
            block, is_title = _block(p, walker, styles, numbering)
            walker.links.clear()  # body links are not recorded: `Block` has no place for them
            if block is None:
                continue
            if is_title:
                titles.append(block.text)
            blocks.append(block)

        footnotes = tuple(sorted(
            _notes(package, parts["footnote"], numbers, styles, warnings)
            + _notes(package, parts["endnote"], numbers, styles, warnings),
            key=lambda f: f.number))
        title = _core_title(package) or " — ".join(titles[:2])
        if not title:
            title = next((b.text for b in blocks if b.kind == "heading"), path.stem)
        return ParsedDocument(
            title=title,
            page_count=1,
            blocks=tuple(blocks),
            footnotes=footnotes,
            page_labels=(),
            warnings=tuple(warnings),
        )


def _part(package: _Package, main: str, kind: str) -> etree._Element | None:
    name = package.related(main, kind)
    return package.xml(name) if name else None


def _paragraphs(body: etree._Element) -> Iterator[etree._Element]:
    """Body paragraphs in reading order, descending into tables and content controls."""
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        if node.tag == W + "p":
            yield node
        elif node.tag in _CONTAINERS:
            stack.extend(reversed(node))


def _block(
    p: etree._Element,
    walker: _Walker,
    styles: _Styles,
    numbering: dict[tuple[str, str], str],
) -> tuple[Block | None, bool]:
    """One paragraph → (block or None when empty, whether it is a Title/Subtitle)."""
    ppr = p.find(W + "pPr")
    style_el = ppr.find(W + "pStyle") if ppr is not None else None
    style_id = style_el.get(W + "val") if style_el is not None else None
    builder = TextBuilder()
    walker.paragraph(p, builder, styles.bold(style_id))
    text = builder.text()
    if not text:
        return None, False
    names = [s.name.lower() for s in styles.chain(style_id)]
    is_title = bool(names) and names[0] in ("title", "subtitle")
    kind: BlockKind = "paragraph"
    if styles.is_heading(style_id) or _outline(ppr):
        kind = "heading"
    elif styles.is_caption(style_id) or is_caption(text):
        kind = "caption"
    elif _is_list(ppr, style_id, styles, numbering):
        kind = "list_item"
    elif builder.all_bold and is_colon_heading(text):
        kind = "heading"
    return Block(kind=kind, text=text, markers=builder.markers), is_title


def _is_list(
    ppr: etree._Element | None,
    style_id: str | None,
    styles: _Styles,
    numbering: dict[tuple[str, str], str],
) -> bool:
    num = ppr.find(W + "numPr") if ppr is not None else None
    if num is None:
        return styles.is_list(style_id)
    num_id = num.find(W + "numId")
    ilvl = num.find(W + "ilvl")
    num_val = num_id.get(W + "val", "0") if num_id is not None else "0"
    if num_val == "0":  # numId 0 explicitly removes numbering
        return False
    fmt = numbering.get((num_val, ilvl.get(W + "val", "0") if ilvl is not None else "0"))
    return fmt != "none"


def _core_title(package: _Package) -> str:
    for rel_type, target, external in package.rels("").values():
        if not external and rel_type.endswith("/core-properties"):
            root = package.xml(target)
            title = root.find(DC + "title") if root is not None else None
            if title is not None and title.text:
                return normalise_space(strip_controls(title.text))
    return ""
