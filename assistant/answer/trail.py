"""The citation trail: for a brief passage whose sentence cites footnote N, the best passage
of the source N cites, on the page N cites (when that source is indexed): claim ↔ source quote.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from assistant.answer.lookup import CorpusView, MakeHit, source_chunks
from assistant.records import Hit
from assistant.text.sentences import ScoredSentence, SentenceScorer, sentence_footnotes
from ingest.records import Chunk


def trail_footnotes(hit: Hit, sentence: ScoredSentence | None) -> tuple[int, ...]:
    """Footnotes backing the hit's best sentence: its own markers, else the paragraph's next
    marker (the brief cites once at the end of a paragraph), else every footnote of the chunk."""
    chunk = hit.chunk
    if sentence is not None:
        own = sentence_footnotes(chunk, sentence.span)
        if own:
            return own
        after = [m for m in sorted(chunk.markers, key=lambda m: m.offset)
                 if m.offset >= sentence.span[1]]
        if after:
            return (after[0].number,)
    return tuple(dict.fromkeys(chunk.footnotes))


def citation_trail(
    hits: Sequence[Hit],
    best: dict[int, ScoredSentence],
    index: CorpusView,
    scorer: SentenceScorer,
    make_hit: MakeHit,
    per_hit: int = 2,
) -> dict[int, tuple[Hit, ...]]:
    """Brief hit rank → the best passage(s) on the page each of its footnotes cites."""
    trail: dict[int, tuple[Hit, ...]] = {}
    for hit in hits:
        if hit.document.kind != "brief" or not hit.chunk.footnotes:
            continue
        sentence = best.get(hit.rank)
        claim = sentence.text if sentence is not None else hit.chunk.text
        vector = scorer.sentence_vector(hit.chunk, sentence.span) if sentence else None
        found: list[Hit] = []
        for number in trail_footnotes(hit, sentence):
            candidates, _ = source_chunks(index, hit.chunk.document_id, number)
            quote = best_passage(claim, candidates, scorer, make_hit, vector)
            if quote is not None:
                found.append(quote)
            if len(found) >= per_hit:
                break
        if found:
            trail[hit.rank] = tuple(found)
    return trail


def best_passage(
    claim: str,
    candidates: Sequence[Chunk],
    scorer: SentenceScorer,
    make_hit: MakeHit,
    claim_vector: np.ndarray | None = None,
) -> Hit | None:
    """The candidate chunk whose best sentence matches `claim` most, that sentence highlighted.
    `claim_vector`: the claim's vector when known (a cached brief sentence)."""
    if not candidates:
        return None
    scored = scorer.score(claim, candidates, claim_vector)
    top: tuple[float, Chunk, ScoredSentence] | None = None
    for chunk, sentences in zip(candidates, scored, strict=True):
        for sentence in sentences:
            if top is None or sentence.score > top[0]:
                top = (sentence.score, chunk, sentence)
    if top is None:
        return None
    score, chunk, sentence = top
    return dataclasses.replace(make_hit(chunk, score, 1), highlights=(sentence.span,))
