"""Follow-up questions: detection, rewriting, and `ask(..., history=...)`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.answer.followup import is_followup, resolve


@pytest.mark.parametrize(
    "query",
    ["and for boys?", "what about boys?", "and in 2019?", "how about South Asia?",
     "same for women", "is it effective?", "when was it created?", "and EUROPOL?"],
)
def test_followups_are_detected(query: str) -> None:
    assert is_followup(query)


@pytest.mark.parametrize(
    "query",
    ["What share of victims are girls?", "Why are children vulnerable to trafficking?",
     "What is the Palermo Protocol?", "Which regions record the most child victims?", ""],
)
def test_full_questions_are_not_followups(query: str) -> None:
    assert not is_followup(query)


@pytest.mark.parametrize(
    ("history", "query", "expected"),
    [
        (["what share of victims are girls?"], "and for boys?",
         "what share of victims are boys?"),
        (["what share of victims are girls?", "and for boys?"], "and women?",
         "what share of victims are women?"),
        (["How many children were trafficked in 2022?"], "and in 2019?",
         "How many children were trafficked in 2019?"),
        (["Do Europe and North America detect more adult victims?"], "what about South Asia?",
         "Do South Asia detect more adult victims?"),
        (["What is the Palermo Protocol?"], "when was it created?",
         "when was the Palermo Protocol created?"),
        (["What share of victims are girls?"], "and what are they trafficked for?",
         "what are girls trafficked for?"),
        (["What role does INTERPOL play?"], "and EUROPOL?", "What role does EUROPOL play?"),
    ],
)
def test_rewrites(history: list[str], query: str, expected: str) -> None:
    assert resolve(query, history) == expected


def test_history_never_changes_a_full_question() -> None:
    question = "Why are children vulnerable to trafficking?"
    assert resolve(question, ["what share of victims are girls?"]) == question
    assert resolve("and for boys?", []) == "and for boys?"


# ------------------------------------------------------------------ through the Assistant


@pytest.mark.model
@pytest.mark.slow
def test_followup_retrieves_the_boys_passage(tmp_path_factory: pytest.TempPathFactory) -> None:
    from app_server import real_brief_index

    from assistant.assistant import Assistant

    index_dir, embedder = real_brief_index(Path(tmp_path_factory.mktemp("brief")))
    brief: Any = Assistant.open(index_dir, embedder=embedder)
    first = "what share of victims are girls?"
    answer = brief.ask("and for boys?", history=[first])
    assert answer.notice == "read as: what share of victims are boys?"
    assert "boys represented 16%" in answer.hits[0].chunk.text
    assert answer.direct_answer is not None and "16%" in answer.direct_answer
    # Without history the fragment is a poor query; with it, the full question's answer.
    unrelated = "When was the Palermo Protocol created?"
    with_history = brief.ask(unrelated, history=[first, "and for boys?"])
    without = brief.ask(unrelated)
    assert with_history.notice is None
    assert [h.chunk.id for h in with_history.hits] == [h.chunk.id for h in without.hits]
    assert "created in 2000" in with_history.hits[0].chunk.text
