"""Citations for a retrieved chunk, attached from provenance only (never inferred from text).

A footnote's identity is (brief, number): a brief chunk cites its own brief's footnotes, and a
source chunk the footnotes of the briefs that cite that source, each labelled with its brief.

- A brief chunk cites the footnotes whose markers it contains, verbatim.
- A source chunk cites the footnotes that point at its page (page-exact) and the footnotes
  that cite the source without a page (with their reference entry); else the reference list
  entries that cite the source; else every footnote that cites the source.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from assistant.records import Citation
from ingest.records import Chunk, Document, Footnote, Reference, Source, SourceCitation


class ProvenanceLookup(Protocol):
    """What citations need from an index (`index.store.SearchIndex` provides it)."""

    def document(self, document_id: str) -> Document: ...

    def footnote(self, brief: str, number: int) -> Footnote | None: ...

    def reference(self, brief: str, index: int) -> Reference | None: ...

    def source_for_document(self, document_id: str) -> Source | None: ...


def citations_for(chunk: Chunk, index: ProvenanceLookup) -> tuple[Citation, ...]:
    """The citations a reader of the brief would see for `chunk`."""
    if index.document(chunk.document_id).kind == "brief":
        notes = (index.footnote(chunk.document_id, n) for n in dict.fromkeys(chunk.footnotes))
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
        linked = index.reference(note.document_id, note.reference)
        url = linked.url if linked is not None else None
    if page is None:
        page = ", ".join(note.pages) or None
    return Citation(
        number=note.number, text=note.text, url=url, page=page, **_brief(note.document_id, index)
    )


def reference_citation(ref: Reference, index: ProvenanceLookup) -> Citation:
    return Citation(None, ref.text, ref.url, None, **_brief(ref.document_id, index))


def source_citations(
    chunk: Chunk, source: Source, index: ProvenanceLookup
) -> tuple[Citation, ...]:
    pages = chunk_pages(chunk)
    cited: list[Citation] = []
    pageless: list[Footnote] = []
    for entry, note in _cited_notes(source, index):
        wanted = entry.pages or note.pages
        if not wanted:
            pageless.append(note)
            continue
        matching = [page for page in wanted if page in pages]
        if matching:
            cited.append(footnote_citation(note, index, page=", ".join(matching)))
    # A footnote citing the source as a whole cites every passage of it; its reference entry
    # (when the footnote links one) is shown too, as the brief's reader would find it.
    for note in pageless:
        cited.append(footnote_citation(note, index))
        if note.reference is not None:
            ref = index.reference(note.document_id, note.reference)
            if ref is not None:
                cited.append(reference_citation(ref, index))
    if cited:
        return _unique(cited)

    references = [
        ref
        for brief, number in _reference_numbers(source, index)
        if (ref := index.reference(brief, number)) is not None
    ]
    if references:
        return tuple(reference_citation(ref, index) for ref in references)
    return _unique(footnote_citation(note, index) for _, note in _cited_notes(source, index))


def chunk_pages(chunk: Chunk) -> frozenset[str]:
    """Printed page labels a chunk spans; numeric spans are expanded ("42"–"44" → 42, 43, 44)."""
    if chunk.page_start is None:
        return frozenset()
    end = chunk.page_end or chunk.page_start
    if chunk.page_start.isdigit() and end.isdigit() and 0 <= int(end) - int(chunk.page_start) < 50:
        return frozenset(str(n) for n in range(int(chunk.page_start), int(end) + 1))
    return frozenset({chunk.page_start, end})


def _brief(document_id: str, index: ProvenanceLookup) -> dict[str, str | None]:
    if not document_id:
        return {"brief_id": None, "brief_title": None}
    try:
        title: str | None = index.document(document_id).title
    except KeyError:
        title = None
    return {"brief_id": document_id, "brief_title": title}


def _cited_notes(
    source: Source, index: ProvenanceLookup
) -> list[tuple[SourceCitation, Footnote]]:
    """The footnotes (of whichever brief) that cite `source`, with the entry that says so."""
    out = []
    for entry in source.cited_by:
        if entry.footnote is None:
            continue
        note = index.footnote(entry.document_id, entry.footnote)
        if note is not None:
            out.append((entry, note))
    return out


def _reference_numbers(source: Source, index: ProvenanceLookup) -> list[tuple[str, int]]:
    """Reference-list entries citing the source: directly, or through a linked footnote."""
    numbers = [(e.document_id, e.reference) for e in source.cited_by if e.reference is not None]
    for _, note in _cited_notes(source, index):
        if note.reference is not None:
            numbers.append((note.document_id, note.reference))
    return sorted(set(numbers))


def _unique(citations: Iterable[Citation]) -> tuple[Citation, ...]:
    return tuple(dict.fromkeys(citations))
