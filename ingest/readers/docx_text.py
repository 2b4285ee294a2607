"""How Word displays a paragraph: styles, numbering formats, and the text of runs, fields and links.

Text is taken as displayed: runs inside `w:hyperlink` and field results (the text between
`separate` and `end` of a `HYPERLINK` field) are kept, field instructions and deleted text are
not. Hyperlink targets (relationship targets and `HYPERLINK` field URLs) are collected on
`_Walker.links`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

from lxml import etree

from ingest.readers.common import TextBuilder, strip_controls
from ingest.readers.docx_package import R, W

# Subtrees whose text Word does not show inline (or shows twice: AlternateContent fallbacks).
_SKIP = frozenset(
    W + name
    for name in (
        "pPr", "rPr", "del", "moveFrom", "drawing", "pict", "object", "txbxContent",
        "delText", "delInstrText", "footnotePr", "endnotePr", "commentReference",
    )
) | {"{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"}
_FALSE = frozenset({"0", "false", "off", "none"})
_HEADING_STYLE = re.compile(r"^(?:heading\s*\d|title|subtitle)$", re.IGNORECASE)
_HYPERLINK_FIELD = re.compile(r'^\s*HYPERLINK\s+(?:"([^"]*)"|(\S+))(.*)$', re.DOTALL)
_ANCHOR_SWITCH = re.compile(r'\\l\s+(?:"([^"]*)"|(\S+))')


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

