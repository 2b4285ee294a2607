"""Sentence vectors embedded at ingest (index/sentence_store.py): a first question costs its
query encode only, however many passages the index holds; rebuilds reuse them; an index
written before them still answers."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from conftest import BRIEF_TXT, FakeEmbedder

from assistant.assistant import Assistant
from index.files import SENTENCE_OFFSETS_FILE as OFFSETS_FILE
from index.files import SENTENCES_FILE
from index.manifest import file_entries, read_manifest, write_manifest
from index.sentence_store import StoredSentences, sentence_rows
from index.writer import write_index
from ingest.chunking import sentence_spans
from ingest.pipeline import build_corpus
from ingest.records import Corpus


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, recording every batch of texts it embeds."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return super().embed(texts)


@pytest.fixture(scope="module")
def brief() -> Corpus:
    """The shipped brief (TXT form), without its sources: passages of several sentences."""
    return build_corpus([BRIEF_TXT], progress=False)


@pytest.fixture
def index_dir(tmp_path: Path, brief: Corpus) -> Path:
    write_index(brief, tmp_path / "index", FakeEmbedder(), progress=False)
    return tmp_path / "index"


def test_every_chunks_sentences_are_stored_in_order(index_dir: Path, brief: Corpus) -> None:
    corpus = brief
    root = index_dir.resolve()
    vectors = np.load(root / SENTENCES_FILE)
    offsets = np.load(root / OFFSETS_FILE)
    expected = [c.text[s:e] for c in corpus.chunks for s, e in sentence_spans(c.text)]
    assert len(expected) > len(corpus.chunks)  # several sentences per passage
    np.testing.assert_allclose(vectors, FakeEmbedder().embed(expected), atol=1e-6)
    assert len(offsets) == len(corpus.chunks) + 1
    assert offsets[0] == 0 and offsets[-1] == len(expected)
    manifest = read_manifest(root)
    assert {SENTENCES_FILE, OFFSETS_FILE} <= set(manifest.files)  # sha256-verified like the rest


def test_a_first_question_embeds_only_itself(index_dir: Path) -> None:
    embedder = CountingEmbedder()
    assistant = Assistant.open(index_dir, embedder=embedder)
    answer = assistant.ask("What share of detected victims were children in 2022?", k=5)
    assert answer.hits and answer.direct_answer
    assert any(h.highlights for h in answer.hits)
    assert all(len(batch) == 1 for batch in embedder.calls), embedder.calls
    assert sum(len(batch) for batch in embedder.calls) <= 2  # the question (+ a follow-up form)


def test_a_rebuild_of_the_same_corpus_embeds_nothing(index_dir: Path, brief: Corpus) -> None:
    embedder = CountingEmbedder()
    manifest = write_index(brief, index_dir, embedder, progress=False)
    assert manifest.embedded_count == 0
    assert embedder.calls == []


def test_an_index_without_stored_sentences_still_highlights(index_dir: Path) -> None:
    root = index_dir.resolve()
    (root / SENTENCES_FILE).unlink()
    (root / OFFSETS_FILE).unlink()
    manifest = read_manifest(root)
    write_manifest(root, dataclasses.replace(manifest, files=file_entries(root)))
    embedder = CountingEmbedder()
    assistant = Assistant.open(index_dir, embedder=embedder)
    assert assistant.index.sentences is None
    answer = assistant.ask("What share of detected victims were children in 2022?", k=5)
    assert any(h.highlights for h in answer.hits)
    assert any(len(batch) > 1 for batch in embedder.calls)  # sentences embedded when shown


def test_stored_vectors_that_do_not_fit_the_chunks_are_refused(
    tmp_path: Path, brief: Corpus
) -> None:
    chunks = brief.chunks
    rows = sentence_rows(chunks)
    np.save(tmp_path / SENTENCES_FILE, np.zeros((len(rows.texts) - 1, 64), dtype=np.float32))
    np.save(tmp_path / OFFSETS_FILE, rows.offsets)
    with pytest.raises(ValueError, match="do not fit"):
        StoredSentences.load(tmp_path, chunks, 64)


def test_a_rebuild_embeds_only_the_changed_chunks_sentences(
    index_dir: Path, brief: Corpus
) -> None:
    changed = next(c for c in brief.chunks if len(sentence_spans(c.text)) > 1)
    text = changed.text + " A sentence added for this test."
    edited = dataclasses.replace(
        brief,
        chunks=tuple(dataclasses.replace(c, text=text, char_end=c.char_start + len(text))
                     if c.id == changed.id else c for c in brief.chunks),
    )
    embedder = CountingEmbedder()
    write_index(edited, index_dir, embedder, progress=False)
    embedded = [t for batch in embedder.calls for t in batch]
    assert sorted(embedded) == sorted([text] + [text[s:e] for s, e in sentence_spans(text)])
    # and what is stored for the others is what the first build stored
    again = Assistant.open(index_dir, embedder=FakeEmbedder()).index
    other = next(c for c in again.chunks if c.id != changed.id)
    np.testing.assert_allclose(
        again.sentence_vectors(other),
        FakeEmbedder().embed([other.text[s:e] for s, e in sentence_spans(other.text)]),
        atol=1e-6,
    )
