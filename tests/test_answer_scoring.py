"""What a question asks for, which sentences answer it, and passages reranked by their best
answer (`assistant.answer.scoring`), on invented text."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.answer.engine import annotate
from assistant.answer.scoring import (
    CAUSE_BONUS,
    FIGURE_BONUS,
    TIME_PENALTY,
    AnswerCues,
    continued_span,
    figure_bonus,
    is_answer,
    is_heading,
    passage_value,
    rerank,
    sentence_value,
)
from assistant.records import Hit
from assistant.text.sentences import ScoredSentence, SentenceScorer, sentence_spans
from ingest.records import Chunk, Document

DOC = Document(id="b", title="Brief", kind="brief", origin="b.pdf", sha256="", page_count=2)


def chunk(text: str, cid: str = "b-1", section: tuple[str, ...] = ()) -> Chunk:
    return Chunk(id=cid, document_id="b", text=text, section=section)


def hit(c: Chunk, rank: int = 1) -> Hit:
    return Hit(rank=rank, score=1.0, chunk=c, document=DOC)


def scored(text: str, score: float = 0.5, section: tuple[str, ...] = ()) -> ScoredSentence:
    return ScoredSentence(chunk=chunk(text, section=section), index=0, span=(0, len(text)),
                          dense=score, lexical=score, score=score)


# ------------------------------------------------------------------ cues


@pytest.mark.parametrize(
    ("question", "time", "cause"),
    [
        ("When was the harbour board founded?", True, False),
        ("and when did the nets arrive?", True, False),
        ("In what year did the fleet sail?", True, False),
        ("What happens to the fish when the nets are lifted?", False, False),
        ("Why did the fleet stay home?", False, True),
        ("What caused the harbour to close?", False, True),
        ("When and why was the board created?", True, True),
        ("What do the nets catch?", False, False),
    ],
)
def test_what_a_question_asks_for(question: str, time: bool, cause: bool) -> None:
    cues = AnswerCues.of(question)
    assert (cues.asks_time, cues.asks_cause) == (time, cause)


def test_a_when_question_wants_a_date_and_a_why_question_a_cause() -> None:
    when = AnswerCues.of("When was the harbour board founded?")
    dated, undated = scored("The board was founded in 1871."), scored("The board meets often.")
    month = scored("The board was founded in May by the fishers.")
    assert sentence_value(when, dated) > 0.5  # a date, and a figure the question asks for
    assert sentence_value(when, month) == 0.5  # "May" the month
    assert sentence_value(when, undated) == pytest.approx(0.5 - TIME_PENALTY)
    may = scored("The board may meet often.")  # "may" the verb
    assert sentence_value(when, may) == pytest.approx(0.5 - TIME_PENALTY)
    why = AnswerCues.of("Why did the fleet stay home?")
    assert sentence_value(why, scored("The fleet stayed home due to storms.")) == pytest.approx(
        0.5 + CAUSE_BONUS)
    assert sentence_value(why, scored("The fleet stayed home all winter.")) == 0.5
    neither = AnswerCues.of("What do the nets catch?")
    assert sentence_value(neither, undated) == 0.5


# ------------------------------------------------------------------ answers


def test_headings_questions_and_fragments_are_not_answers() -> None:
    assert is_heading(scored("Harbour Boards and the Fishing Fleet"))
    assert is_heading(scored("PROVISIONS OF THE HARBOUR ACT"))
    assert is_heading(scored("Nets in winter", section=("Rules", "Nets in winter")))
    assert not is_heading(scored("Harbour Boards and the Fishing Fleet met in 1871."))
    assert not is_heading(scored("Fleet to pay $3 million in harbour fees over ten years"))
    assert not is_answer(scored("Harbour Boards and the Fishing Fleet"))
    assert not is_answer(scored("What should the harbour board do about nets?"))
    assert not is_answer(scored("Nets, boats."))
    assert is_answer(scored("The harbour board banned drift nets in 1871."))


def test_a_sentence_that_refers_back_completes_the_one_before() -> None:
    text = ("Boats sailed from the harbour. Harbour operations were created to find smugglers. "
            "These efforts led to many arrests. Gulls fly.\n\nThey nest on cliffs.")
    c = chunk(text)
    spans = sentence_spans(text)
    assert continued_span(c, spans[1], spans) == (spans[1][0], spans[2][1])
    assert continued_span(c, spans[2], spans) == spans[2]  # "Gulls fly." does not refer back
    assert continued_span(c, spans[3], spans) == spans[3]  # a new paragraph is its own topic
    assert continued_span(c, spans[4], spans) == spans[4]  # the last sentence


# ------------------------------------------------------------------ reranking


def test_rerank_puts_the_passage_with_the_best_answer_first() -> None:
    ranked = rerank([7, 3, 9], [0.40, 0.80, None])
    assert [r.row for r in ranked] == [3, 7, 9]
    assert [r.retrieval_rank for r in ranked] == [2, 1, 3]
    assert ranked[0].score > ranked[1].score > ranked[2].score
    # Near-equal answers keep the retriever's order: the prior is per retrieval rank.
    assert [r.row for r in rerank([7, 3], [0.500, 0.505])] == [7, 3]
    assert [r.row for r in rerank([7, 3], [0.50, 0.60])] == [3, 7]


def test_a_guiding_question_still_counts_for_its_passage_not_a_heading() -> None:
    cues = AnswerCues.of("Which guiding question asks about drift nets?")
    questions = [scored("How can your delegation ban drift nets?", 0.7)]
    assert passage_value(cues, questions) == 0.7
    assert passage_value(cues, [scored("Drift Nets and Harbour Boards", 0.9)]) is None


# ------------------------------------------------------------------ the direct answer


def test_a_heading_is_never_the_direct_answer(fake_embedder: Any) -> None:
    text = "Harbour Boards and Drift Nets\n\nThe harbour board banned drift nets in 1871."
    c = chunk(text, section=("Harbour Boards and Drift Nets",))
    scorer = SentenceScorer(fake_embedder.embed)
    result = annotate("harbour boards and drift nets", [hit(c)], scorer)
    assert result.direct_answer == "The harbour board banned drift nets in 1871."


def test_the_direct_answer_carries_the_sentence_completing_it(fake_embedder: Any) -> None:
    text = ("Harbour police operations were created to find smugglers of fish. "
            "These efforts led to many arrests.")
    scorer = SentenceScorer(fake_embedder.embed)
    result = annotate("harbour police operations smugglers of fish", [hit(chunk(text))], scorer)
    assert result.direct_answer == text


def test_a_when_question_is_answered_by_the_dated_sentence(fake_embedder: Any) -> None:
    text = "The harbour board was created with great hopes. The board was created in 1871."
    scorer = SentenceScorer(fake_embedder.embed)
    undated = annotate("Was the harbour board created?", [hit(chunk(text))], scorer)
    assert undated.direct_answer == "The harbour board was created with great hopes."
    result = annotate("When was the harbour board created?", [hit(chunk(text))], scorer)
    assert result.direct_answer == "The board was created in 1871."


def test_a_reference_entry_is_quoted_whole(fake_embedder: Any) -> None:
    entry = chunk("References:\n\nFishing Board. Nets of the coast. Harbour Press, 2019.",
                  cid="b-ref", section=("References:",))
    scorer = SentenceScorer(fake_embedder.embed)
    result = annotate("does the brief cite the Fishing Board?", [hit(entry)], scorer,
                      whole=frozenset({"b-ref"}))
    assert result.direct_answer == "Fishing Board. Nets of the coast. Harbour Press, 2019."


# ------------------------------------------------------------------ through the Assistant


def test_reranking_embeds_nothing_but_the_question(tmp_path: Any, fake_embedder: Any) -> None:
    from index_helpers import make_corpus

    from assistant.assistant import Assistant
    from index.writer import write_index

    write_index(make_corpus(), tmp_path / "index", fake_embedder, progress=False)
    calls: list[list[str]] = []

    class Counting:
        name, dimension = fake_embedder.name, fake_embedder.dimension

        def embed(self, texts: Any) -> Any:
            calls.append(list(texts))
            return fake_embedder.embed(texts)

    brief = Assistant.open(tmp_path / "index", embedder=Counting())  # type: ignore[arg-type]
    question = "When was the Palermo Protocol created?"
    answer = brief.ask(question, k=3, only="brief")
    # The stored sentence vectors score the deeper list: one forward pass, the question's.
    assert calls == [[question]]
    assert [h.rank for h in answer.hits] == [1, 2, 3]
    assert all(a.score >= b.score for a, b in zip(answer.hits, answer.hits[1:], strict=False))
    # dense and bm25 stay the retrievers' own order, for comparing retrievers.
    dense = brief.index.search(question, 3, mode="dense", allowed=brief.index.select("brief", None))
    assert [h.chunk.id for h in brief.ask(question, k=3, mode="dense", only="brief").hits] == [
        brief.index.chunks[row].id for row, _ in dense]


def test_query_weights_are_read_once_and_weigh_rare_words_more() -> None:
    from assistant.text.stems import Lexicon, QueryWeights, content_stems, coverage

    lexicon = Lexicon(["nets catch fish", "nets and boats", "nets in harbours", "whales"])
    query = content_stems("nets catch whales seaweed")  # "seaweed": in no passage
    weights = QueryWeights.of(query, lexicon)
    rare, common = content_stems("whales"), content_stems("nets")
    assert weights.coverage(rare) > weights.coverage(common) > 0
    # The unseen word weighs the average of the others: it cannot sink a true match.
    assert weights.coverage(content_stems("nets catch whales")) == pytest.approx(0.75)
    for passage in ("nets catch fish", "whales and nets", "boats"):
        stems = content_stems(passage)
        assert weights.coverage(stems) == coverage(query, stems, lexicon)


def test_a_figure_the_question_names_belongs_in_its_answer() -> None:
    # Not a quantity question: the sentence naming its "Tier 3" or "2015" is the answer.
    question = "Which countries are ranked Tier 3?"
    assert figure_bonus(question, scored("Cambodia is a tier 3 country.")) == FIGURE_BONUS
    assert figure_bonus(question, scored("The region has eleven countries.")) == 0.0
    assert figure_bonus("What happened in 2015?", scored("In 2015, 442 were tried.")) > 0.0


def test_a_number_that_is_part_of_a_name_is_not_a_figure() -> None:
    # "World War 2", "WW2", "G20": a quantity question is not answered by them.
    question = "How many children were rescued?"
    for text in ("Aid came after World War 2 ended.", "Aid came after WW2.",
                 "The G20 leaders met."):
        assert figure_bonus(question, scored(text)) == 0.0, text
    assert figure_bonus(question, scored("About 2,000 children were rescued.")) == FIGURE_BONUS
