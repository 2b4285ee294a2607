"""Sentence-level scoring: which sentences of a passage answer a query, and how well.

A sentence's score mixes dense similarity (the index's own embedder, sentence vectors cached
per chunk in-process) with lexical coverage: the share of the query's content words (stemmed,
IDF-weighted when a `Lexicon` is given) that the sentence contains. Dense similarity carries
paraphrase ("make up" ~ "account for"); coverage keeps exact terms, names and figures honest.

The lexical helpers (tokens, stop words, stems, coverage) are `assistant.text.stems`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.text.acronyms import spelled_acronyms
from assistant.text.stems import Lexicon, QueryWeights, content_stems, stem
from ingest.chunking import sentence_spans
from ingest.records import Chunk, superscript

EmbedFn = Callable[[Sequence[str]], np.ndarray]

# ---------------------------------------------------------------- sentences of a chunk


@dataclass(frozen=True)
class ChunkSentences:
    """A chunk's sentences: spans into `chunk.text`, their stems and (lazily) vectors."""

    spans: tuple[tuple[int, int], ...]
    stems: tuple[tuple[str, ...], ...]
    vectors: np.ndarray  # (len(spans), dim) float32, L2-normalised


@dataclass(frozen=True)
class ScoredSentence:
    chunk: Chunk
    index: int  # sentence number within the chunk
    span: tuple[int, int]
    dense: float
    lexical: float
    score: float

    @property
    def text(self) -> str:
        return self.chunk.text[self.span[0] : self.span[1]]


def sentence_with_markers(chunk: Chunk, span: tuple[int, int]) -> str:
    """The sentence as printed: footnote markers inside or right after it as superscripts.

    A marker at the sentence's end offset belongs to it (the brief prints "exploitation.⁵");
    a marker at its start offset belongs to the previous sentence.
    """
    start, end = span
    out, last = [], start
    for marker in sorted(chunk.markers, key=lambda m: m.offset):
        if start < marker.offset <= end:
            out.append(chunk.text[last : marker.offset])
            out.append(superscript(marker.number))
            last = marker.offset
    out.append(chunk.text[last:end])
    return "".join(out).strip()


def sentence_footnotes(chunk: Chunk, span: tuple[int, int]) -> tuple[int, ...]:
    """Footnote numbers whose markers sit inside or right after this sentence."""
    start, end = span
    return tuple(
        dict.fromkeys(m.number for m in chunk.markers if start < m.offset <= end)
    )


class SentenceScorer:
    """Scores a chunk's sentences against a query; sentence vectors are cached per chunk id.

    `dense_weight` balances cosine similarity against lexical coverage. The cache is bounded
    (least recently used chunks are dropped) and safe to share between threads.
    """

    def __init__(
        self,
        embed: EmbedFn,
        lexicon: Lexicon | None = None,
        dense_weight: float = 0.6,
        cache_size: int = 20_000,
        embed_query: Callable[[str], np.ndarray] | None = None,
        stored: Callable[[Chunk], np.ndarray | None] | None = None,
    ) -> None:
        self._embed = embed
        # The index's sentence vectors, embedded at ingest (`index.sentence_store`): a passage
        # shown for the first time then costs no forward pass.
        self._stored = stored
        # The index's own (memoised) query embedding, so that a question retrieval has just
        # embedded is not embedded again here.
        self._embed_query = embed_query
        self.lexicon = lexicon
        self.dense_weight = dense_weight
        self._cache: OrderedDict[str, ChunkSentences] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_query(self, text: str) -> np.ndarray:
        """One query vector; the last few are remembered (ask → trail → check reuse them)."""
        if self._embed_query is not None:
            return self._embed_query(text)
        with self._lock:
            cached = self._queries.get(text)
            if cached is not None:
                self._queries.move_to_end(text)
                return cached
        vector = np.asarray(self._embed([text])[0], dtype=np.float32)
        with self._lock:
            self._queries[text] = vector
            while len(self._queries) > 256:
                self._queries.popitem(last=False)
        return vector

    def cached(self, chunk: Chunk) -> bool:
        """Whether this chunk's sentence vectors are cached already."""
        with self._lock:
            return chunk.id in self._cache

    def sentence_vector(self, chunk: Chunk, span: tuple[int, int]) -> np.ndarray | None:
        """The cached vector of one sentence of `chunk`, else None: a brief sentence used as
        a query (the citation trail) then needs no forward pass of its own."""
        with self._lock:
            entry = self._cache.get(chunk.id)
        if entry is None or span not in entry.spans:
            return None
        return np.asarray(entry.vectors[entry.spans.index(span)])

    @staticmethod
    def _entry(
        chunk: Chunk, spans: tuple[tuple[int, int], ...], vectors: np.ndarray
    ) -> ChunkSentences:
        # What a sentence spells with a name's initials counts as written: "the United Nations
        # International Children's Emergency Fund" covers a question's "UNICEF".
        stems = tuple(
            (*content_stems(text := chunk.text[s:e]), *map(stem, sorted(spelled_acronyms(text))))
            for s, e in spans
        )
        return ChunkSentences(spans=spans, stems=stems, vectors=vectors)

    def sentences(self, chunks: Sequence[Chunk]) -> list[ChunkSentences]:
        """Sentences of each chunk, embedding in one batch only those not cached yet."""
        with self._lock:
            cached = {c.id: self._cache.get(c.id) for c in chunks}
        missing = [c for c in dict((c.id, c) for c in chunks).values() if cached[c.id] is None]
        fresh: dict[str, ChunkSentences] = {}
        to_embed: list[tuple[Chunk, tuple[tuple[int, int], ...]]] = []
        for chunk in missing:
            spans = sentence_spans(chunk.text)
            stored = self._stored(chunk) if self._stored is not None else None
            if stored is not None and len(stored) == len(spans):
                fresh[chunk.id] = self._entry(chunk, spans, stored)
            else:
                to_embed.append((chunk, spans))
        texts = [c.text[s:e] for c, spans in to_embed for s, e in spans]
        if texts:
            vectors = np.asarray(self._embed(texts), dtype=np.float32)
            row = 0
            for chunk, spans in to_embed:
                fresh[chunk.id] = self._entry(chunk, spans, vectors[row : row + len(spans)])
                row += len(spans)
        else:  # chunks without text: no sentences
            for chunk, spans in to_embed:
                fresh[chunk.id] = self._entry(chunk, spans, np.zeros((0, 1), dtype=np.float32))
        cached.update(fresh)
        if fresh:
            with self._lock:
                self._cache.update(fresh)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        with self._lock:
            for chunk in chunks:
                if chunk.id in self._cache:
                    self._cache.move_to_end(chunk.id)
        return [cached[c.id] for c in chunks]  # type: ignore[misc]

    def score(
        self,
        query: str,
        chunks: Sequence[Chunk],
        query_vector: np.ndarray | None = None,
    ) -> list[list[ScoredSentence]]:
        """Every sentence of every chunk, scored against `query` (same order as the chunks)."""
        if not chunks:
            return []
        qvec = query_vector if query_vector is not None else self.embed_query(query)
        weights = QueryWeights.of(self.query_stems(query), self.lexicon)
        out: list[list[ScoredSentence]] = []
        for chunk, entry in zip(chunks, self.sentences(chunks), strict=True):
            dense = entry.vectors @ qvec if len(entry.spans) else np.zeros(0)
            scored = []
            for i, span in enumerate(entry.spans):
                lexical = weights.coverage(entry.stems[i])
                d = float(dense[i])
                scored.append(
                    ScoredSentence(
                        chunk=chunk,
                        index=i,
                        span=span,
                        dense=d,
                        lexical=lexical,
                        score=self.combine(d, lexical),
                    )
                )
            out.append(scored)
        return out

    def query_stems(self, query: str) -> list[str]:
        """The query's content stems, plus the acronyms its names spell that some passage
        writes: "the International Labour Organization" is also "ILO" where the brief says so.
        (An acronym no passage writes would only lower every sentence's coverage alike.)"""
        stems = content_stems(query)
        if self.lexicon is not None:
            stems += [a for a in map(stem, sorted(spelled_acronyms(query))) if a in self.lexicon]
        return stems

    def combine(self, dense: float, lexical: float) -> float:
        return self.dense_weight * dense + (1.0 - self.dense_weight) * lexical


def pick_highlights(
    scored: Sequence[ScoredSentence], max_sentences: int = 2, margin: float = 0.08
) -> tuple[tuple[int, int], ...]:
    """Spans of the best sentence and of runners-up within `margin` of it, in text order."""
    if not scored:
        return ()
    ranked = sorted(scored, key=lambda s: s.score, reverse=True)
    best = ranked[0].score
    chosen = [s for s in ranked[:max_sentences] if s.score >= best - margin]
    return tuple(sorted(s.span for s in chosen))
