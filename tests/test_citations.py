"""Citations from provenance (assistant/answer/citations.py), on the synthetic corpus."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from index_helpers import EXPLAINER_URL, REPORT_URL, make_corpus

from assistant.answer.citations import chunk_pages, citations_for
from assistant.records import Citation
from index.store import SearchIndex
from index.writer import write_index
from ingest.records import Chunk, Corpus, SourceCitation

BRIEF = ("brief", "UNICEF Topic B")  # every citation names the brief it belongs to


def open_index(corpus: Corpus, path: Path, embedder: object) -> SearchIndex:
    write_index(corpus, path, embedder, progress=False)  # type: ignore[arg-type]
    return SearchIndex.open(path, embedder=embedder)  # type: ignore[arg-type]


@pytest.fixture
def index(tmp_path: Path, fake_embedder: object) -> SearchIndex:
    return open_index(make_corpus(), tmp_path / "index", fake_embedder)


def source_chunk_on(index: SearchIndex, page: str) -> Chunk:
    return next(c for c in index.chunks if c.document_id == "src-report" and c.page_start == page)


def test_brief_chunk_cites_its_footnotes_verbatim(index: SearchIndex) -> None:
    chunk = index.chunk("brief-002")  # carries marker 5
    (citation,) = citations_for(chunk, index)
    note = index.footnote("brief", 5)
    assert note is not None
    assert citation == Citation(5, note.text, REPORT_URL, "42", *BRIEF)


def test_brief_footnote_without_url_takes_its_references_url(index: SearchIndex) -> None:
    (citation,) = citations_for(index.chunk("brief-003"), index)  # footnote 9: no URL printed
    assert citation.number == 9 and citation.url == REPORT_URL and citation.page == "48"


def test_brief_footnote_without_pages_or_reference(index: SearchIndex) -> None:
    assert citations_for(index.chunk("brief-000"), index) == (
        Citation(1, index.footnote("brief", 1).text, EXPLAINER_URL, None, *BRIEF),  # type: ignore[union-attr]
    )
    (protocol,) = citations_for(index.chunk("brief-004"), index)
    assert protocol.number == 2 and protocol.url is None and protocol.page is None


def test_brief_chunk_without_markers_has_no_citations(index: SearchIndex) -> None:
    assert citations_for(index.chunk("brief-001"), index) == ()


def test_source_chunk_on_a_cited_page_gets_that_footnote(index: SearchIndex) -> None:
    (on_42,) = citations_for(source_chunk_on(index, "42"), index)
    assert (on_42.number, on_42.page) == (5, "42")
    assert on_42.text == index.footnote("brief", 5).text  # type: ignore[union-attr]
    (on_48,) = citations_for(source_chunk_on(index, "48"), index)
    assert (on_48.number, on_48.page, on_48.url) == (9, "48", REPORT_URL)


def test_source_chunk_on_an_uncited_page_gets_the_reference(index: SearchIndex) -> None:
    (on_7,) = citations_for(source_chunk_on(index, "7"), index)
    reference = index.reference("brief", 1)
    assert reference is not None
    assert on_7 == Citation(None, reference.text, REPORT_URL, None, *BRIEF)


def test_chunk_spanning_pages_matches_any_of_them(index: SearchIndex) -> None:
    chunk = replace(source_chunk_on(index, "42"), page_start="41", page_end="43")
    assert chunk_pages(chunk) == {"41", "42", "43"}
    assert [c.number for c in citations_for(chunk, index)] == [5]
    roman = replace(chunk, page_start="iv", page_end="v")
    assert chunk_pages(roman) == {"iv", "v"}


def test_source_without_reference_entry_gets_all_its_footnotes(
    tmp_path: Path, fake_embedder: object
) -> None:
    corpus = make_corpus()
    notes = tuple(replace(f, reference=None) for f in corpus.footnotes)
    sources = tuple(
        replace(s, cited_by=tuple(c for c in s.cited_by if c.reference is None))
        for s in corpus.sources
    )
    index = open_index(
        replace(corpus, footnotes=notes, references=(), sources=sources),
        tmp_path / "index", fake_embedder,
    )
    citations = citations_for(source_chunk_on(index, "7"), index)
    assert [(c.number, c.page) for c in citations] == [(5, "42"), (9, "48")]


def test_reference_reached_through_a_footnote_link(tmp_path: Path, fake_embedder: object) -> None:
    corpus = make_corpus()
    sources = tuple(
        replace(s, cited_by=(SourceCitation(footnote=5, pages=("42",), document_id="brief"),))
        for s in corpus.sources
    )
    index = open_index(replace(corpus, sources=sources), tmp_path / "index", fake_embedder)
    (on_7,) = citations_for(source_chunk_on(index, "7"), index)
    assert on_7.number is None and on_7.text == index.reference("brief", 1).text  # type: ignore[union-attr]


def test_document_without_source_record_has_no_citations(
    tmp_path: Path, fake_embedder: object
) -> None:
    corpus = make_corpus()
    index = open_index(replace(corpus, sources=()), tmp_path / "index", fake_embedder)
    assert citations_for(source_chunk_on(index, "42"), index) == ()
