"""Citation lookup: "footnote 5", "[5]", "fn 5", "note 5", and "source of the 60% figure".

`parse_lookup(query)` recognises the two kinds of lookup question; `lookup_footnote` gathers
everything about one footnote (verbatim text, reference entry, URL, cited pages, the brief
passages that carry its marker, the source passages on the cited page) into a
`CitationLookup`; `figure_passages` finds the passages that state a figure and the footnote
that backs each of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from assistant.records import CitationLookup, Hit
from assistant.text.numbers import Quantity, extract
from assistant.text.sentences import SentenceScorer, sentence_spans
from assistant.text.stems import content_stems
from index.errors import QueryError
from ingest.records import Chunk, Document, Footnote, Reference, Source, superscript

MakeHit = Callable[[Chunk, float, int], Hit]

_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
# "footnote 5", "what is footnote 5?", "fn. 5", "note #5", "what does note 4 cite?"
_FOOTNOTE = re.compile(
    r"\b(?:foot-?notes?|fn|ftn|notes?)\.?\s*(?:no\.?|number|#)?\s*(?P<n>\d{1,4})\b",
    re.IGNORECASE,
)
_BRACKETED = re.compile(r"^\s*[\[(](?P<n>\d{1,4})[\])]\s*\??\s*$")
_BARE_SUPERSCRIPT = re.compile(r"^\s*(?P<n>[⁰¹²³⁴⁵⁶⁷⁸⁹]+)\s*\??\s*$")
# Words asking where something comes from.
_SOURCE_CUE = re.compile(
    r"\b(?:sources?|come[s]? from|came from|cited?|citations?|references?|based on|origin|"
    r"who (?:says|said|reports?|found)|according to whom|where (?:is|was|does|did))\b",
    re.IGNORECASE,
)
MAX_LOOKUP_WORDS = 14  # longer questions that mention "note 3" are questions, not lookups


@dataclass(frozen=True)
class FootnoteQuery:
    number: int


@dataclass(frozen=True)
class FigureQuery:
    quantity: Quantity
    words: tuple[str, ...]  # content stems of the rest of the question (what the figure is of)


def asks_about_sources(query: str) -> bool:
    """Whether the question is about what the brief cites ("does the brief cite …?")."""
    return _SOURCE_CUE.search(query) is not None


def parse_lookup(query: str) -> FootnoteQuery | FigureQuery | None:
    """The lookup a query asks for, or None for an ordinary question."""
    text = " ".join(query.split())
    if not text or len(text.split()) > MAX_LOOKUP_WORDS:
        return None
    for pattern in (_BRACKETED, _BARE_SUPERSCRIPT, _FOOTNOTE):
        m = pattern.search(text)
        if m:
            return FootnoteQuery(int(m.group("n").translate(_SUPERSCRIPT)))
    if asks_about_sources(text):
        figures = [q for q in extract(text) if q.kind in ("percent", "count", "money", "year")]
        if figures:
            figure = figures[0]
            rest = text[: figure.start] + " " + text[figure.end :]
            generic = {"sourc", "figur", "statist", "number", "come", "cite", "citat", "data"}
            stems = tuple(s for s in content_stems(rest) if s not in generic)
            return FigureQuery(figure, stems)
    return None


# ------------------------------------------------------------------ cited pages


class CorpusView(Protocol):
    """What the trail needs from an index (`index.store.SearchIndex` provides it)."""

    chunks: tuple[Chunk, ...]
    sources: tuple[Source, ...]

    def footnote(self, brief: str, number: int) -> Footnote | None: ...


def page_matches(chunk: Chunk, pages: Sequence[str]) -> bool:
    """Does the chunk lie on one of the printed `pages`? Numeric spans are expanded."""
    if not pages:
        return True
    if chunk.page_start is None:
        return False
    start, end = chunk.page_start, chunk.page_end or chunk.page_start
    for page in pages:
        if page in (start, end):
            return True
        numeric = page.isdigit() and start.isdigit() and end.isdigit()
        if numeric and int(start) <= int(page) <= int(end):
            return True
    return False


def source_chunks(
    index: CorpusView, brief: str, number: int
) -> tuple[tuple[Chunk, ...], Source | None]:
    """Chunks of the indexed source that footnote `number` of `brief` cites, restricted to its
    cited pages.

    A source without page labels (a web page) is taken whole. Returns `((), source)` when the
    source is known but not indexed, `((), None)` when no source is linked to the footnote.
    """
    note = index.footnote(brief, number)
    if note is None:
        return (), None
    linked: Source | None = None
    for source in index.sources:
        entries = [
            e for e in source.cited_by if e.footnote == number and e.document_id == brief
        ]
        if not entries:
            continue
        linked = linked or source
        if not source.document_id:
            continue
        pages = tuple(p for e in entries for p in e.pages) or note.pages
        in_document = [c for c in index.chunks if c.document_id == source.document_id]
        paged = any(c.page_start is not None for c in in_document)
        chosen = [c for c in in_document if page_matches(c, pages)] if paged else in_document
        if chosen:
            return tuple(chosen), source
        linked = source
    return (), linked



# ------------------------------------------------------------------ footnotes


class CorpusIndex(Protocol):
    """What lookups need from an index (`index.store.SearchIndex` provides it)."""

    chunks: tuple[Chunk, ...]
    footnotes: tuple[Footnote, ...]
    sources: tuple[Source, ...]

    def footnote(self, brief: str, number: int) -> Footnote | None: ...

    def reference(self, brief: str, index: int) -> Reference | None: ...

    def document(self, document_id: str) -> Document: ...

    def require_brief(self, brief: str) -> Document: ...


def _ranges(numbers: Sequence[int]) -> str:
    """[1, 2, 3, 5] → "1–3, 5"."""
    parts: list[str] = []
    ordered = sorted(set(numbers))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}–{ordered[j]}")
        i = j + 1
    return ", ".join(parts)


def require_footnotes(
    index: CorpusIndex, number: int, brief: str | None = None
) -> tuple[Footnote, ...]:
    """Footnote `number` of `brief`, or of every brief that has one (in index order).
    `QueryError` naming the footnotes there are when none has it."""
    if brief is not None:
        index.require_brief(brief)
    notes = tuple(
        f for f in index.footnotes if f.number == number and brief in (None, f.document_id)
    )
    if notes:
        return notes
    scope = [f for f in index.footnotes if brief in (None, f.document_id)]
    briefs = {f.document_id for f in scope}
    owner = f"brief {brief!r}" if brief else ("the briefs" if len(briefs) > 1 else "the brief")
    known = [f.number for f in scope]
    have = f"{owner} {'have' if owner == 'the briefs' else 'has'} footnotes {_ranges(known)}"
    raise QueryError(f"footnote {number} does not exist; " + (have if known else f"{owner}: none"))


def copyable_citation(note: Footnote) -> str:
    """The footnote exactly as printed, superscript first.

    Never completed from the reference entry (even when a short footnote lacks the URL its
    entry has): a string the brief does not print would be an invented citation. The entry is
    shown beside it, verbatim, instead (`CitationLookup.reference`).
    """
    return f"{superscript(note.number)} {note.text}"


def lookup_footnotes(
    number: int,
    index: CorpusIndex,
    make_hit: MakeHit,
    scorer: SentenceScorer | None = None,
    brief: str | None = None,
    max_source_passages: int = 3,
) -> tuple[CitationLookup, ...]:
    """Everything about footnote `number` of `brief`, or of each brief that has one.
    `QueryError` when none has it (or `brief` is not a loaded brief)."""
    return tuple(
        lookup_footnote(note, index, make_hit, scorer, max_source_passages)
        for note in require_footnotes(index, number, brief)
    )


def lookup_footnote(
    note: Footnote,
    index: CorpusIndex,
    make_hit: MakeHit,
    scorer: SentenceScorer | None = None,
    max_source_passages: int = 3,
) -> CitationLookup:
    """Everything about one footnote of one brief."""
    number, owner = note.number, note.document_id
    reference = index.reference(owner, note.reference) if note.reference is not None else None
    brief = [c for c in index.chunks if c.document_id == owner and number in c.footnotes]
    brief_hits = tuple(_marker_hit(make_hit, c, number, rank) for rank, c in
                       enumerate(brief, start=1))
    candidates, source = source_chunks(index, owner, number)
    source_hits: tuple[Hit, ...] = ()
    if candidates:
        source_hits = _rank_source_passages(brief, number, candidates, scorer, make_hit,
                                            max_source_passages)
    url = note.urls[0] if note.urls else (reference.url if reference is not None else None)
    status: str | None = None
    if source is not None:
        status = "indexed" if source.document_id else source.status
        if not source.document_id and source.reason:
            status = f"{source.status}: {source.reason}"
    return CitationLookup(
        number=number,
        brief_id=owner,
        brief_title=index.document(owner).title if owner else "",
        text=note.text,
        citation=copyable_citation(note),
        url=url,
        pages=note.pages,
        reference=reference.text if reference is not None else None,
        reference_index=reference.index if reference is not None else None,
        brief_passages=brief_hits,
        source_passages=source_hits,
        source_title=source.title if source is not None else None,
        source_status=status,
    )


def _marker_hit(make_hit: MakeHit, chunk: Chunk, number: int, rank: int) -> Hit:
    """The brief passage with the sentence that carries the marker highlighted."""
    hit = make_hit(chunk, 1.0, rank)
    spans = sentence_spans(chunk.text)
    offsets = [m.offset for m in chunk.markers if m.number == number]
    marked = [s for s in spans if any(s[0] < o <= s[1] for o in offsets)]
    return Hit(
        rank=hit.rank,
        score=hit.score,
        chunk=hit.chunk,
        document=hit.document,
        citations=hit.citations,
        highlights=tuple(marked),
    )


def _rank_source_passages(
    brief: Sequence[Chunk],
    number: int,
    candidates: Sequence[Chunk],
    scorer: SentenceScorer | None,
    make_hit: MakeHit,
    limit: int,
) -> tuple[Hit, ...]:
    """Source passages on the cited page, most similar to what the brief says first."""
    if scorer is None or not brief:
        return tuple(make_hit(c, 0.0, rank) for rank, c in enumerate(candidates[:limit], 1))
    claim = " ".join(_marked_sentences(c, number) for c in brief)
    scored = scorer.score(claim, list(candidates))
    ranked = sorted(
        (
            (max(s.score for s in sentences), chunk, max(sentences, key=lambda s: s.score))
            for chunk, sentences in zip(candidates, scored, strict=True)
            if sentences
        ),
        key=lambda item: item[0],
        reverse=True,
    )
    out = []
    for rank, (score, chunk, sentence) in enumerate(ranked[:limit], start=1):
        hit = make_hit(chunk, score, rank)
        out.append(
            Hit(hit.rank, hit.score, hit.chunk, hit.document, hit.citations, (sentence.span,))
        )
    return tuple(out)


def _marked_sentences(chunk: Chunk, number: int) -> str:
    spans = sentence_spans(chunk.text)
    offsets = [m.offset for m in chunk.markers if m.number == number]
    marked = [chunk.text[s:e] for s, e in spans if any(s < o <= e for o in offsets)]
    return " ".join(marked) or chunk.text


# ------------------------------------------------------------------ figures


@dataclass(frozen=True)
class FigurePassage:
    chunk: Chunk
    quantity: Quantity  # where the figure is, in chunk.text
    sentence: tuple[int, int]  # the sentence that states it
    footnote: int | None  # the footnote backing it: the next marker in its paragraph
    score: float  # how well the passage matches the rest of the question


class FigureFinder:
    """Finds passages stating a figure. Figures of each chunk are extracted once, lazily."""

    def __init__(self, chunks: Sequence[Chunk], documents: Callable[[str], Document]) -> None:
        self._chunks = tuple(chunks)
        self._document = documents
        self._figures: dict[str, tuple[Quantity, ...]] = {}

    def figures(self, chunk: Chunk) -> tuple[Quantity, ...]:
        found = self._figures.get(chunk.id)
        if found is None:
            found = extract(chunk.text)
            self._figures[chunk.id] = found
        return found

    def find(
        self, query: FigureQuery, limit: int = 5, allowed: Iterable[int] | None = None
    ) -> list[FigurePassage]:
        """Passages stating the same figure, brief first, best matching the question first.

        Sources are searched only when the brief itself never states the figure. `allowed`:
        the chunk rows that may be searched (a scope); None = all.
        """
        out: list[FigurePassage] = []
        rows = set(int(r) for r in allowed) if allowed is not None else None
        for kind in ("brief", "source"):
            for row, chunk in enumerate(self._chunks):
                if rows is not None and row not in rows:
                    continue
                if self._document(chunk.document_id).kind != kind:
                    continue
                for q in self.figures(chunk):
                    if q.kind != query.quantity.kind or not q.same_figure(query.quantity):
                        continue
                    out.append(self._passage(chunk, q, query))
            if out:
                break
        out.sort(key=lambda p: p.score, reverse=True)
        unique: dict[str, FigurePassage] = {}
        for passage in out:
            unique.setdefault(passage.chunk.id, passage)
        return list(unique.values())[:limit]

    def _passage(self, chunk: Chunk, q: Quantity, query: FigureQuery) -> FigurePassage:
        spans = sentence_spans(chunk.text)
        sentence = next((s for s in spans if s[0] <= q.start < s[1]), (0, len(chunk.text)))
        following = sorted(
            (m for m in chunk.markers if m.offset >= q.end), key=lambda m: m.offset
        )
        footnote = following[0].number if following else None
        words = set(content_stems(chunk.text[sentence[0] : sentence[1]]))
        wanted = set(query.words)
        match = len(wanted & words) / len(wanted) if wanted else 0.0
        group_bonus = 0.5 if query.quantity.group and q.group == query.quantity.group else 0.0
        return FigurePassage(chunk, q, sentence, footnote, match + group_bonus)
