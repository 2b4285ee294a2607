"""Definitions first (issue 13): the question's term, definition-shaped sentences, reordering.

Pure functions, invented wording: no model, no brief.
"""

from __future__ import annotations

import pytest

from assistant.answer.definitions import (
    STRONG,
    WEAK,
    asked_term,
    definition_strength,
    definitions_first,
)
from assistant.text.stems import content_stems


def _stems(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(content_stems(text)))


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("What is the definition of bycatch?", "bycatch"),
        ("What is bycatch?", "bycatch"),
        ("what are ghost nets", "ghost nets"),
        ("Define flag state.", "flag state"),
        ("What does 'port state control' mean?", "port state control"),
        ("What is meant by a flag of convenience?", "flag of convenience"),
        ("What is the meaning of the term transshipment according to the guide?",
         "transshipment"),
        ("Who is the High Commissioner?", "High Commissioner"),
    ],
)
def test_definition_questions_name_their_term(question: str, term: str) -> None:
    assert asked_term(question) == _stems(term)


@pytest.mark.parametrize(
    "question",
    [
        "How many vessels were inspected in 2019?",
        "Why do inspections rarely detect unsafe equipment?",
        "What is the share of foreign vessels registered in northern ports in the last year?",
        "footnote 5",
    ],
)
def test_other_questions_ask_for_no_definition(question: str) -> None:
    assert asked_term(question) is None


@pytest.mark.parametrize(
    ("sentence", "strength"),
    [
        ("Bycatch: fish caught unintentionally while fishing for another species.", STRONG),
        ("Bycatch refers to fish caught unintentionally.", STRONG),
        ("The term “bycatch” is defined as the catch of unwanted species.", STRONG),
        ("Bycatch is a major cause of the decline of sea turtles.", WEAK),
        ("Rules on bycatch: states must report it yearly.", 0),  # another subject
        ("Many fleets are blamed for bycatch.", 0),
        ("Reducing bycatch in tropical shrimp trawling is a priority.", 0),
        # Naming in passing: what precedes "known as" is what the term is.
        ("In 1990 the unwanted catch of other species, known as bycatch, doubled.", WEAK),
        ("Unwanted catch (also referred to as “bycatch”) is thrown back.", WEAK),
        ("The fleet, known as the Bycatch Fleet of the north, sailed.", 0),  # another subject
    ],
)
def test_definition_shaped_sentences(sentence: str, strength: int) -> None:
    assert definition_strength(sentence, _stems("bycatch")) == strength


def test_defining_passages_move_first_plainest_first() -> None:
    texts = [
        "Bycatch is a major cause of the decline of sea turtles.",
        "Fleets in the north report less bycatch than fleets in the south.",
        "Key terms. Bycatch: fish caught unintentionally while fishing for another species.",
        "Port state control: inspection of foreign ships in national ports.",
    ]
    ranked = [(10, 0.9), (11, 0.8), (12, 0.7), (13, 0.6)]
    assert definitions_first(ranked, texts, _stems("bycatch")) == [
        (12, 0.7), (10, 0.9), (11, 0.8), (13, 0.6)
    ]
    # No definition among them: the order is the retriever's.
    assert definitions_first(ranked, texts, _stems("ghost nets")) == ranked
