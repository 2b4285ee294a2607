"""Highlights, the direct answer with superscripts, and the citation trail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from index_helpers import make_corpus

from assistant.answer.engine import annotate
from assistant.answer.scoring import (
    FIGURE_BONUS,
    PLACE_SCOPE_PENALTY,
    figure_bonus,
    place_scope_penalty,
)
from assistant.records import Hit
from assistant.text.sentences import (
    ScoredSentence,
    SentenceScorer,
    sentence_spans,
    sentence_with_markers,
)
from ingest.records import Chunk, Document, Marker

DOC = Document(id="b", title="Brief", kind="brief", origin="b.pdf", sha256="", page_count=2)
TEXT = ("The harbour is busy. In 2019, nets caught 70% of the fish near the coast. "
        "What should delegates do?")


def chunk(text: str = TEXT, cid: str = "b-1", markers: tuple[Marker, ...] = ()) -> Chunk:
    return Chunk(id=cid, document_id="b", text=text, markers=markers,
                 footnotes=tuple(m.number for m in markers))


def hit(c: Chunk, rank: int = 1) -> Hit:
    return Hit(rank=rank, score=1.0, chunk=c, document=DOC)


def test_sentence_with_markers_puts_superscripts_back() -> None:
    text = "Nets caught 70% of the fish. Boats stay home."
    c = chunk(text, markers=(Marker(offset=28, number=3), Marker(offset=len(text), number=4)))
    assert sentence_with_markers(c, (0, 28)) == "Nets caught 70% of the fish.³"
    assert sentence_with_markers(c, (29, len(text))) == "Boats stay home.⁴"


def test_highlight_and_direct_answer(fake_embedder: Any) -> None:
    text = "The harbour is busy. In 2019, nets caught 70% of the fish near the coast. Gulls fly."
    c = chunk(text, markers=(Marker(offset=text.index(" Gulls"), number=3),))
    scorer = SentenceScorer(fake_embedder.embed)
    result = annotate("what share of the fish did nets catch near the coast?", [hit(c)], scorer)
    (span,) = result.hits[0].highlights
    assert text[span[0] : span[1]] == "In 2019, nets caught 70% of the fish near the coast."
    assert result.direct_answer == "In 2019, nets caught 70% of the fish near the coast.³"
    assert result.direct_answer_hit == 1


def test_questions_and_weak_matches_are_not_direct_answers(fake_embedder: Any) -> None:
    scorer = SentenceScorer(fake_embedder.embed)
    questions = chunk("What should delegates do about the fish near the coast?")
    assert annotate("fish near the coast", [hit(questions)], scorer).direct_answer is None
    unrelated = annotate("volcanic eruptions in Iceland", [hit(chunk())], scorer)
    assert unrelated.direct_answer is None
    assert unrelated.hits[0].highlights  # passages are still highlighted


def test_sentence_vectors_are_cached_per_chunk(fake_embedder: Any) -> None:
    calls: list[int] = []

    def embed(texts: Any) -> Any:
        calls.append(len(texts))
        return fake_embedder.embed(texts)

    scorer = SentenceScorer(embed)
    annotate("fish", [hit(chunk())], scorer)
    annotate("coast", [hit(chunk())], scorer)
    # first call: 1 query + 3 sentences; second: the query only
    assert calls == [1, 3, 1]


def test_sentence_vector_comes_from_the_cache_only(fake_embedder: Any) -> None:
    import numpy as np

    scorer = SentenceScorer(fake_embedder.embed)
    c = chunk()
    span = sentence_spans(c.text)[1]
    assert scorer.sentence_vector(c, span) is None  # never embeds on its own
    scorer.sentences([c])
    vector = scorer.sentence_vector(c, span)
    assert vector is not None
    np.testing.assert_allclose(vector, fake_embedder.embed([c.text[span[0] : span[1]]])[0])
    assert scorer.sentence_vector(c, (0, 3)) is None  # not a sentence of the chunk


def test_empty_hits(fake_embedder: Any) -> None:
    result = annotate("anything", [], SentenceScorer(fake_embedder.embed))
    assert result.hits == () and result.direct_answer is None


# ------------------------------------------------------------------ through the Assistant


@pytest.fixture
def assistant(tmp_path: Path, fake_embedder: Any) -> Any:
    from assistant.assistant import Assistant
    from index.writer import write_index

    write_index(make_corpus(), tmp_path / "index", fake_embedder, progress=False)
    return Assistant.open(tmp_path / "index", embedder=fake_embedder)


def test_ask_attaches_highlights_direct_answer_and_trail(assistant: Any) -> None:
    answer = assistant.ask("what share of detected victims were children in 2022?", k=3,
                           only="brief")
    top = answer.hits[0]
    assert top.chunk.id == "brief-002" and top.highlights
    assert answer.direct_answer is not None
    assert answer.direct_answer.startswith("In 2022 children accounted for 38%")
    assert answer.direct_answer.endswith("⁵")
    (quote,) = answer.trail[top.rank]
    assert quote.document.kind == "source" and quote.chunk.page_start == "42"
    assert quote.highlights and any(c.number == 5 for c in quote.citations)
    assert answer.to_dict()["trail"][str(top.rank)][0]["pages"] == "42"


def test_no_trail_without_an_indexed_source(assistant: Any) -> None:
    answer = assistant.ask("Palermo Protocol minimum standards", k=1, only="brief")
    assert answer.hits[0].chunk.footnotes == (2,)
    assert answer.trail == {}


class CountingEmbedder:
    """The fake embedder, recording how many texts each call embeds."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.calls: list[list[str]] = []

    def embed(self, texts: Any) -> Any:
        self.calls.append(list(texts))
        return self.inner.embed(texts)


def test_warm_embeds_brief_sentences_up_front(tmp_path: Path, fake_embedder: Any) -> None:
    from assistant.assistant import Assistant
    from index.writer import write_index

    write_index(make_corpus(), tmp_path / "index", fake_embedder, progress=False)
    counting = CountingEmbedder(fake_embedder)
    brief = Assistant.open(tmp_path / "index", embedder=counting, warm=True)
    chunks = brief.index.chunks
    kinds = {c.id: brief.index.document(c.document_id).kind for c in chunks}
    cached = {c.id for c in chunks if brief.engine.scorer.cached(c)}
    assert cached == {cid for cid, kind in kinds.items() if kind == "brief"}
    brief_sentences = {c.text[s:e] for c in chunks if kinds[c.id] == "brief"
                       for s, e in sentence_spans(c.text)}
    # The index stores every sentence's vector (index/sentence_store.py): warming up loads
    # them and embeds nothing.
    assert counting.calls == []
    counting.calls.clear()
    brief.ask("what share of detected victims were children in 2022?", k=3)
    brief.check("children accounted for 45% of detected victims in 2022")
    embedded = [t for call in counting.calls for t in call]
    # Queries (and the lazily embedded source passages of the trail) only: no brief sentence.
    assert embedded and not set(embedded) & brief_sentences, set(embedded) & brief_sentences


def test_warm_is_bounded_and_batched(assistant: Any) -> None:
    engine = assistant.engine
    engine.scorer._stored = None  # an index written before sentence vectors were stored
    calls: list[int] = []
    original = engine.scorer._embed
    engine.scorer._embed = lambda texts: (calls.append(len(texts)), original(texts))[1]
    assert engine.warm(limit=3) <= 3
    assert sum(calls) <= 3
    calls.clear()
    total = engine.warm(batch=2)  # the rest, two-plus sentences a call
    assert calls and max(calls) <= 2 + max(
        len(sentence_spans(c.text)) for c in assistant.index.chunks
    )
    assert total == sum(calls)


@pytest.mark.model
@pytest.mark.slow
def test_direct_answer_on_the_shipped_brief(tmp_path_factory: pytest.TempPathFactory) -> None:
    from app_server import real_brief_index

    from assistant.assistant import Assistant

    index_dir, embedder = real_brief_index(Path(tmp_path_factory.mktemp("brief")))
    brief = Assistant.open(index_dir, embedder=embedder)
    answer = brief.ask("What proportion of trafficking victims were children in 2022?")
    assert answer.direct_answer == (
        "In 2022, children accounted for 38% of recorded victims of trafficking detected "
        "globally."
    )
    # The regional 60% sentence is closer in wording, but the question names no region.
    for question in ("what share of victims were children in 2022?",
                     "What percentage of victims are children?"):
        assert "38%" in (brief.ask(question).direct_answer or ""), question
    regional = brief.ask("Which regions recorded the highest share of child victims?")
    assert "60%" in (regional.direct_answer or "")
    # A Spanish question used to be "answered" with a Spanish-titled reference entry.
    spanish = brief.ask("¿Qué porcentaje de las víctimas de trata eran niños en 2022?")
    assert all(h.chunk.id not in brief.engine.reference_entries for h in spanish.hits
               if h.rank == spanish.direct_answer_hit)
    assert len(brief.engine.reference_entries) == len(brief.index.references)
    girls = brief.ask("What share of all detected victims were girls?")
    assert girls.direct_answer is not None and "22%" in girls.direct_answer
    assert girls.direct_answer.endswith("⁵")


def scored(text: str) -> ScoredSentence:
    """`text` as a one-sentence passage, unscored (for the answer-ranking terms alone)."""
    return ScoredSentence(chunk=chunk(text), index=0, span=(0, len(text)), dense=0.0,
                          lexical=0.0, score=0.0)


def test_a_question_for_a_quantity_favours_sentences_that_state_one() -> None:
    def bonus(query: str, text: str) -> float:
        return figure_bonus(query, scored(text))

    states = "In 2019, nets caught 70% of the fish."
    assert bonus("what share of the fish did nets catch?", states) == FIGURE_BONUS
    assert bonus("what share of the fish did nets catch in 2019?", states) == 2 * FIGURE_BONUS
    # Repeating the question's year (a caption, a title) states no figure.
    assert bonus("what share of fish in 2019?", "Figure 2. Fish caught, 2019") == 0.0
    assert bonus("did nets catch fish?", states) == 0.0
    assert bonus("what share of the fish did nets catch?", "Nets caught fish.") == 0.0


def test_a_figure_given_only_for_some_places_does_not_answer_a_general_question() -> None:
    def penalty(query: str, text: str) -> float:
        return place_scope_penalty(query, scored(text))

    regional = "In the Northern Isles and the Western Shore, nets caught about 60% of the fish."
    general = "In 2019, nets caught 70% of the fish."
    assert penalty("what share of the fish did nets catch?", regional) == PLACE_SCOPE_PENALTY
    assert penalty("what share of the fish did nets catch?", general) == 0.0
    # Unless the question asks where, or names a place itself.
    assert penalty("which regions had the highest share of fish caught?", regional) == 0.0
    assert penalty("what share of the fish did nets catch in the Northern Isles?", regional) == 0.0
    assert penalty("why do nets catch fish?", regional) == 0.0  # not asking for a figure


def test_the_global_figure_answers_a_question_that_names_no_place(fake_embedder: Any) -> None:
    text = ("In the Northern Isles and the Western Shore, nets caught about 60% of the fish "
            "of the coast. Overall, nets caught 30% of the fish.")
    scorer = SentenceScorer(fake_embedder.embed)
    result = annotate("what share of the fish of the coast did nets catch?", [hit(chunk(text))],
                      scorer)
    assert result.direct_answer == "Overall, nets caught 30% of the fish."


def test_chunks_in_not_answers_are_highlighted_but_never_the_direct_answer(
    fake_embedder: Any,
) -> None:
    entry = chunk("Fishing Board. Nets and the fish near the coast. In: <https://x.org>",
                  cid="b-ref")
    scorer = SentenceScorer(fake_embedder.embed)
    question = "nets and the fish near the coast"
    hits = [hit(entry, 1), hit(chunk(), 2)]
    assert annotate(question, hits, scorer).direct_answer_hit == 1  # the entry, closest
    result = annotate(question, hits, scorer, not_answers=frozenset({"b-ref"}))
    assert result.direct_answer == "In 2019, nets caught 70% of the fish near the coast."
    assert result.direct_answer_hit == 2 and result.hits[0].highlights


def test_a_reference_entry_answers_only_a_question_about_what_the_brief_cites(
    tmp_path: Path, fake_embedder: Any
) -> None:
    from dataclasses import replace

    from assistant.assistant import Assistant
    from index.writer import write_index

    corpus = make_corpus()
    (reference,) = corpus.references
    entry = replace(corpus.chunks[0], id="brief-ref-1", text=reference.text,
                    section=("References",),
                    markers=(), footnotes=(), kind="list_item")
    write_index(replace(corpus, chunks=(*corpus.chunks, entry)), tmp_path / "index",
                fake_embedder, progress=False)
    brief = Assistant.open(tmp_path / "index", embedder=fake_embedder)
    assert brief.engine.reference_entries == frozenset({"brief-ref-1"})
    topic = brief.ask("UNODC Global Report on Trafficking in Persons 2024", k=10)
    assert any(h.chunk.id == "brief-ref-1" for h in topic.hits)  # shown as a passage …
    assert all(h.chunk.id != "brief-ref-1" for h in topic.hits  # … but not quoted
               if h.rank == topic.direct_answer_hit)
    cited = brief.ask("Does the brief cite the UNODC Global Report on Trafficking in Persons?",
                      k=10)
    quoted = next(h for h in cited.hits if h.rank == cited.direct_answer_hit)
    assert quoted.chunk.id == "brief-ref-1", cited.direct_answer
