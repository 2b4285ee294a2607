"""Claim figures against bounded figures, ranges, currencies, groups and timeline years
(`assistant.claims.figures`): a claimed figure the brief does not give must never come back
"supported". Invented passages; the fake embedder, no model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from assistant.claims.verdict import check_claim
from assistant.records import Hit, Verdict
from assistant.text.sentences import SentenceScorer
from assistant.text.stems import Lexicon
from ingest.records import Chunk, Document

BRIEF = Document(id="brief", title="Brief", kind="brief", origin="brief.pdf", sha256="",
                 page_count=3)

PASSAGES = (
    "At least 14 million households in the delta region lost access to clean water in 2024 "
    "because of the floods.",
    "The coastal survey found that over 23 percent of fishing boats were unregistered.",
    "The canal project has created nearly 9,000 jobs and trained more than 5,000 welders since "
    "construction began.",
    "The Lowland study projects 2.5 million additional child deaths from river fever between "
    "2025-2030.",
    "The Vestrail railway is estimated to be valued at nearly 62 billion USD.",
    "Vestrail freight is mostly grain; the delta's fisheries are worth far less.",
    "Up to 40% of rural clinics lack a resident doctor.",
    "2013 – Vestrail is proposed by the Transport Council. 2014 – Minister Arlo Venn "
    "calls for extending Vestrail along the Norland-Vesta-Ostmark corridor, and the "
    "Harbor Fund is established.",
)


def hits_for(texts: Sequence[str]) -> tuple[Hit, ...]:
    return tuple(
        Hit(rank=i, score=1.0, document=BRIEF,
            chunk=Chunk(id=f"brief-{i}", document_id="brief", text=text,
                        page_start=str(i), page_end=str(i)))
        for i, text in enumerate(texts, start=1)
    )


@pytest.fixture
def scorer(fake_embedder: Any) -> SentenceScorer:
    return SentenceScorer(fake_embedder.embed, Lexicon(PASSAGES))


def check(claim: str, scorer: SentenceScorer) -> Verdict:
    return check_claim(claim, hits_for(PASSAGES), scorer)


# ------------------------------------------------------------------ lower bounds


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        # Well above "at least 14 million": a different figure for the same thing.
        ("At least 41 million households in the delta region lost access to clean water in "
         "2024", "contradicted"),
        ("41 million households in the delta region lost access to clean water in 2024",
         "contradicted"),
        # Within the bound's reading, or weaker than the bound: the brief's figure.
        ("15 million households in the delta region lost access to clean water in 2024",
         "supported"),
        ("More than 10 million households in the delta region lost access to clean water in "
         "2024", "supported"),
        ("At least 14 million households in the delta region lost access to clean water in "
         "2024", "supported"),
        # Below the bound: impossible.
        ("12 million households in the delta region lost access to clean water in 2024",
         "contradicted"),
    ],
)
def test_a_figure_well_above_an_at_least_bound_is_not_supported(
    claim: str, expected: str, scorer: SentenceScorer
) -> None:
    verdict = check(claim, scorer)
    assert verdict.verdict == expected, verdict.reason


def test_over_and_more_than_bounds(scorer: SentenceScorer) -> None:
    verdict = check("The coastal survey found that about 32 percent of fishing boats were "
                    "unregistered", scorer)
    assert verdict.verdict == "contradicted", verdict.reason
    assert "gives over 23 percent, not about 32 percent" in verdict.reason
    assert check("The coastal survey found that about 25 percent of fishing boats were "
                 "unregistered", scorer).verdict == "supported"
    verdict = check("The canal project trained more than 8,000 welders", scorer)
    assert verdict.verdict == "contradicted", verdict.reason
    assert "more than 5,000" in verdict.reason
    assert check("The canal project trained more than 5,000 welders",
                 scorer).verdict == "supported"


def test_far_below_an_up_to_bound_is_not_found_not_contradicted(scorer: SentenceScorer) -> None:
    verdict = check("5% of rural clinics lack a resident doctor", scorer)
    assert verdict.verdict == "not_found", verdict.reason
    assert check("38% of rural clinics lack a resident doctor", scorer).verdict == "supported"
    assert check("60% of rural clinics lack a resident doctor",
                 scorer).verdict == "contradicted"


# ------------------------------------------------------------------ ranges


def test_a_range_must_match_at_both_ends(scorer: SentenceScorer) -> None:
    claim = ("The Lowland study projects 2.5 million additional child deaths from river fever "
             "between {} and {}")
    verdict = check(claim.format(2020, 2025), scorer)
    assert verdict.verdict == "contradicted", verdict.reason
    assert "between 2025-2030, not between 2020 and 2025" in verdict.reason
    assert check(claim.format(2025, 2030), scorer).verdict == "supported"


# ------------------------------------------------------------------ money


@pytest.mark.parametrize(
    "figure", ["62 billion dollars", "$62 billion", "US$62 billion", "USD 62 billion", "$62bn"]
)
def test_dollar_forms_and_value_words(figure: str, scorer: SentenceScorer) -> None:
    # "worth" against "valued at": the same measure of a money figure.
    verdict = check(f"Vestrail is worth about {figure}", scorer)
    assert verdict.verdict == "supported", verdict.reason
    wrong = figure.replace("62", "26")
    verdict = check(f"Vestrail is worth {wrong}", scorer)
    assert verdict.verdict == "contradicted", verdict.reason


# ------------------------------------------------------------------ groups


def test_maternal_deaths_are_not_child_deaths(scorer: SentenceScorer) -> None:
    verdict = check("The Lowland study projects 2.5 million additional maternal deaths from "
                    "river fever", scorer)
    assert verdict.verdict != "supported", verdict.reason
    assert check("The Lowland study projects 2.5 million additional child deaths from river "
                 "fever", scorer).verdict == "supported"


# ------------------------------------------------------------------ years


def test_a_year_dating_another_event_does_not_decide(scorer: SentenceScorer) -> None:
    # Ostmark is named (inside a corridor's name) next to 2014, but nothing joins anything.
    verdict = check("Ostmark joined Vestrail in 2016", scorer)
    assert verdict.verdict == "not_found", verdict.reason
    # The event next to its own year still decides.
    assert check("The Harbor Fund was established in 2014", scorer).verdict == "supported"
    verdict = check("The Harbor Fund was established in 2016", scorer)
    assert verdict.verdict == "contradicted", verdict.reason
