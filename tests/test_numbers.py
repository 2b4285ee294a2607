"""Figure extraction and comparison (`assistant.text.numbers`): pure, no model."""

from __future__ import annotations

import math

import pytest

from assistant.text.numbers import Quantity, clause_of, extract, group_of, groups_disjoint, places
from assistant.text.quantities import OPEN_BOUND_TOLERANCE


def one(text: str) -> Quantity:
    found = extract(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("38%", "percent", 38),
        ("38 per cent", "percent", 38),
        ("38 percent", "percent", 38),
        ("38.5%", "percent", 38.5),
        ("one third", "percent", 100 / 3),
        ("a third of them", "percent", 100 / 3),
        ("two thirds", "percent", 200 / 3),
        ("half of the victims", "percent", 50),
        ("three quarters", "percent", 75),
        ("1,453 victims", "count", 1453),
        ("1453 victims", "count", 1453),
        ("twenty-five girls", "count", 25),
        ("2.5 million children", "count", 2.5e6),
        ("in 2022", "year", 2022),
        ("adopted on 15/11/2000", "year", 2000),
        ("€40 million", "money", 40e6),
        ("500 million euros", "money", 500e6),
        ("US$ 3 billion", "money", 3e9),
    ],
)
def test_kinds_and_values(text: str, kind: str, value: float) -> None:
    q = one(text)
    assert q.kind == kind
    assert q.value == pytest.approx(value)


def test_same_figure_in_digits_and_words_agrees() -> None:
    assert one("38%").agrees_with(one("38 per cent"))
    assert one("1,453 cases").agrees_with(one("1453 cases"))
    assert not one("38%").agrees_with(one("45%"))
    assert not one("38%").agrees_with(one("38 cases")), "a share is not a count"


def test_rounding_tolerance_follows_written_precision() -> None:
    assert one("38%").agrees_with(one("38.4%"))
    assert not one("38.0%").agrees_with(one("38.4%"))


@pytest.mark.parametrize(
    ("claim", "evidence", "agree"),
    [
        ("about 60%", "60% approximately", True),
        ("around 57%", "60% approximately", True),
        ("about 45%", "38%", False),
        ("over 60%", "about 60%", True),
        ("more than 70%", "60%", False),
        ("less than half", "38%", True),
        ("at least 40%", "38%", False),
        ("up to 40%", "38%", True),
        ("nearly 40%", "38%", True),
        ("about a third", "38%", True),
        ("a quarter", "38%", False),
        ("between 30 and 40%", "38%", True),
        ("between 20 and 30%", "38%", False),
        ("30–40%", "38%", True),
        ("millions of children", "2.5 million children", True),
        ("thousands of children", "2.5 million children", False),
    ],
)
def test_hedges_and_ranges(claim: str, evidence: str, agree: bool) -> None:
    assert one(claim).agrees_with(one(evidence)) is agree


def test_open_intervals() -> None:
    over = one("over 60%")
    assert over.low > 60 and math.isinf(over.high)
    under = one("less than 10%")
    assert math.isinf(under.low) and under.high < 10


def test_range_text_and_bounds() -> None:
    q = one("between 20 and 30%")
    assert q.kind == "percent" and q.hedge == "range"
    assert q.low <= 20 and q.high >= 30 and q.text == "between 20 and 30%"
    years = one("from 2019 to 2022")
    assert years.kind == "year" and (years.low, years.high) == (2019, 2022)


def test_two_numbers_joined_by_and_are_not_a_range() -> None:
    found = extract("girls 22% and boys 16%")
    assert [q.value for q in found] == [22, 16]


def test_locators_urls_and_pronoun_one_are_not_figures() -> None:
    assert extract("see p. 42, Figure 1 and footnote 5") == ()
    assert extract("In: <https://example.org/2024/July/report-38.html>") == ()
    assert extract("one of the most serious forms") == ()


def test_year_versus_count() -> None:
    assert one("it was created in 2000 by the UN").kind == "year"
    assert one("2000 victims were identified").kind == "count"
    assert one("the 2024 report").kind == "year"
    assert one("1,999 victims").kind == "count"


def test_group_is_read_from_the_figures_own_clause() -> None:
    found = extract(
        "Specifically, girls represented 22% of total victims, while boys represented 16%."
    )
    assert [(q.value, q.group) for q in found] == [(22, "girls"), (16, "boys")]
    found = extract("Female victims (32%) act more often than male victims (25%).")
    assert [(q.value, q.group) for q in found] == [(32, "female"), (25, "male")]
    assert one("22% of victims were boys").group == "boys"
    assert extract("The rate was 5% in 2010")[0].group is None
    # The share's own group, after a pronoun: "70 percent of them boys", "of whom were girls".
    found = extract("around 200,000 child laborers, 70 percent of them boys, were lured")
    assert [(q.value, q.group) for q in found] == [(200_000, "children"), (70, "boys")]
    assert extract("300 people, 40% of whom were girls, were rescued")[1].group == "girls"


def test_counted_noun() -> None:
    found = extract("an analysis of 407 court cases including information on 1453 victims")
    assert [q.noun for q in found] == [("court", "case"), ("victim",)]


def test_group_vocabulary() -> None:
    assert group_of("Girls") == "girls" and group_of("minor") == "children"
    assert group_of("trafficking") is None
    assert groups_disjoint("girls", "boys") and groups_disjoint("children", "adults")
    assert groups_disjoint("women", "girls")
    assert not groups_disjoint("girls", "female") and not groups_disjoint("children", "boys")


def test_same_figure_ignores_hedges() -> None:
    assert one("60%").same_figure(one("60% approximately"))
    assert not one("60%").same_figure(one("61%"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Central America and the Caribbean, Sub-Saharan Africa and North Africa recorded it",
         ["Central America", "Caribbean", "Sub-Saharan Africa", "North Africa"]),
        ("Europe and North America detect more adults", ["Europe", "North America"]),
        ("In Canada and across the United States", ["Canada", "United States"]),
        ("The Middle East", ["Middle East"]),
        # Names that are not places: no geography word, no "in"/"across" before them.
        ("The UNODC and the United Nations, according to UNICEF", []),
        ("In 2022, children accounted for 38% of recorded victims globally.", []),
        # Times after "in" are not places.
        ("The board was founded in May, and in March 1871 it met in Dover.", ["Dover"]),
    ],
)
def test_places(text: str, expected: list[str]) -> None:
    assert [p.name for p in places(text)] == expected


def test_place_keys_compare_mentions() -> None:
    (broad,) = places("in Africa")
    (narrow,) = places("in Sub-Saharan Africa")
    assert broad.keys < narrow.keys
    assert {"sub", "saharan", "africa"} <= narrow.keys


def test_clause_of_a_figure() -> None:
    text = "In Europe 20% of victims are children, while globally children are 38%."
    first, second = extract(text)
    assert text[slice(*clause_of(text, first))].strip() == "In Europe 20% of victims are children,"
    assert "Europe" not in text[slice(*clause_of(text, second))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Female victims were detected in 32% of cases, compared to 25% for males",
         [("32%", "female"), ("25%", "male")]),
        ("22% of girls and 16% of boys", [("22%", "girls"), ("16%", "boys")]),
        ("Female victims (32%) are found more often than male victims (25%)",
         [("32%", "female"), ("25%", "male")]),
    ],
)
def test_each_figure_gets_its_own_group(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(q.text, q.group) for q in extract(text)] == expected


# ------------------------------------------------------------------ open bounds, ranges, money


@pytest.mark.parametrize(
    ("claim", "evidence", "agree"),
    [
        # "at least X" / "over X" in a brief stands for a figure a little above X, not any.
        ("at least 41 million", "at least 14 million", False),
        ("41 million", "at least 14 million", False),
        ("15 million", "at least 14 million", True),
        ("at least 14 million", "at least 14 million", True),
        ("more than 10 million", "at least 14 million", True),  # a weaker claim: entailed
        ("12 million", "at least 14 million", False),
        ("about 32 percent", "over 23 percent", False),
        ("about 25 percent", "over 23 percent", True),
        ("about 23 percent", "over 23 percent", True),
        ("over 20 percent", "over 23 percent", True),
        ("over 9 billion", "over 4.8 billion", False),
        ("more than 8,000", "more than 5,000", False),
        ("more than 5,000", "more than 5,000", True),
        ("90%", "more than half", False),
        ("60%", "more than half", True),
        ("thousands of", "over 1,000", True),  # no figure of its own: not held to a reading
        # "up to X" / "under X" likewise stands for a figure a little below X.
        ("5%", "up to 40%", False),
        ("38%", "up to 40%", True),
    ],
)
def test_an_open_bound_in_the_evidence_stands_for_the_figure_it_rounds(
    claim: str, evidence: str, agree: bool
) -> None:
    assert one(claim).agrees_with(one(evidence)) is agree


def test_open_bound_tolerance_is_one_named_constant() -> None:
    bound = one("at least 14 million")
    low, high = bound.plausible()
    assert low <= 14e6 and high == pytest.approx(14e6 * (1 + OPEN_BOUND_TOLERANCE))
    assert math.isinf(bound.high), "the written interval stays literal"
    # Logically compatible all the same: the checker tells "implausible" from "impossible".
    assert one("41 million").consistent_with(bound)
    assert not one("12 million").consistent_with(bound)


@pytest.mark.parametrize(
    ("claim", "evidence", "agree"),
    [
        ("between 2020 and 2025", "between 2025-2030", False),  # one shared end is not enough
        ("between 2025 and 2030", "2025–2030", True),
        ("from 2025 to 2030", "between 2025 and 2030", True),
        ("from 2024 to 2030", "2025–2030", False),
        ("25–35%", "20–30%", False),
        ("20-30%", "between 20 and 30%", True),
        ("between 30 and 40%", "38%", True),  # a range against one figure: it contains it
    ],
)
def test_ranges_match_end_by_end(claim: str, evidence: str, agree: bool) -> None:
    assert one(claim).agrees_with(one(evidence)) is agree


def test_range_ends() -> None:
    assert one("2025–2030").ends == ((2025, 2025), (2030, 2030))
    assert one("38%").ends is None


@pytest.mark.parametrize(
    "text",
    ["$62 billion", "USD 62 billion", "US$62 billion", "62 billion dollars",
     "62 billion US dollars", "62 billion U.S. dollars", "62 billion USD", "$62bn",
     "62 bn USD", "USD62 billion"],
)
def test_dollar_forms_are_one_currency(text: str) -> None:
    q = one(text)
    assert (q.kind, q.unit, q.value) == ("money", "USD", 62e9)
    assert q.agrees_with(one("USD 62 billion")) and q.agrees_with(one("$62 billion"))
    assert not one("$26 billion").agrees_with(q)


def test_short_scales_need_a_currency_unless_unambiguous() -> None:
    assert (one("€40m").unit, one("€40m").value) == ("EUR", 40e6)
    assert one("40m euros").value == 40e6
    assert one("4.8bn people").value == pytest.approx(4.8e9)
    assert extract("a 5m wall") == ()  # metres
    assert one("5 m high").value == 5
    assert extract("5k runners") == ()


def test_mothers_are_a_group_of_their_own() -> None:
    assert group_of("maternal") == "mothers" and group_of("Mothers") == "mothers"
    assert groups_disjoint("mothers", "children") and groups_disjoint("mothers", "men")
    assert not groups_disjoint("mothers", "women") and not groups_disjoint("mothers", "female")
    assert one("2.5 million additional maternal deaths").group == "mothers"
    assert one("2.5 million additional child deaths").group == "children"
