"""Acronyms spelled by a name's initials count as the acronym when a question is scored."""

from __future__ import annotations

import numpy as np

from assistant.text.acronyms import spelled_acronyms
from assistant.text.sentences import SentenceScorer
from assistant.text.stems import Lexicon
from ingest.records import Chunk


def test_a_name_spells_its_acronym_with_joiners_skipped() -> None:
    text = "The United Nations International Children's Emergency Fund was established in 1946."
    assert "unicef" in spelled_acronyms(text)
    assert "crc" in spelled_acronyms("It ratified the Convention on the Rights of the Child.")
    assert "unodc" in spelled_acronyms("the United Nations Office on Drugs and Crime reports")


def test_a_stretch_of_a_longer_name_is_spelled_too() -> None:
    text = "the Office of the United Nations High Commissioner for Refugees said"
    assert {"ounhcr", "unhcr"} <= spelled_acronyms(text)


def test_punctuation_lower_case_words_and_acronyms_end_a_name() -> None:
    # A list of countries is not one name; nor is a name broken by a lower-case word.
    assert "itv" not in spelled_acronyms("Indonesia, Thailand, Vietnam and others")
    assert spelled_acronyms("Trafficking is a crime in Southeast Asia") == frozenset()
    assert "ilr" not in spelled_acronyms("the ILO Labour Report")
    assert spelled_acronyms("When was UNICEF founded?") == frozenset()


def _chunk(text: str) -> Chunk:
    return Chunk(id="c", document_id="d", text=text, section=(), page_start="1", page_end="1",
                 char_start=0, char_end=len(text))


def _embed(texts: list[str] | tuple[str, ...]) -> np.ndarray:
    # Every text the same vector: only the lexical side tells sentences apart.
    return np.ones((len(texts), 4), dtype=np.float32) / 2.0


def test_a_sentence_naming_the_body_in_full_covers_the_questions_acronym() -> None:
    full = "The International Labour Organization was founded in 1919."
    other = "The organization was founded after a war."
    scorer = SentenceScorer(_embed, Lexicon([full, other]))
    (scored,) = scorer.score("When was the ILO founded?", [_chunk(f"{full} {other}")])
    by_text = {s.text: s.lexical for s in scored}
    assert by_text[full] == 1.0
    assert by_text[other] < 1.0


def test_a_question_naming_the_body_in_full_is_covered_by_the_acronym() -> None:
    short = "The ILO was founded in 1919."
    other = "A labour organization was founded in 1920."
    scorer = SentenceScorer(_embed, Lexicon([short, other]))
    question = "When was the International Labour Organization founded?"
    (scored,) = scorer.score(question, [_chunk(f"{short} {other}")])
    by_text = {s.text: s.lexical for s in scored}
    assert by_text[short] > 0.0
