"""The typed records every stage passes along.

Reader output (`ParsedDocument` of `Block`s) → corpus records (`Document`, `Footnote`,
`Reference`, `Source`, `Chunk`). Retrieval and answer records (`Citation`, `Hit`, ...) live in
`assistant.records` because they depend on the index.

Every record is a frozen dataclass with `to_dict()` / `from_dict()` so the corpus can be written
as plain JSON (never pickle).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, Self

DocumentKind = Literal["brief", "source"]
BlockKind = Literal["heading", "paragraph", "list_item", "caption", "footnote_section"]
FurnitureKind = Literal["header", "footer", "folio"]

SUPERSCRIPT_DIGITS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


# Notes marked by a symbol (a law review's author note "*", an editor's "†") print no number.
# They are numbered from `SYMBOL_NOTE_BASE` on, one number per symbol, so that their identity
# (document, number) never meets a numbered note's and they print back as their symbol.
NOTE_SYMBOLS = ("*", "†", "‡", "§", "¶", "**", "††", "‡‡", "***")
SYMBOL_NOTE_BASE = 1_000_000


def symbol_note_number(symbol: str) -> int | None:
    """`"†"` → the number the note marked `†` is known by; None for anything else."""
    try:
        return SYMBOL_NOTE_BASE + NOTE_SYMBOLS.index(symbol)
    except ValueError:
        return None


def is_symbol_note(number: int) -> bool:
    return SYMBOL_NOTE_BASE <= number < SYMBOL_NOTE_BASE + len(NOTE_SYMBOLS)


def note_label(number: int) -> str:
    """How a footnote is named in a label ("Footnote 5", "Footnote *"): its number, or the
    symbol a symbol note is printed with."""
    return NOTE_SYMBOLS[number - SYMBOL_NOTE_BASE] if is_symbol_note(number) else str(number)


def superscript(number: int) -> str:
    """`5` → `⁵`: how a footnote marker is printed back to users (a symbol note's symbol)."""
    if is_symbol_note(number):
        return NOTE_SYMBOLS[number - SYMBOL_NOTE_BASE]
    return str(number).translate(SUPERSCRIPT_DIGITS)


class _Record:
    """JSON round-trip for frozen dataclasses whose tuple fields hold plain values or records."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        kwargs: dict[str, Any] = {}
        for f in fields(cls):  # type: ignore[arg-type]
            if f.name not in data:
                continue
            value = data[f.name]
            nested = _NESTED.get((cls.__name__, f.name))
            if nested is not None and value is not None:
                value = tuple(nested.from_dict(v) for v in value)
            elif isinstance(value, list):
                value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
            kwargs[f.name] = value
        return cls(**kwargs)


@dataclass(frozen=True)
class Marker(_Record):
    """A footnote marker (a superscript number) at `offset` chars into some text."""

    offset: int
    number: int


@dataclass(frozen=True)
class Block(_Record):
    """One structural unit a reader found: a heading, paragraph, list item or caption.

    `text` is clean: footnote markers are removed from it and recorded in `markers`; page
    numbers, running headers and footnote blocks are gone; a paragraph cut by a page break
    is one block spanning both pages.
    """

    kind: BlockKind
    text: str
    page_start: str | None = None  # the page label printed on the page (e.g. "iii", "42")
    page_end: str | None = None
    markers: tuple[Marker, ...] = ()


@dataclass(frozen=True)
class RawFootnote(_Record):
    """A footnote as the reader found it: its number and its text exactly as printed."""

    number: int
    text: str
    page: str | None = None  # page label of the page the footnote is printed on
    # Hyperlink targets inside the footnote (DOCX/HTML), which the text may not show.
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Furniture(_Record):
    """Text a reader set aside as page furniture rather than body: a running header or
    footer, or a folio (the printed page number). Recorded so that nothing a page prints is
    dropped without a trace (`brief-qa inspect` lists it)."""

    kind: FurnitureKind
    text: str
    page: int | None = None  # 1-based physical page; None where the format has no pages


@dataclass(frozen=True)
class SetAside(_Record):
    """How much page furniture of one kind a reader set aside in one brief: the ingest
    summary says it, so text kept out of the index is never out of sight."""

    document_id: str
    kind: FurnitureKind
    count: int


def set_aside(document_id: str, furniture: Iterable[Furniture]) -> tuple[SetAside, ...]:
    counts = Counter(f.kind for f in furniture)
    return tuple(SetAside(document_id, kind, counts[kind]) for kind in sorted(counts))


@dataclass(frozen=True)
class ParsedDocument:
    """What a `DocumentReader` returns for one file."""

    title: str
    page_count: int
    blocks: tuple[Block, ...]
    footnotes: tuple[RawFootnote, ...] = ()
    # Pages as PDF index → printed label, when the format has pages.
    page_labels: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    furniture: tuple[Furniture, ...] = ()  # headers, footers, folios set aside


@dataclass(frozen=True)
class Document(_Record):
    id: str
    title: str
    kind: DocumentKind
    origin: str  # file path for local documents, URL for fetched sources
    sha256: str
    page_count: int
    url: str | None = None  # public URL users can open (sources); None for local files
    content_type: str | None = None
    # A brief's opening headings as printed (committee, topic), before its first paragraph.
    masthead: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reference(_Record):
    """One entry of the brief's "References" list, `text` verbatim."""

    index: int  # 1-based position in the list
    text: str
    title: str
    organisation: str
    url: str | None = None
    accessed: str | None = None  # access date as printed, e.g. "14/01/2025"
    document_id: str = ""  # the brief whose list it is in


@dataclass(frozen=True)
class Footnote(_Record):
    """A numbered footnote of a brief, `text` exactly as printed.

    Its identity is `(document_id, number)`: with several briefs loaded, each has a footnote 1.
    """

    number: int
    text: str
    urls: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()  # cited pages as printed: "p. 42" → ("42",)
    reference: int | None = None  # `Reference.index` it cites, when one matches
    document_id: str = ""
    printed_on_page: str | None = None


@dataclass(frozen=True)
class Chunk(_Record):
    """A retrievable passage with its full provenance.

    `char_start`/`char_end` index the document's cleaned text (blocks joined by blank lines),
    so `document_text[char_start:char_end] == text`. `markers` are relative to `text`.
    """

    id: str
    document_id: str
    text: str
    section: tuple[str, ...] = ()  # heading path, outermost first
    page_start: str | None = None
    page_end: str | None = None
    char_start: int = 0
    char_end: int = 0
    footnotes: tuple[int, ...] = ()
    markers: tuple[Marker, ...] = ()
    kind: BlockKind = "paragraph"

    @property
    def pages(self) -> str:
        """Printed page span: "4", "4–5" or "" when the document has no pages."""
        if self.page_start is None:
            return ""
        if self.page_end is None or self.page_end == self.page_start:
            return self.page_start
        return f"{self.page_start}–{self.page_end}"

    @property
    def section_path(self) -> str:
        return " › ".join(self.section)

    def text_with_markers(self) -> str:
        """The passage as the brief prints it, with superscript footnote numbers."""
        out, last = [], 0
        for marker in sorted(self.markers, key=lambda m: m.offset):
            out.append(self.text[last : marker.offset])
            out.append(superscript(marker.number))
            last = marker.offset
        out.append(self.text[last:])
        return "".join(out)


@dataclass(frozen=True)
class SourceCitation(_Record):
    """A place where a brief cites a source: a footnote (with pages) or a reference entry.

    `document_id` is the citing brief: `footnote`/`reference` are numbers within it.
    """

    footnote: int | None = None
    reference: int | None = None
    pages: tuple[str, ...] = ()
    document_id: str = ""


@dataclass(frozen=True)
class Source(_Record):
    """A cited web page or PDF, after collection and (maybe) fetching."""

    id: str
    url: str | None
    title: str
    cited_by: tuple[SourceCitation, ...] = ()
    status: str = "pending"  # fetched | cached | mirror | offline | failed | no_url
    reason: str | None = None
    content_type: str | None = None
    document_id: str | None = None
    page_count: int = 0
    chunk_count: int = 0
    final_url: str | None = None


@dataclass(frozen=True)
class Corpus:
    """Everything ingest produced, ready for the index."""

    documents: tuple[Document, ...]
    chunks: tuple[Chunk, ...]
    footnotes: tuple[Footnote, ...] = ()
    references: tuple[Reference, ...] = ()
    sources: tuple[Source, ...] = ()
    document_texts: dict[str, str] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    set_aside: tuple[SetAside, ...] = ()  # page furniture of the briefs (not indexed)


_NESTED: dict[tuple[str, str], type[_Record]] = {
    ("Block", "markers"): Marker,
    ("Chunk", "markers"): Marker,
    ("Source", "cited_by"): SourceCitation,
}
