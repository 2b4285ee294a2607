"""Answers to citation lookups: "footnote 5" (each loaded brief's footnote 5, labelled by
brief) and "source of the 60% figure" (the passages stating the figure, with the footnote that
backs the first). The citation is the brief's own footnote, verbatim; nothing is composed."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from assistant.answer.lookup import (
    CorpusView,
    FigurePassage,
    FigureQuery,
    MakeHit,
    copyable_citation,
    source_chunks,
)
from assistant.answer.trail import best_passage
from assistant.records import Answer, CitationLookup, Hit
from assistant.text.sentences import SentenceScorer, sentence_with_markers


def footnote_answer(
    query: str, number: int, lookups: Sequence[CitationLookup], k: int
) -> Answer:
    """Footnote `number` of each brief in `lookups`: its citation as the direct answer (one
    line per brief, labelled when there are several), the passages carrying it as hits."""
    labelled = len(lookups) > 1  # one line per brief; a single one stays copyable as is
    hits: list[Hit] = []
    trail: dict[int, tuple[Hit, ...]] = {}
    for lookup in lookups:
        own = lookup.brief_passages[: max(1, k // len(lookups))]
        for position, hit in enumerate(own):
            ranked = dataclasses.replace(hit, rank=len(hits) + 1)
            if position == 0 and lookup.source_passages:
                trail[ranked.rank] = lookup.source_passages
            hits.append(ranked)
    direct = "\n".join(
        f"{lookup.brief_title}: {lookup.citation}" if labelled else lookup.citation
        for lookup in lookups
    )
    where = f" in {len(lookups)} briefs" if len(lookups) > 1 else ""
    return Answer(query=query, hits=tuple(hits[:k]), direct_answer=direct,
                  direct_answer_hit=1 if hits else None, trail=trail,
                  notice=f"footnote {number}{where}")


def figure_answer(
    query: str,
    parsed: FigureQuery,
    passages: Sequence[FigurePassage],
    index: CorpusView,
    scorer: SentenceScorer,
    make_hit: MakeHit,
) -> Answer:
    """The `passages` stating the figure (at least one), each with the source passage its
    footnote cites; the first one's footnote, verbatim, as the direct answer."""
    hits: list[Hit] = []
    trail: dict[int, tuple[Hit, ...]] = {}
    for rank, passage in enumerate(passages, start=1):
        hit = dataclasses.replace(
            make_hit(passage.chunk, passage.score, rank), highlights=(passage.sentence,)
        )
        hits.append(hit)
        if passage.footnote is not None:
            candidates, _ = source_chunks(index, passage.chunk.document_id, passage.footnote)
            sentence = passage.chunk.text[passage.sentence[0] : passage.sentence[1]]
            vector = scorer.sentence_vector(passage.chunk, passage.sentence)
            quote = best_passage(sentence, candidates, scorer, make_hit, vector)
            if quote is not None:
                trail[rank] = (quote,)
    first = passages[0]
    note = (
        index.footnote(first.chunk.document_id, first.footnote)
        if first.footnote is not None
        else None
    )
    direct = (copyable_citation(note) if note is not None
              else sentence_with_markers(first.chunk, first.sentence))
    figure = parsed.quantity.text
    backed = f"; backed by footnote {first.footnote}" if first.footnote is not None else ""
    return Answer(
        query=query,
        hits=tuple(hits),
        direct_answer=direct,
        direct_answer_hit=1,
        trail=trail,
        notice=f"{figure}: stated in {len(passages)} passage(s){backed}",
    )
