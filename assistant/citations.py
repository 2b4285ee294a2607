"""Citations for a retrieved chunk, attached from provenance only (never inferred from text).

- A brief chunk cites the footnotes whose markers it contains, verbatim.
- A source chunk cites the footnotes that point at its page (page-exact), else the reference
  list entries that cite the source, else all footnotes that cite the source.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from assistant.records import Citation
from ingest.records import Chunk, Document, Footnote, Reference, Source


class ProvenanceLookup(Protocol):
    """What citations need from an index (`index.store.SearchIndex` provides it)."""

    def document(self, document_id: str) -> Document: ...

    def footnote(self, number: int) -> Footnote | None: ...

    def reference(self, index: int) -> Reference | None: ...

    def source_for_document(self, document_id: str) -> Source | None: ...


def citations_for(chunk: Chunk, index: ProvenanceLookup) -> tuple[Citation, ...]:
    """The citations a reader of the brief would see for `chunk`."""
    if index.document(chunk.document_id).kind == "brief":
        notes = (index.footnote(number) for number in dict.fromkeys(chunk.footnotes))
        return tuple(footnote_citation(note, index) for note in notes if note is not None)
    source = index.source_for_document(chunk.document_id)
    if source is None:
        return ()
    return source_citations(chunk, source, index)


def footnote_citation(
    note: Footnote, index: ProvenanceLookup, page: str | None = None
) -> Citation:
    """A footnote verbatim; its URL, or the URL of the reference it is linked to."""
    url = note.urls[0] if note.urls else None
    if url is None and note.reference is not None:
        linked = index.reference(note.reference)
        url = linked.url if linked is not None else None
    if page is None:
        page = ", ".join(note.pages) or None
    return Citation(number=note.number, text=note.text, url=url, page=page)


def source_citations(
    chunk: Chunk, source: Source, index: ProvenanceLookup
) -> tuple[Citation, ...]:
    pages = chunk_pages(chunk)
    cited: list[Citation] = []
    for entry in source.cited_by:
        if entry.footnote is None:
            continue
        note = index.footnote(entry.footnote)
        if note is None:
            continue
        matching = [page for page in entry.pages or note.pages if page in pages]
        if matching:
            cited.append(footnote_citation(note, index, page=", ".join(matching)))
    if cited:
        return _unique(cited)

    references = [
        ref
        for number in _reference_numbers(source, index)
        if (ref := index.reference(number)) is not None
    ]
    if references:
        return tuple(Citation(None, ref.text, ref.url, None) for ref in references)

    notes = (index.footnote(e.footnote) for e in source.cited_by if e.footnote is not None)
    return _unique(footnote_citation(note, index) for note in notes if note is not None)


def chunk_pages(chunk: Chunk) -> frozenset[str]:
    """Printed page labels a chunk spans; numeric spans are expanded ("42"–"44" → 42, 43, 44)."""
    if chunk.page_start is None:
        return frozenset()
    end = chunk.page_end or chunk.page_start
    if chunk.page_start.isdigit() and end.isdigit() and 0 <= int(end) - int(chunk.page_start) < 50:
        return frozenset(str(n) for n in range(int(chunk.page_start), int(end) + 1))
    return frozenset({chunk.page_start, end})


def _reference_numbers(source: Source, index: ProvenanceLookup) -> list[int]:
    """Reference-list entries citing the source: directly, or through a linked footnote."""
    numbers = [e.reference for e in source.cited_by if e.reference is not None]
    for entry in source.cited_by:
        note = index.footnote(entry.footnote) if entry.footnote is not None else None
        if note is not None and note.reference is not None:
            numbers.append(note.reference)
    return sorted(set(numbers))


def _unique(citations: Iterable[Citation]) -> tuple[Citation, ...]:
    return tuple(dict.fromkeys(citations))
