"""Plain-text and Markdown reader (`.txt`, `.md`, `.markdown`); the helpers every reader
shares live in `readers/common.py`.

What it understands:

* Footnote markers as Unicode superscript digits (`ways.¹`, `¹⁰`) or Markdown `[^5]`.
* Footnote definitions on lines starting with a superscript number (`¹ UNODC. …`) or `[^5]: …`,
  wherever they appear (right after a paragraph, at a section end, at the end of the file);
  a definition runs on over following non-blank lines. They become `RawFootnote`s, never blocks.
* `#` and setext headings, short title lines before the first body paragraph, short lines
  ending in ':' ("Current issue:"); `-`/`*`/`+`/`•` and `1.`/`1)` list items (marker dropped,
  so the text matches what a Word list shows); "Figure 1. …" captions; everything else is a
  paragraph (blank-line separated; wrapped lines are joined).
* Markdown decoration is removed: `**bold**`/`*italic*` emphasis and `<…>` autolink brackets.

A superscript number only counts as a footnote marker when the file defines that footnote;
otherwise it stays in the text (it may be an exponent, as in "km²") and a warning is recorded.
Numeric Markdown labels keep their number; if any label is not a number, footnotes are
numbered 1..N by first reference, as Markdown renderers display them.

Decoding: see `text_decoding.decode_text` (UTF-8; damaged UTF-8 or clean cp1252 with a
warning; binary refused). Control, zero-width and bidi-override characters are stripped; form
feeds and other line separators become line breaks. Files over 50 MiB are refused.

Text files have no pages: blocks carry no page labels, `page_labels` is empty and
`page_count` is 1 (the file is one unpaginated flow).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import DocumentError
from ingest.readers.common import (
    MAX_TEXT_BYTES,
    TextBuilder,
    is_caption,
    is_colon_heading,
    is_endnote_heading,
    normalise_space,
    read_limited,
    strip_controls,
)
from ingest.readers.text_decoding import decode_text
from ingest.readers.text_syntax import (
    _ATX,
    _ENDNOTE_ENTRY,
    _FENCE,
    _ITEM,
    _MD_DEF,
    _MD_REF,
    _RULE,
    _SETEXT,
    _SUPER_DEF,
    _SUPER_MARKER,
    _SUPER_RUN,
    SUPERSCRIPTS,
    from_superscript,
    strip_markdown,
)
from ingest.records import Block, BlockKind, Marker, ParsedDocument, RawFootnote

# Page breaks (form feed from pdftotext), vertical tab and Unicode line separators.
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")


def join_broken_paragraphs(blocks: list[Block]) -> list[Block]:
    """Re-join paragraphs a page break cut in two (text exported page by page).

    A paragraph or list item that stops without closing punctuation, followed by a paragraph
    that starts in lower case, is one sentence cut apart: "… is essential for" + "them to …".
    """
    out: list[Block] = []
    for block in blocks:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.kind in ("paragraph", "list_item")
            and block.kind == "paragraph"
            and prev.text[-1:] not in _CLOSING
            and block.text[:1].islower()
        ):
            shift = len(prev.text) + 1
            out[-1] = Block(
                kind=prev.kind,
                text=f"{prev.text} {block.text}",
                page_start=prev.page_start,
                page_end=block.page_end or block.page_start or prev.page_end,
                markers=prev.markers
                + tuple(Marker(m.offset + shift, m.number) for m in block.markers),
            )
        else:
            out.append(block)
    return out


_CLOSING = frozenset(".!?:;")


# --- the reader ----------------------------------------------------------------------------

@dataclass
class _Draft:
    """A block being assembled from source lines."""

    kind: BlockKind
    lines: list[str] = field(default_factory=list)
    level: int | None = None  # Markdown heading level (`#` = 1, setext `===` = 1, `---` = 2)


@dataclass(frozen=True)
class _Definition:
    label: str
    text: str
    line: int


@dataclass
class TextReader:
    """`DocumentReader` for `.txt` / `.md` / `.markdown` files."""

    max_bytes: int = MAX_TEXT_BYTES

    def read(self, path: Path) -> ParsedDocument:
        data = read_limited(path, self.max_bytes)
        if not data.strip():
            raise DocumentError(path, "empty file")
        text, warnings = decode_text(data, path)
        return self.parse(text, path, warnings)

    def parse(
        self, text: str, path: Path | str = "<text>", warnings: tuple[str, ...] = ()
    ) -> ParsedDocument:
        """Parse already-decoded text (also used by tests and in-memory callers)."""
        text = strip_controls(_LINE_BREAKS.sub("\n", text))
        if not text.strip():
            raise DocumentError(path, "empty file (no visible text)")
        notes: list[str] = list(warnings)
        body_lines, definitions = _split_definitions(text.split("\n"))
        drafts = _group(body_lines)
        numbering = _number_labels(definitions, body_lines, notes, path)
        defined = frozenset(numbering[d.label] for d in definitions)

        blocks: list[Block] = []
        seen_body = False
        title_parts: list[str] = []  # title lines before the first body block
        h1: str | None = None
        for draft in drafts:
            block = _make_block(draft, numbering, defined, seen_body, notes, path)
            if block is None:
                continue
            if block.kind == "heading":
                if draft.level == 1 and h1 is None:
                    h1 = block.text
                if not seen_body and not block.text.endswith(":"):
                    title_parts.append(block.text)
            else:
                seen_body = True
            blocks.append(block)

        footnotes = _footnotes(definitions, numbering, notes, path)
        blocks = join_broken_paragraphs(blocks)
        title = h1 or " — ".join(title_parts[:2]) or Path(str(path)).stem
        return ParsedDocument(
            title=title,
            page_count=1,
            blocks=tuple(blocks),
            footnotes=footnotes,
            page_labels=(),
            warnings=tuple(notes),
        )


def _split_definitions(lines: list[str]) -> tuple[list[str], list[_Definition]]:
    """Take footnote definitions out of the body; their lines become blank lines."""
    body: list[str] = []
    definitions: list[_Definition] = []
    current: list[str] | None = None
    label = ""
    start = 0
    in_fence = False

    def close() -> None:
        nonlocal current
        if current is not None:
            definitions.append(_Definition(label, " ".join(current), start))
        current = None

    # Numbers that body markers announce: only those make a closing "Notes" list endnotes.
    announced = {str(from_superscript(m)) for line in lines for m in _SUPER_MARKER.findall(line)
                 if not _SUPER_DEF.match(line)}
    in_endnotes = False
    for number, line in enumerate(lines, start=1):
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = _ATX.match(line)
        if not in_fence and (heading or (line.strip() and current is None)):
            title = heading.group(2) if heading else line
            in_endnotes = is_endnote_heading(title) or (in_endnotes and not heading
                                                       and bool(_ENDNOTE_ENTRY.match(line)))
        match = None if in_fence else (_SUPER_DEF.match(line) or _MD_DEF.match(line))
        entry = _ENDNOTE_ENTRY.match(line) if in_endnotes and not in_fence else None
        if entry and (entry.group(1) or entry.group(2)) in announced:
            close()
            label, current, start = entry.group(1) or entry.group(2), [entry.group(3)], number
            body.append("")
        elif match:
            close()
            label = match.group(1)
            if label[0] in SUPERSCRIPTS:
                label = str(from_superscript(label))
            current, start = [match.group(2)], number
            body.append("")
        elif current is not None and line.strip() and not _ATX.match(line):
            current.append(line.strip())
            body.append("")
        else:
            close()
            body.append(line)
    close()
    return body, definitions


def _group(lines: list[str]) -> list[_Draft]:
    """Blank-line separated paragraphs, one block per list item, headings on their own."""
    drafts: list[_Draft] = []
    current: _Draft | None = None
    in_fence = False

    def flush() -> None:
        nonlocal current
        if current is not None and any(line.strip() for line in current.lines):
            drafts.append(current)
        current = None

    for line in lines:
        if _FENCE.match(line):
            flush()
            in_fence = not in_fence
            continue
        if in_fence:
            if current is None:
                current = _Draft("paragraph")
            current.lines.append(line)
            continue
        if not line.strip():
            flush()
            continue
        atx = _ATX.match(line)
        if atx:
            flush()
            drafts.append(_Draft("heading", [atx.group(2)], level=len(atx.group(1))))
            continue
        setext = _SETEXT.match(line)
        if setext and current is not None and current.kind == "paragraph" and (
            len(current.lines) == 1
        ):
            current.kind = "heading"
            current.level = 1 if setext.group(1).startswith("=") else 2
            flush()
            continue
        if _RULE.match(line):
            flush()
            continue
        item = _ITEM.match(line)
        if item:
            flush()
            current = _Draft("list_item", [item.group(1)])
            continue
        if current is None:
            current = _Draft("paragraph")
        current.lines.append(line)
    flush()
    return drafts


def _number_labels(
    definitions: list[_Definition], body: list[str], notes: list[str], path: Path | str
) -> dict[str, int]:
    """Footnote label → the number users see (see module docstring)."""
    referenced: list[str] = []
    for line in body:
        for match in _MD_REF.finditer(line):
            if match.group(1) not in referenced:
                referenced.append(match.group(1))
    labels = [d.label for d in definitions]
    everything = referenced + [label for label in labels if label not in referenced]
    if all(label.isdigit() for label in everything):
        return {label: int(label) for label in everything}
    notes.append(f"{path}: non-numeric footnote labels; footnotes numbered by first reference")
    return {label: index for index, label in enumerate(everything, start=1)}


def _make_block(
    draft: _Draft,
    numbering: dict[str, int],
    defined: frozenset[int],
    seen_body: bool,
    notes: list[str],
    path: Path | str,
) -> Block | None:
    kind = draft.kind
    raw = " ".join(line.strip() for line in draft.lines)
    plain = strip_markdown(raw)
    builder = TextBuilder()
    last = 0
    for match in re.finditer(rf"{_MD_REF.pattern}|{_SUPER_RUN.pattern}", plain):
        token = match.group(0)
        if token.startswith("[^"):
            number = numbering[match.group(1)]  # every referenced label was numbered
            if number not in defined:
                notes.append(f"{path}: footnote reference {token} has no definition")
        else:
            number = from_superscript(token)
            if number not in defined:
                # Without a definition it is likely an exponent ("km²"): leave it in the text.
                notes.append(f"{path}: superscript {token} has no footnote definition; kept")
                continue
        builder.add(plain[last : match.start()])
        builder.mark(number)
        last = match.end()
    builder.add(plain[last:])
    text = builder.text()
    if not text:
        return None
    if kind == "paragraph" and len(draft.lines) == 1:
        if is_caption(text):
            kind = "caption"
        elif is_colon_heading(text) or (not seen_body and _is_title_line(text)):
            kind = "heading"
    elif kind == "paragraph" and is_caption(text):
        kind = "caption"
    return Block(kind=kind, text=text, markers=builder.markers)


def _is_title_line(text: str) -> bool:
    """A short line without closing punctuation before any body text: a title line."""
    return (
        len(text) <= 120
        and len(text.split()) <= 16
        and text[-1] not in ".,;!?"
        and "://" not in text
    )


def _footnotes(
    definitions: list[_Definition],
    numbering: dict[str, int],
    notes: list[str],
    path: Path | str,
) -> tuple[RawFootnote, ...]:
    found: dict[int, RawFootnote] = {}
    for definition in definitions:
        number = numbering[definition.label]
        text = normalise_space(strip_markdown(definition.text))
        if number in found:
            notes.append(
                f"{path}:{definition.line}: footnote {number} defined twice; first one kept"
            )
            continue
        found[number] = RawFootnote(number=number, text=text)
    return tuple(found[n] for n in sorted(found))
