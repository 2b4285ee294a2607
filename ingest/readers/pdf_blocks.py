"""PDF blocks: lines become headings, list items, captions and paragraphs; blocks cut by a
page or column break continue; the document title."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ingest.readers.common import (
    is_caption,
    is_colon_heading,
    is_contents_heading,
    strip_controls,
)
from ingest.readers.pdf_joining import _URL_TAIL, _opens_item
from ingest.readers.pdf_layout import _LayoutBase
from ingest.readers.pdf_lines import _SPACES, _Line, _terminated
from ingest.readers.pdf_markers import Accept, _clean_with_markers, _render
from ingest.records import Block, BlockKind, Marker

_GLYPH_BULLET = re.compile(r"^[•●▪◦‣∙·○■□►▶➢➤✓✔❖◆◇\ue000-\uf8ff]\s*")

_DASH_BULLET = re.compile(r"^[-–—*]\s+")

_ENUMERATOR = re.compile(r"^(?:\(?\d{1,3}[.)]|\(?[a-z][.)]|\([ivx]{1,5}\)|[ivx]{1,5}\))\s+")

# Captions without punctuation after the number ("Table 2 Regional totals") when styled apart.
_LOOSE_CAPTION = re.compile(
    r"^(?:\[[^\]]{1,20}\]\s*)?(?:figure|fig\.|table|chart|graph|map|box|exhibit)\s*\d+[a-z]?\s",
    re.IGNORECASE,
)

# A timeline entry: a date, a dash, the event ("2014 – Premier Li…", "July 18 - Civil war…").
_DATED_ITEM = re.compile(r"(?:\d{4}s?|[A-Z][a-z]{2,8}\.? \d{1,2}(?:, \d{4})?)\s*[–—-]\s")

# A table of contents entry: a title and the page it starts on ("History 6", "Law .... 162",
# "Preface  iv", "Overview 2-5").
_CONTENTS_ENTRY = re.compile(r"(?:^|\.{2,}|…|\s)\s*(?:\d{1,4}|[ivxlc]{1,7})(?:\s*[-–]\s*\d{1,4})?$")

_MEANINGLESS_TITLE = re.compile(
    r"^(?:untitled|title|document\d*|presentation\d*|slide \d+|microsoft word\b.*|"
    r"powerpoint presentation|.*\.(?:docx?|pdf|odt|rtf|indd|tex|dvi|ps|pptx?|xlsx?))$",
    re.IGNORECASE,
)



@dataclass
class _BlockDraft:
    kind: BlockKind
    size: float
    bold: bool
    italic: bool
    first_page: int
    last_page: int
    item_x: float  # x of the first line (bullet position for list items)
    text_x: float | None = None  # list items: where the text after the bullet starts
    lines: list[_Line] = field(default_factory=list)
    texts: list[tuple[str, tuple[Marker, ...]]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(t for t, _ in self.texts)

    @property
    def last_text(self) -> str:
        return self.texts[-1][0] if self.texts else ""



def _item_text_x(line: _Line) -> float | None:
    """Where a list item's text starts, when the bullet/enumerator is a run of its own."""
    runs = [r for r in line.runs if r.text.strip()]
    if len(runs) >= 2:
        head = runs[0].text.strip()
        if _GLYPH_BULLET.fullmatch(head) or re.fullmatch(r"\(?\w{1,3}[.)]|[-–—*]", head):
            return runs[1].x
    return None



def _in_item(block: _BlockDraft, line: _Line) -> bool:
    """Is `line` indented like a continuation of list item `block` (hanging indent)?"""
    tolerance = 0.5 * line.size
    if block.text_x is not None:
        if abs(line.x0 - block.text_x) <= tolerance:
            return True
        # Word's hanging indent: after a number wider than the indent, a tab takes the text
        # past it, while the wrapped lines of an unfinished item start at the indent.
        return (block.item_x + tolerance < line.x0 < block.text_x
                and not _terminated(block.last_text))
    return line.x0 > block.item_x + tolerance



def _cont_x(block: _BlockDraft) -> float:
    return block.lines[1].x0 if len(block.lines) > 1 else block.lines[0].x0



def _strip_bullet(text: str, markers: tuple[Marker, ...]) -> tuple[str, tuple[Marker, ...]]:
    match = _GLYPH_BULLET.match(text) or _ENUMERATOR.match(text) or _DASH_BULLET.match(text)
    if not match:
        return text, markers
    cut = match.end()
    return text[cut:], tuple(Marker(max(m.offset - cut, 0), m.number) for m in markers)



def _body_line(text: str) -> bool:
    """A line of running text, no contents entry nor group label: the contents have ended."""
    words = len(text.split())
    return not _CONTENTS_ENTRY.search(text) and (
        words > 10 or (words >= 5 and text.rstrip().endswith((".", "!"))))



def _merge_open_sentences(drafts: list[_BlockDraft]) -> list[_BlockDraft]:
    """A lower-case paragraph after a caption/figure continues the sentence left open before."""
    out: list[_BlockDraft] = []
    for draft in drafts:
        first = draft.texts[0][0] if draft.texts else ""
        merged = False
        if draft.kind == "paragraph" and first[:1].islower():
            for k in range(len(out) - 1, max(len(out) - 3, -1), -1):
                target = out[k]
                if target.kind == "caption":
                    continue
                if (
                    target.kind in ("paragraph", "list_item")
                    and not _terminated(target.last_text)
                    # "https://…" under "https://…": the next link, not the rest of a sentence
                    and not (_URL_TAIL.search(target.last_text) and _opens_item(first))
                    and abs(target.size - draft.size) <= 0.6
                ):
                    target.lines.extend(draft.lines)
                    target.texts.extend(draft.texts)
                    target.last_page = max(target.last_page, draft.last_page)
                    merged = True
                break
        if not merged:
            out.append(draft)
    return out


class _BlocksStage(_LayoutBase):
    """Lines into blocks; the title."""

    def _blocks(self, accept: Accept) -> list[Block]:
        drafts: list[_BlockDraft] = []
        current: _BlockDraft | None = None
        previous: _Line | None = None
        contents = False  # on a table of contents: its entries are no headings
        for page in self.pages:
            for line in page.lines:
                text, markers = _render(line.segs, accept)
                if not text:
                    continue
                if previous is not None and previous.page != line.page:
                    contents = contents and bool(_CONTENTS_ENTRY.search(text))
                contents = is_contents_heading(text) or (contents and not _body_line(text))
                if contents and _CONTENTS_ENTRY.search(text) and not is_contents_heading(text):
                    # One entry a paragraph: "History 6" is not the heading of what follows.
                    start: BlockKind | None = self._contents_entry(current, line)
                else:
                    start = self._starts_block(current, previous, line, text)
                    if contents and start is None and current is not None and (
                        _CONTENTS_ENTRY.search(current.last_text)
                    ):
                        start = "paragraph"  # the entry before ended with its page number
                if start is None and current is not None:
                    current.lines.append(line)
                    current.texts.append((text, markers))
                    current.last_page = line.page
                else:
                    kind = start or "paragraph"
                    if kind == "list_item":
                        text, markers = _strip_bullet(text, markers)
                    current = _BlockDraft(
                        kind=kind, size=line.size, bold=line.bold, italic=line.italic,
                        first_page=line.page, last_page=line.page, item_x=line.x0,
                        text_x=_item_text_x(line) if kind == "list_item" else None,
                        lines=[line], texts=[(text, markers)],
                    )
                    drafts.append(current)
                previous = line
        drafts = _merge_open_sentences(drafts)
        blocks = [self._finish(d) for d in drafts]
        return [b for b in blocks if b.text]

    def _style(self, line: _Line, text: str) -> str:
        """'heading', 'caption' or 'body' for a single line."""
        words = len(text.split())
        if is_caption(text) or (
            _LOOSE_CAPTION.match(text) and (line.italic or line.bold or
                                            abs(line.size - self.body_size) > 0.5)
        ):
            return "caption"
        if words == 0 or words > 20 or len(text) > 160:
            return "body"
        if _GLYPH_BULLET.match(text):
            return "body"
        larger = line.size >= 1.12 * self.body_size
        bolder = line.bold and not self.body_bold
        if larger or (bolder and line.size >= 0.95 * self.body_size and words <= 15):
            return "heading"
        return "body"

    def _starts_block(
        self, block: _BlockDraft | None, prev: _Line | None, line: _Line, text: str
    ) -> BlockKind | None:
        """The kind of block `line` starts, or None when it continues `block`."""
        style = self._style(line, text)
        bullet = bool(_GLYPH_BULLET.match(text))
        enumerated = bool(_ENUMERATOR.match(text) or _DASH_BULLET.match(text))
        fresh: BlockKind = (
            "caption" if style == "caption"
            else "heading" if style == "heading"
            else "list_item" if bullet or enumerated
            else "paragraph"
        )
        if block is None or prev is None:
            return fresh
        if bullet or style == "caption":
            return fresh
        if _URL_TAIL.search(block.last_text) and _opens_item(text):
            return fresh  # "UNICEF: https://…" then "WHO: https://…": one source a line
        same_size = abs(line.size - block.size) <= 0.6
        if block.kind == "heading":
            heading_continues = (
                style == "heading" and same_size and line.bold == block.bold
                and len(block.lines) < 3 and not _terminated(block.last_text)
                and prev.page == line.page
                and 0 < prev.baseline - line.baseline <= 1.35 * self.line_gap(line.size)
            )
            return None if heading_continues else fresh
        if style == "heading":
            return fresh
        if not same_size or (block.kind == "caption" and line.italic != block.italic):
            return fresh
        flow_break = prev.page != line.page
        if not flow_break:
            gap = prev.baseline - line.baseline
            size = line.size
            if gap <= -0.5 * size or gap > 3 * self.line_gap(size) or (
                abs(gap) < 0.5 * size and line.x0 > prev.x0 + 2 * size
            ):
                flow_break = True  # moved up or sideways: the next column
            elif gap > 1.3 * self.line_gap(size):
                return fresh
        if flow_break:
            return None if self._continues_across(block, line, text, fresh) else fresh
        size = line.size
        if block.kind == "list_item":
            if not _in_item(block, line):
                return fresh
        elif enumerated and len(block.lines) >= 2 and line.x0 < _cont_x(block) - 0.5 * size:
            return "list_item"
        if block.kind == "paragraph":
            if line.x0 > prev.x0 + 0.8 * size:
                return fresh  # first-line indent
            if len(block.lines) >= 2 and line.x0 < _cont_x(block) - 0.8 * size:
                return fresh
        if self._short_last_line(prev, block) and re.match(r"[\"'“‘(\[]?[A-Z0-9]", text):
            return fresh
        return None

    def _contents_entry(self, block: _BlockDraft | None, line: _Line) -> BlockKind | None:
        """A contents entry starts a paragraph, unless it ends one wrapped over two lines
        ("I. INTERNATIONAL INVESTMENT LAW:" + "LEGAL BACKGROUND ....... 160")."""
        if (
            block is None or block.kind != "paragraph" or _CONTENTS_ENTRY.search(block.last_text)
            or block.last_page != line.page or abs(line.size - block.size) > 0.6
        ):
            return "paragraph"
        return None

    def _continues_across(
        self, block: _BlockDraft, line: _Line, text: str, fresh: BlockKind
    ) -> bool:
        """Across a page or column break: does `line` carry on the open block?"""
        if block.kind not in ("paragraph", "list_item") or fresh != "paragraph":
            return False
        if abs(line.size - block.size) > 0.6:
            return False
        if block.kind == "list_item" and not _in_item(block, line):
            return False
        if _DATED_ITEM.match(text):
            return False  # the next entry of a timeline drawn box by box ("2014 – Premier…")
        return not _terminated(block.last_text) or text[:1].islower()

    def _short_last_line(self, prev: _Line, block: _BlockDraft) -> bool:
        # Not for list items: a line cut short before a long URL is common in them, and the
        # next item announces itself with its bullet anyway.
        if block.kind != "paragraph":
            return False
        typical = self.typical_length.get(round(prev.size * 2) / 2, 0)
        return bool(typical) and len(prev.raw) < 0.7 * typical and _terminated(prev.raw)

    def _finish(self, draft: _BlockDraft) -> Block:
        text_so_far = ""
        markers: list[Marker] = []
        previous: _Line | None = None
        for line, (part, part_markers) in zip(draft.lines, draft.texts, strict=True):
            if text_so_far:
                full = previous is not None and self._full_url_line(previous)
                left, sep = self.joiner.join(text_so_far, part, full)
                if len(left) < len(text_so_far):
                    markers = [Marker(min(m.offset, len(left)), m.number) for m in markers]
                text_so_far = left + sep
            base = len(text_so_far)
            markers.extend(Marker(base + m.offset, m.number) for m in part_markers)
            text_so_far += part
            previous = line
        cleaned, markers = _clean_with_markers(text_so_far, markers)
        kind = draft.kind
        if kind == "heading" and len(draft.lines) > 3:
            kind = "paragraph"
        if kind == "paragraph" and len(draft.lines) == 1 and is_colon_heading(cleaned, 6):
            kind = "heading"
        return Block(
            kind=kind,
            text=cleaned,
            page_start=self.labels[draft.first_page],
            page_end=self.labels[draft.last_page],
            markers=tuple(markers),
        )

    def _title(self, blocks: Sequence[Block]) -> str:
        try:
            meta = self.reader.metadata
            raw = meta.title if meta is not None else None
        except Exception:  # broken metadata is common and harmless
            raw = None
        if raw:
            title = _SPACES.sub(" ", strip_controls(str(raw))).strip()
            if len(title) >= 3 and any(c.isalpha() for c in title) and not (
                _MEANINGLESS_TITLE.match(title)
            ):
                return title
        top: list[tuple[float, str]] = []
        label = self.labels[0] if self.labels else None
        for page in self.pages[:2]:
            # The largest headings at the top of the first page; the next page's when the first
            # opens with a table of contents ("TABLE OF CONTENTS — Topic A" is no title).
            label = self.labels[page.index] if self.labels else None
            ordered = sorted(page.lines, key=lambda ln: -ln.baseline)
            for line in ordered:
                if self._style(line, line.raw) != "heading" or is_contents_heading(line.raw):
                    break
                top.append((line.size, line.raw))
            if top or not any(is_contents_heading(ln.raw) for ln in ordered[:3]):
                break
        if top:
            largest = max(size for size, _ in top)
            heads = [b.text for b in blocks if b.kind == "heading" and b.page_start == label]
            chosen = [t for size, t in top if size >= largest - 0.5]
            titles = [h for h in heads if any(c in h for c in chosen)]
            if titles:
                return " — ".join(titles[:2])
        return self.path.stem
