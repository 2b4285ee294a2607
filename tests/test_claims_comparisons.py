"""Comparisons checked against figures, and years dated to the right event (issue 13).

Synthetic passages (invented facts) and the deterministic fake embedder: no model.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_claims import hits_for

from assistant.claims.comparisons import group_comparisons, ratio_spans
from assistant.claims.verdict import check_claim, parse_claim
from assistant.text.sentences import SentenceScorer
from assistant.text.stems import Lexicon, stem

FIGURES = (
    "An audit of 212 vessels found that female crew members (32%) report unsafe equipment "
    "themselves more often than male crew members (25%), who are mostly found by inspectors.",
    "Among the workers injured at sea, women were 12% and men were 36%.",
)


def _check(claim: str, texts: tuple[str, ...], fake_embedder: Any) -> Any:
    scorer = SentenceScorer(fake_embedder.embed, Lexicon(texts))
    return check_claim(claim, hits_for(texts), scorer)


def test_group_comparisons_read_direction_and_ratio() -> None:
    (twice,) = group_comparisons("girls are twice as likely as boys to be recruited")
    assert (twice.larger, twice.smaller, twice.ratio) == ("girls", "boys", 2.0)
    (half,) = group_comparisons("boys are half as likely as girls to be recruited")
    assert (half.larger, half.smaller, half.ratio) == ("girls", "boys", 2.0)
    (fewer,) = group_comparisons("fewer women than men were injured")
    assert (fewer.larger, fewer.smaller, fewer.ratio) == ("men", "women", None)
    # "more than 60%" is a hedge on a figure, not a comparison of groups.
    assert group_comparisons("girls are more than 60% of victims") == ()


def test_ratio_words_are_not_figures() -> None:
    assert ratio_spans("three times as many men as women") == ((0, 11),)
    parts = parse_claim("men are three times as often injured as women")
    assert parts.quantities == ()
    assert stem("times") not in parts.stems


@pytest.mark.parametrize(
    ("claim", "expected", "mentions"),
    [
        # 36 / 12 = 3: "three times" fits, "twice" does not.
        ("men were injured at sea three times as often as women", "supported", "3 times"),
        ("men were injured at sea twice as often as women", "contradicted",
         "3 times, not “twice as often as women”"),
        # 32 / 25 ≈ 1.3: a direction, but not a doubling.
        ("female crew members report unsafe equipment themselves more often than males",
         "supported", "32% for female, 25% for male"),
        ("female crew members report unsafe equipment themselves twice as often as males",
         "contradicted", "1.3 times, not"),
        ("fewer men than women were injured at sea", "contradicted",
         "12% for women, 36% for men: the opposite of “fewer men than women"),
        ("more men than women were injured at sea", "supported", "36% for men, 12% for women"),
    ],
)
def test_comparisons_are_checked_against_each_sides_figure(
    claim: str, expected: str, mentions: str, fake_embedder: Any
) -> None:
    verdict = _check(claim, FIGURES, fake_embedder)
    assert verdict.verdict == expected, verdict.reason
    assert mentions in verdict.reason


def test_two_figure_comparison_with_wrong_ratio_contradicts(fake_embedder: Any) -> None:
    verdict = _check(
        "female crew members (32%) report unsafe equipment themselves twice as often as "
        "male crew members (25%)", FIGURES, fake_embedder,
    )
    assert verdict.verdict == "contradicted", verdict.reason


CONTRIBUTORS = (
    "The largest fleets include: Norland, with a total of 4120 trawlers; Westmark, with 3980 "
    "trawlers; and Ostavia, which leads the list with 5230 registered trawlers.",
)


def test_two_named_sides_are_compared_on_their_own_figures() -> None:
    (named,) = group_comparisons("Westmark operates more trawlers than Ostavia.")
    assert (named.larger, named.smaller, named.named) == ("Westmark", "Ostavia", True)
    assert group_comparisons("The fleet operates more than 400 trawlers.") == ()


@pytest.mark.parametrize(
    ("claim", "expected", "mentions"),
    [
        ("Westmark operates more trawlers than Ostavia.", "contradicted",
         "3980 for Westmark, 5230 for Ostavia: the opposite"),
        ("Norland operates more trawlers than Westmark.", "supported",
         "4120 for Norland, 3980 for Westmark"),
        ("Westmark operates fewer trawlers than Norland.", "supported",
         "4120 for Norland, 3980 for Westmark"),
    ],
)
def test_named_comparisons_are_checked_against_each_names_figure(
    claim: str, expected: str, mentions: str, fake_embedder: Any
) -> None:
    verdict = _check(claim, CONTRIBUTORS, fake_embedder)
    assert verdict.verdict == expected, verdict.reason
    assert mentions in verdict.reason


EVENTS = (
    "Dear delegates, welcome to the Coastal Safety Council (CSC) at HarbourMUN 2019.",
    "Sincerely, Ana Ruiz, Director of CSC, HarbourMUN 2019",
    "Established in 1961 after a series of shipwrecks in the Northern Sea, the Coastal Safety "
    "Council (CSC) sets common standards for inspections.",
)


@pytest.mark.parametrize(
    ("claim", "expected", "mentions"),
    [
        ("CSC was founded in 1971", "contradicted", "gives 1961, not 1971"),
        ("The CSC was created in 1961", "supported", "gives 1961"),
        ("The Coastal Safety Council was established in 2019", "contradicted", "1961"),
    ],
)
def test_a_year_is_read_from_the_clause_that_dates_the_event(
    claim: str, expected: str, mentions: str, fake_embedder: Any
) -> None:
    """"founded" and "established" date the same event; the conference's year next to the
    body's name ("Director of CSC, HarbourMUN 2019") dates nothing the claim says."""
    verdict = _check(claim, EVENTS, fake_embedder)
    assert verdict.verdict == expected, verdict.reason
    assert mentions in verdict.reason


def test_two_spoken_fractions_agree_only_when_equal() -> None:
    from assistant.text.numbers import extract

    (half,) = extract("half of the costs")
    (two_thirds,) = extract("two-thirds of the costs")
    (third,) = extract("about a third of victims")
    (digits,) = extract("38% of victims")
    assert not half.agrees_with(two_thirds)
    assert third.agrees_with(digits)  # a spoken fraction stays loose against digits


def test_hyphenated_counted_noun_is_the_same_noun() -> None:
    from assistant.text.numbers import extract

    (a,) = extract("With 192 member-states, police cooperation grows.")
    (b,) = extract("INTERPOL has 192 member states.")
    assert a.noun == b.noun
