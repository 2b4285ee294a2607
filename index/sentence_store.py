"""Sentence vectors stored beside the chunk vectors.

Highlights and the direct answer score every sentence of the passages shown against the
question. Embedding those sentences at question time made a first question cost many times a
query encode once the index held thousands of source passages that no warm-up covers (docs/
benchmarks.md, "Conference scale"). They are embedded once, at ingest, with the chunks:
`sentences.npy` holds one row per sentence, `sentence_offsets.npy` where each chunk's rows
start (chunk i's sentences are rows offsets[i]:offsets[i + 1], in `sentence_spans` order).
Both are plain `.npy` files listed, with their sha256, in the manifest. An index written
before them has neither: its sentences are embedded when first shown, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from index.files import SENTENCE_OFFSETS_FILE, SENTENCES_FILE
from ingest.chunking import sentence_spans
from ingest.records import Chunk


class SentenceRows(NamedTuple):
    """Every sentence of `chunks`, in order, and where each chunk's sentences start."""

    texts: list[str]
    offsets: np.ndarray  # int64, len(chunks) + 1


def sentence_rows(chunks: Sequence[Chunk]) -> SentenceRows:
    texts: list[str] = []
    offsets = np.zeros(len(chunks) + 1, dtype=np.int64)
    for row, chunk in enumerate(chunks):
        texts.extend(chunk.text[start:end] for start, end in sentence_spans(chunk.text))
        offsets[row + 1] = len(texts)
    return SentenceRows(texts, offsets)


class BuiltSentences(NamedTuple):
    vectors: np.ndarray  # one row per sentence, chunk by chunk
    offsets: np.ndarray
    embedded: int  # sentences that needed a forward pass


def build_sentences(
    texts: Sequence[str],
    reused: Mapping[str, np.ndarray],
    embed_missing: Callable[[list[str]], np.ndarray],
    dimension: int,
) -> BuiltSentences:
    """Sentence vectors for chunks `texts`: a chunk whose text the previous version held
    (`reused`: chunk text → its sentence rows) keeps its rows without splitting or
    embedding; the other chunks' sentences go through `embed_missing` in one call."""
    parts: list[np.ndarray | None] = []
    todo: list[str] = []
    counts: list[int] = []
    for text in texts:
        rows = reused.get(text)
        if rows is not None:
            parts.append(rows)
            counts.append(len(rows))
            continue
        sentences = [text[start:end] for start, end in sentence_spans(text)]
        parts.append(None)
        counts.append(len(sentences))
        todo.extend(sentences)
    fresh = embed_missing(todo) if todo else np.zeros((0, dimension), dtype=np.float32)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(counts)
    vectors = np.zeros((int(offsets[-1]), dimension), dtype=np.float32)
    at = 0
    for row, part in enumerate(parts):
        start, end = int(offsets[row]), int(offsets[row + 1])
        if part is None:
            vectors[start:end] = fresh[at : at + end - start]
            at += end - start
        else:
            vectors[start:end] = part
    return BuiltSentences(vectors, offsets, len(todo))


def write_sentences(out: Path, vectors: np.ndarray, offsets: np.ndarray) -> None:
    np.save(out / SENTENCES_FILE, vectors, allow_pickle=False)
    np.save(out / SENTENCE_OFFSETS_FILE, offsets, allow_pickle=False)


def previous_sentences(root: Path, chunk_texts: Sequence[str]) -> dict[str, np.ndarray]:
    """Chunk text → its sentence rows in the index version at `root`, whose chunks are
    `chunk_texts` (empty if it stores no sentences). The caller has checked that it was
    built with the same model."""
    if not (root / SENTENCES_FILE).exists():
        return {}
    vectors = np.load(root / SENTENCES_FILE, allow_pickle=False, mmap_mode="r")
    offsets = np.load(root / SENTENCE_OFFSETS_FILE, allow_pickle=False)
    if offsets.shape != (len(chunk_texts) + 1,) or int(offsets[-1]) != vectors.shape[0]:
        return {}  # not ours to trust: embed again
    return {
        text: vectors[int(offsets[row]) : int(offsets[row + 1])]
        for row, text in enumerate(chunk_texts)
    }


class StoredSentences:
    """The sentence vectors of a loaded index version (memory-mapped: only the rows of the
    passages shown are read)."""

    def __init__(self, vectors: np.ndarray, offsets: np.ndarray, chunks: Sequence[Chunk]) -> None:
        self._vectors = vectors
        self._offsets = offsets
        self._rows = {chunk.id: row for row, chunk in enumerate(chunks)}

    @classmethod
    def load(cls, root: Path, chunks: Sequence[Chunk], dimension: int) -> StoredSentences | None:
        """None when the version has no sentence vectors; `ValueError` when they do not fit
        its chunks (the caller reports the index as corrupt)."""
        if not (root / SENTENCES_FILE).exists():
            return None
        vectors = np.load(root / SENTENCES_FILE, allow_pickle=False, mmap_mode="r")
        offsets = np.load(root / SENTENCE_OFFSETS_FILE, allow_pickle=False)
        if (
            vectors.ndim != 2
            or vectors.shape[1] != dimension
            or offsets.shape != (len(chunks) + 1,)
            or int(offsets[-1]) != vectors.shape[0]
            or bool(np.any(np.diff(offsets) < 0))
        ):
            raise ValueError(
                f"sentence vectors {vectors.shape} and offsets {offsets.shape} do not fit "
                f"{len(chunks)} chunks of dimension {dimension}"
            )
        return cls(vectors, offsets, chunks)

    def vectors(self, chunk: Chunk) -> np.ndarray | None:
        """The vectors of `chunk`'s sentences (rows in `sentence_spans` order), or None for a
        chunk this version does not hold."""
        row = self._rows.get(chunk.id)
        if row is None:
            return None
        start, end = int(self._offsets[row]), int(self._offsets[row + 1])
        return np.asarray(self._vectors[start:end], dtype=np.float32)
