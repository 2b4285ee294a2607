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
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from lxml import etree

from ingest.errors import DocumentError
from ingest.readers.common import (
    TextBuilder,
    is_caption,
    is_colon_heading,
    normalise_space,
    open_regular,
    strip_controls,
)
from ingest.records import Block, BlockKind, ParsedDocument, RawFootnote

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DC = "{http://purl.org/dc/elements/1.1/}"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_REL_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships/"

# Subtrees whose text Word does not show inline (or shows twice: AlternateContent fallbacks).
_SKIP = frozenset(
    W + name
    for name in (
        "pPr", "rPr", "del", "moveFrom", "drawing", "pict", "object", "txbxContent",
        "delText", "delInstrText", "footnotePr", "endnotePr", "commentReference",
    )
) | {"{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"}
_CONTAINERS = frozenset(W + n for n in ("tbl", "tr", "tc", "sdt", "sdtContent", "customXml"))
_SEPARATOR_TYPES = frozenset({"separator", "continuationSeparator", "continuationNotice"})
_FALSE = frozenset({"0", "false", "off", "none"})
_HEADING_STYLE = re.compile(r"^(?:heading\s*\d|title|subtitle)$", re.IGNORECASE)
_HYPERLINK_FIELD = re.compile(r'^\s*HYPERLINK\s+(?:"([^"]*)"|(\S+))(.*)$', re.DOTALL)
_ANCHOR_SWITCH = re.compile(r'\\l\s+(?:"([^"]*)"|(\S+))')


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )


class _Package:
    """The zip container, with a budget on how much XML it may inflate."""

    def __init__(self, path: Path, max_bytes: int, max_ratio: float) -> None:
        self.path = path
        self.remaining = max_bytes
        self.max_bytes = max_bytes
        self.max_ratio = max_ratio
        handle = open_regular(path)
        try:
            self.zip = zipfile.ZipFile(handle)
        except OSError as exc:
            handle.close()
            raise DocumentError(path, f"cannot read file: {exc.strerror or exc}") from exc
        except zipfile.BadZipFile as exc:
            handle.seek(0)
            magic = handle.read(8)
            handle.close()
            if magic.startswith(b"\xd0\xcf\x11\xe0"):
                raise DocumentError(
                    path, "legacy .doc or password-protected file, not .docx; save it as .docx"
                ) from exc
            raise DocumentError(path, "not a .docx file (not a zip package)") from exc
        self.handle = handle
        self.names = set(self.zip.namelist())
        self._rels: dict[str, dict[str, tuple[str, str, bool]]] = {}

    def close(self) -> None:
        self.zip.close()
        self.handle.close()

    def xml(self, name: str) -> etree._Element | None:
        """Parse part `name` (None when absent), charging its size to the budget."""
        if name not in self.names:
            return None
        info = self.zip.getinfo(name)
        if info.file_size > self.remaining:
            raise self._bomb(f"{name} expands to {info.file_size:,} bytes")
        if info.file_size > 2**20 and info.file_size > self.max_ratio * max(info.compress_size, 1):
            raise self._bomb(
                f"{name} has a compression ratio over {self.max_ratio:.0f}:1 "
                "(possible decompression bomb)"
            )
        try:
            with self.zip.open(name) as handle:
                # Sizes in the zip directory can lie: never read more than the budget allows.
                data = handle.read(self.remaining + 1)
        except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
            raise DocumentError(self.path, f"corrupt part {name}: {exc}") from exc
        if len(data) > self.remaining:
            raise self._bomb(f"{name} expands past the limit")
        self.remaining -= len(data)
        try:
            return etree.fromstring(data, parser=_parser())
        except etree.XMLSyntaxError as exc:
            raise DocumentError(self.path, f"malformed XML in {name}: {exc}") from exc

    def _bomb(self, detail: str) -> DocumentError:
        return DocumentError(
            self.path,
            f"{detail}; refusing to read more than {self.max_bytes:,} bytes of XML",
        )

    def rels(self, part: str) -> dict[str, tuple[str, str, bool]]:
        """Relationship id → (type, resolved target, is_external) for `part`."""
        if part in self._rels:
            return self._rels[part]
        folder, base = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", base + ".rels"))
        out: dict[str, tuple[str, str, bool]] = {}
        self._rels[part] = out
        if root is None:
            return out
        for rel in root.iter(PKG_RELS + "Relationship"):
            target = rel.get("Target", "")
            external = rel.get("TargetMode") == "External"
            if not external:
                target = posixpath.normpath(
                    target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
                )
            out[rel.get("Id", "")] = (rel.get("Type", ""), target, external)
        return out

    def related(self, part: str, kind: str) -> str | None:
        """Target of `part`'s first relationship of `kind` (e.g. "footnotes")."""
        for rel_type, target, external in self.rels(part).values():
            if not external and rel_type in (_REL + kind, _REL_STRICT + kind):
                return target
        return None


@dataclass(frozen=True)
class _Style:
    name: str
    based_on: str | None
    outline: bool
    numbered: bool
    bold: bool | None


@dataclass
class _Styles:
    styles: dict[str, _Style] = field(default_factory=dict)

    def chain(self, style_id: str | None) -> Iterator[_Style]:
        seen: set[str] = set()
        while style_id and style_id not in seen and style_id in self.styles:
            seen.add(style_id)
            style = self.styles[style_id]
            yield style
            style_id = style.based_on

    def is_heading(self, style_id: str | None) -> bool:
        return any(_HEADING_STYLE.match(s.name) or s.outline for s in self.chain(style_id))

    def is_caption(self, style_id: str | None) -> bool:
        return any(s.name.lower() == "caption" for s in self.chain(style_id))

    def is_list(self, style_id: str | None) -> bool:
        return any(s.numbered or s.name.lower().startswith("list ") for s in self.chain(style_id))

    def bold(self, style_id: str | None) -> bool:
        for style in self.chain(style_id):
            if style.bold is not None:
                return style.bold
        return False


def _on(element: etree._Element | None) -> bool | None:
    """A Word toggle property (`<w:b/>`, `<w:b w:val="0"/>`): None when absent."""
    if element is None:
        return None
    return element.get(W + "val", "true").lower() not in _FALSE


def _outline(ppr: etree._Element | None) -> bool:
    level = ppr.find(W + "outlineLvl") if ppr is not None else None
    return level is not None and level.get(W + "val", "9").isdigit() and int(
        level.get(W + "val", "9")
    ) < 9


def _load_styles(root: etree._Element | None) -> _Styles:
    styles = _Styles()
    if root is None:
        return styles
    for element in root.iter(W + "style"):
        style_id = element.get(W + "styleId")
        if not style_id:
            continue
        name = element.find(W + "name")
        based = element.find(W + "basedOn")
        ppr = element.find(W + "pPr")
        num = ppr.find(W + "numPr/" + W + "numId") if ppr is not None else None
        styles.styles[style_id] = _Style(
            name=(name.get(W + "val", "") if name is not None else style_id),
            based_on=based.get(W + "val") if based is not None else None,
            outline=_outline(ppr),
            numbered=num is not None and num.get(W + "val", "0") != "0",
            bold=_on(element.find(W + "rPr/" + W + "b")),
        )
    return styles


def _load_numbering(root: etree._Element | None) -> dict[tuple[str, str], str]:
    """(numId, ilvl) → numFmt ("bullet", "decimal", "none", ...)."""
    if root is None:
        return {}
    abstract: dict[str, dict[str, str]] = {}
    for element in root.iter(W + "abstractNum"):
        levels: dict[str, str] = {}
        for lvl in element.iter(W + "lvl"):
            fmt = lvl.find(W + "numFmt")
            levels[lvl.get(W + "ilvl", "0")] = fmt.get(W + "val", "") if fmt is not None else ""
        abstract[element.get(W + "abstractNumId", "")] = levels
    out: dict[tuple[str, str], str] = {}
    for num in root.iter(W + "num"):
        ref = num.find(W + "abstractNumId")
        levels = abstract.get(ref.get(W + "val", "") if ref is not None else "", {})
        for ilvl, fmt in levels.items():
            out[(num.get(W + "numId", ""), ilvl)] = fmt
    return out


def _field_url(instruction: str) -> str | None:
    """The URL of a `HYPERLINK "url" \\l "anchor"` field instruction, spaces escaped."""
    match = _HYPERLINK_FIELD.match(instruction)
    if not match:
        return None
    url = (match.group(1) if match.group(1) is not None else match.group(2)).strip()
    if not url:
        return None
    anchor = _ANCHOR_SWITCH.search(match.group(3))
    if anchor:  # not stripped: a text fragment's trailing space is part of what it matches
        url = f"{url}#{anchor.group(1) if anchor.group(1) is not None else anchor.group(2)}"
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")


@dataclass
class _Field:
    """A complex field being read: its instruction code, shown text only after `separate`."""

    in_code: bool = True
    code: str = ""


class _Walker:
    """Reads one paragraph's displayed text into a `TextBuilder`."""

    def __init__(
        self,
        rels: dict[str, tuple[str, str, bool]],
        styles: _Styles,
        on_reference: Callable[[str, str], int | None],
    ) -> None:
        self.rels = rels
        self.styles = styles
        self.on_reference = on_reference
        self.links: list[str] = []

    def paragraph(self, p: etree._Element, builder: TextBuilder, style_bold: bool) -> None:
        fields: list[_Field] = []
        stack: list[etree._Element] = list(reversed(p))
        while stack:
            node = stack.pop()
            tag = node.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag == W + "r":
                bold = self._run_bold(node, style_bold)
                for child in node:
                    self._run_child(child, builder, bold, fields)
            elif tag == W + "hyperlink":
                self._link(self.rels.get(node.get(R + "id", ""), ("", "", False)))
                stack.extend(reversed(node))
            elif tag == W + "fldSimple":
                url = _field_url(node.get(W + "instr", ""))
                if url:
                    self.links.append(url)
                stack.extend(reversed(node))
            elif tag == W + "p":  # a paragraph nested in a run container: keep its words apart
                builder.space()
                stack.extend(reversed(node))
            else:  # ins, moveTo, smartTag, sdt, sdtContent, customXml, bookmarks, ...
                stack.extend(reversed(node))

    def _run_bold(self, run: etree._Element, style_bold: bool) -> bool:
        rpr = run.find(W + "rPr")
        if rpr is not None:
            explicit = _on(rpr.find(W + "b"))
            if explicit is not None:
                return explicit
            rstyle = rpr.find(W + "rStyle")
            if rstyle is not None and self.styles.bold(rstyle.get(W + "val")):
                return True
        return style_bold

    def _run_child(
        self,
        child: etree._Element,
        builder: TextBuilder,
        bold: bool,
        fields: list[_Field],
    ) -> None:
        tag = child.tag
        if tag == W + "fldChar":
            kind = child.get(W + "fldCharType")
            if kind == "begin":
                fields.append(_Field())
            elif kind == "separate" and fields:
                fields[-1].in_code = False
                self._field_done(fields[-1])
            elif kind == "end" and fields:
                if fields[-1].in_code:
                    self._field_done(fields[-1])
                fields.pop()
        elif tag == W + "instrText":
            if fields:
                fields[-1].code += child.text or ""
        elif any(f.in_code for f in fields):
            return  # a field's instruction part is not displayed
        elif tag == W + "t":
            builder.add(strip_controls(child.text or ""), bold=bold)
        elif tag in (W + "tab", W + "br", W + "cr", W + "ptab"):
            builder.space()
        elif tag == W + "noBreakHyphen":
            builder.add("-", bold=bold)
        elif tag == W + "sym":
            char = child.get(W + "char", "")
            if re.fullmatch(r"[0-9A-Fa-f]{4}", char) and int(char, 16) < 0xF000:
                builder.add(chr(int(char, 16)), bold=bold)
        elif tag in (W + "footnoteReference", W + "endnoteReference"):
            kind = "footnote" if tag == W + "footnoteReference" else "endnote"
            number = self.on_reference(kind, child.get(W + "id", ""))
            if number is not None:
                builder.mark(number)

    def _field_done(self, state: _Field) -> None:
        url = _field_url(state.code)
        if url:
            self.links.append(url)
        state.code = ""

    def _link(self, rel: tuple[str, str, bool]) -> None:
        rel_type, target, external = rel
        if external and rel_type.endswith("/hyperlink") and target:
            self.links.append(target)


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


def _core_title(package: _Package) -> str:
    for rel_type, target, external in package.rels("").values():
        if not external and rel_type.endswith("/core-properties"):
            root = package.xml(target)
            title = root.find(DC + "title") if root is not None else None
            if title is not None and title.text:
                return normalise_space(strip_controls(title.text))
    return ""
