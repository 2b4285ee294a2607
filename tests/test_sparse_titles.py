"""BM25 indexes each chunk with its document's title (index/sparse.py)."""

from __future__ import annotations

from index.sparse import BM25Params, SparseIndex, indexed_text, sparse_texts
from ingest.records import Chunk, Corpus, Document


def _document(doc_id: str, title: str) -> Document:
    return Document(id=doc_id, title=title, kind="source", origin=doc_id, sha256="0", page_count=0)


def _chunk(doc_id: str, n: int, text: str) -> Chunk:
    return Chunk(id=f"{doc_id}-{n}", document_id=doc_id, text=text, char_end=len(text))


def test_indexed_text_puts_the_title_first_once() -> None:
    assert indexed_text("Malaria vaccines", "Efficacy fell after a year.") == (
        "Malaria vaccines\n\nEfficacy fell after a year."
    )
    # The first chunk already opens with its title: not repeated.
    assert indexed_text("Malaria vaccines", "Malaria vaccines\n\nA trial.") == (
        "Malaria vaccines\n\nA trial."
    )
    assert indexed_text("  ", "Text.") == "Text."


def _corpus() -> Corpus:
    documents = (_document("a", "Malaria vaccine trial"), _document("b", "Tuberculosis screening"))
    chunks = (
        _chunk("a", 0, "Malaria vaccine trial\n\nChildren were enrolled."),
        _chunk("a", 1, "Efficacy fell after twelve months in the older group."),
        _chunk("b", 0, "Tuberculosis screening\n\nChest radiographs were read twice."),
        _chunk("b", 1, "Efficacy of screening rose in the older group."),
    )
    return Corpus(documents=documents, chunks=chunks, document_texts={})


def test_sparse_texts_follow_the_parameter() -> None:
    corpus = _corpus()
    titled = sparse_texts(corpus, BM25Params())
    assert titled[1] == "Malaria vaccine trial\n\n" + corpus.chunks[1].text
    assert titled[0] == corpus.chunks[0].text
    assert sparse_texts(corpus, BM25Params(title=False)) == [c.text for c in corpus.chunks]


def test_a_title_word_finds_a_later_chunk_of_that_document() -> None:
    corpus = _corpus()
    query = "malaria efficacy in the older group"
    untitled = BM25Params(title=False)
    plain = SparseIndex.build(sparse_texts(corpus, untitled), untitled)
    titled = SparseIndex.build(sparse_texts(corpus, BM25Params()), BM25Params())
    # Without titles the shorter tuberculosis chunk (3) wins on "efficacy … older group";
    # with them, the malaria trial's second chunk (1) also matches "malaria" and comes first.
    assert int(plain.search(query, 4)[0][0]) == 3
    assert int(titled.search(query, 4)[0][0]) == 1


def test_params_round_trip_and_old_manifests_mean_no_titles() -> None:
    assert BM25Params.from_dict(BM25Params().to_dict()) == BM25Params()
    assert BM25Params.from_dict({"k1": 1.2, "b": 0.75}).title is False
