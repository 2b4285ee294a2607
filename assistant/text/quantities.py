"""The figure record (`Quantity`) and how one written number is read: number words, scales,
fractions, currencies, hedges, rounding, and the group words a figure can be about.

`assistant.text.numbers` finds figures in text with these; nothing here knows any document.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

QuantityKind = Literal["percent", "count", "money", "year"]

# ------------------------------------------------------------------ vocabularies

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
SCALES = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
SCALE_ABBREVIATIONS = {"k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "tn": 1e12}  # "$62bn", "€40m"
FRACTIONS = {
    "half": 1 / 2, "halves": 1 / 2, "third": 1 / 3, "thirds": 1 / 3, "quarter": 1 / 4,
    "quarters": 1 / 4, "fifth": 1 / 5, "fifths": 1 / 5, "tenth": 1 / 10, "tenths": 1 / 10,
}
VAGUE = {
    "dozens": (24.0, 144.0), "hundreds": (200.0, 1e3), "thousands": (2e3, 1e6),
    "millions": (2e6, 1e9), "billions": (2e9, 1e12),
}
CURRENCY_SYMBOLS = {"us$": "USD", "$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR",
                     "£": "GBP", "gbp": "GBP"}
CURRENCY_WORDS = {"dollar": "USD", "dollars": "USD", "euro": "EUR", "euros": "EUR",
                   "pound": "GBP", "pounds": "GBP", "usd": "USD", "eur": "EUR", "gbp": "GBP"}

# Group words: (age, sex). Two groups are disjoint when they differ on a known attribute.
# Mothers are women, but "maternal deaths" is not a figure for women in general: a group of
# its own, so that a figure for mothers is only compared with a figure for mothers.
GROUPS: dict[str, tuple[str | None, str | None]] = {
    "girls": ("child", "f"), "boys": ("child", "m"), "women": ("adult", "f"),
    "men": ("adult", "m"), "children": ("child", None), "adults": ("adult", None),
    "female": (None, "f"), "male": (None, "m"), "mothers": ("adult", "f"),
}
_GROUP_WORDS = {
    "girl": "girls", "girls": "girls", "boy": "boys", "boys": "boys", "woman": "women",
    "women": "women", "man": "men", "men": "men", "child": "children", "children": "children",
    "minor": "children", "minors": "children", "kid": "children", "kids": "children",
    "juvenile": "children", "juveniles": "children", "adult": "adults", "adults": "adults",
    "female": "female", "females": "female", "male": "male", "males": "male",
    "mother": "mothers", "mothers": "mothers", "maternal": "mothers",
}


def group_of(word: str) -> str | None:
    """Canonical group for a word ("Girls" → "girls", "minor" → "children"), else None."""
    return _GROUP_WORDS.get(word.lower())


def groups_disjoint(a: str, b: str) -> bool:
    """True for groups that cannot overlap: girls/boys, women/men, children/adults, …"""
    (age_a, sex_a), (age_b, sex_b) = GROUPS[a], GROUPS[b]
    return bool((age_a and age_b and age_a != age_b) or (sex_a and sex_b and sex_a != sex_b))


# ------------------------------------------------------------------ the record


# How far above a brief's "over X" / "more than X" / "at least X" the figure it stands for can
# plausibly be. English states a known figure rounded *down* after these words ("over 23
# percent" for 25.3%, "more than 5,000" for 5,400, "at least 14 million" for an estimate of
# 14–16 million), so the figure meant lies a little above X, not anywhere above it: a claimed
# 41 million is a different figure from "at least 14 million", though not a logically
# incompatible one. A quarter above X covers the next round figure at a brief's usual
# precision (5,000 → 6,250; 14 million → 17.5 million; 4.8 billion → 6 billion) and rejects
# the wrong figures seen in practice (23% → 32%, 4.8 → 9 billion, 5,000 → 8,000, 14 → 41
# million). The same reading bounds "under X" / "up to X" from below (X / 1.25), where a much
# smaller claimed figure is left unconfirmed, not contradicted: "less than 1%" and "up to
# 40%" are also said of figures far below X.
OPEN_BOUND_TOLERANCE = 0.25


@dataclass(frozen=True)
class Quantity:
    """One figure found in a text, with the interval it commits to and what it is about."""

    kind: QuantityKind
    value: float  # nominal value ("about 60%" → 60; a range → its midpoint)
    low: float  # the interval the wording commits to (inclusive; ±inf when open)
    high: float
    text: str  # as written, whitespace normalised
    start: int  # span in the text it was extracted from
    end: int
    hedge: str | None = None  # "about", "over", "under", "at least", "up to", "range", ...
    unit: str | None = None  # "%" or a currency code
    noun: tuple[str, ...] = ()  # stems of the counted noun / what a share is of
    group: str | None = None  # nearest group word in its clause (canonical)
    spoken: bool = False  # a spoken fraction ("a third", "two-thirds"): loose against digits
    precision: float = 0.0  # half a unit of the last written digit ("38" → 0.5, "2.5 million"
    #                         → 50,000); 0 when not known
    ends: tuple[tuple[float, float], tuple[float, float]] | None = None  # a range: the
    #                         interval of each endpoint ("2025–2030" → (2025, 2025), (2030, 2030))

    @property
    def lower_bound(self) -> bool:
        """"over X", "at least X": open above."""
        return math.isinf(self.high) and not math.isinf(self.low)

    @property
    def upper_bound(self) -> bool:
        """"under X", "up to X": open below."""
        return math.isinf(self.low) and not math.isinf(self.high)

    def plausible(self) -> tuple[float, float]:
        """The values this figure, as a brief gives it, stands for: an open bound is read as
        the figure it rounds (within `OPEN_BOUND_TOLERANCE` of X), anything else as written."""
        if self.lower_bound and self.value > 0:
            return self.low, max(self.low, self.value * (1 + OPEN_BOUND_TOLERANCE))
        if self.upper_bound and self.value > 0:
            return min(self.high, self.value / (1 + OPEN_BOUND_TOLERANCE)), self.high
        return self.low, self.high

    def consistent_with(self, other: Quantity) -> bool:
        """Same kind (and currency) and logically compatible intervals, bounds read
        literally: "41 million" is consistent with "at least 14 million"."""
        return comparable(self, other) and self.low <= other.high and other.low <= self.high

    def agrees_with(self, other: Quantity) -> bool:
        """Whether this (claimed) figure is the figure `other` (the evidence's) gives.

        Same kind (and currency) and overlapping intervals, with three refinements:
        two spoken fractions agree only when they are the same fraction ("half" is not
        "two-thirds"); two ranges agree only end by end ("2020–2025" is not "2025–2030",
        though they share 2025); and an open bound in the evidence stands for the figure it
        rounds (`plausible`): "at least 14 million" supports "15 million" and "more than 10
        million", not "41 million". Against such a bound a claimed "about X" is read at its
        written precision, not widened again: two vague figures do not add up their slack.
        """
        if not comparable(self, other):
            return False
        if self.spoken and other.spoken and self.hedge == other.hedge:
            return abs(self.value - other.value) < 0.5
        if self.ends is not None and other.ends is not None:
            return all(a_low <= b_high and b_low <= a_high
                       for (a_low, a_high), (b_low, b_high) in zip(self.ends, other.ends,
                                                                   strict=True))
        # "thousands of" claims no figure of its own: any value the bound allows will do.
        low, high = (other.low, other.high) if self.hedge == "vague" else other.plausible()
        own_low, own_high = self.low, self.high
        if (other.lower_bound or other.upper_bound) and self.hedge in ("about", "nearly") \
                and not self.spoken:
            own_low, own_high = self.value - self.precision, self.value + self.precision
        return own_low <= high and low <= own_high

    def same_figure(self, other: Quantity) -> bool:
        """The same nominal figure, ignoring hedges: "60%" names "60% approximately"."""
        if not comparable(self, other):
            return False
        tolerance = max(rounding(self.value), rounding(other.value))
        return abs(self.value - other.value) <= tolerance + 1e-9

    def __str__(self) -> str:
        return self.text


def comparable(a: Quantity, b: Quantity) -> bool:
    if a.kind != b.kind:
        return False
    return a.kind != "money" or a.unit is None or b.unit is None or a.unit == b.unit



HEDGE_CANONICAL = {
    "about": "about", "around": "about", "approximately": "about", "approx": "about",
    "approx.": "about", "roughly": "about", "some": "about", "circa": "about", "c.": "about",
    "an estimated": "about", "estimated": "about", "close to": "nearly", "nearly": "nearly",
    "almost": "nearly", "just under": "nearly", "just over": "over", "over": "over",
    "more than": "over", "above": "over", "exceeding": "over", "in excess of": "over",
    "upwards of": "over", "at least": "at least", "no less than": "at least",
    "no fewer than": "at least", "less than": "under", "fewer than": "under", "under": "under",
    "below": "under", "up to": "up to", "at most": "up to", "no more than": "up to",
    "~": "about", "≈": "about", ">": "over", "<": "under", "≥": "at least", "≤": "up to",
    "or so": "about", "or more": "at least", "or less": "up to",
}



def rounding(value: float, text: str | None = None) -> float:
    """Half a unit of the last written digit: "38" → 0.5, "38.2" → 0.05, "1,453" → 0.5."""
    if text is not None and "." in text:
        decimals = len(text.split(".")[-1])
        return 0.5 * 10 ** (-decimals)
    return 0.5


def word_number(text: str) -> float | None:
    parts = re.split(r"[\s-]+", text.lower().strip())
    total = 0.0
    for part in parts:
        if part in UNITS:
            total += UNITS[part]
        elif part in TENS:
            total += TENS[part]
        elif part in ("a", "an"):
            total += 1
        else:
            return None
    return total


def parse_number(raw: str) -> tuple[float, float] | None:
    """`(value, rounding)` of a digit string or a spelled number."""
    cleaned = raw.replace(",", "").strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", cleaned):
        return float(cleaned), rounding(float(cleaned), cleaned)
    value = word_number(raw)
    return (value, 0.5) if value is not None else None


def interval(value: float, rounding: float, hedge: str | None) -> tuple[float, float]:
    slack = max(rounding, 0.1 * abs(value))
    if hedge == "about":
        return value - slack, value + slack
    if hedge == "nearly":
        return value - slack, value + rounding
    if hedge == "over":
        return value + min(rounding, 1e-6), math.inf
    if hedge == "at least":
        return value - rounding, math.inf
    if hedge == "under":
        return -math.inf, value - min(rounding, 1e-6)
    if hedge == "up to":
        return -math.inf, value + rounding
    return value - rounding, value + rounding
