"""Figures in text: percentages, counts, money, years and ranges, with what they refer to.

`extract(text)` finds every figure ("38%", "38 per cent", "one third", "1,453", "between 20
and 30%", "over 60%", "60% approximately", "2.5 million", "€40 million", "2022",
"15/11/2000") and turns it into a `Quantity`: a kind, a nominal value and the interval the
text actually commits to once rounding and hedges are taken into account ("about 60%" →
[54, 66], "over 60%" → (60, ∞), "38%" → [37.5, 38.5]). Two figures agree when they are of
the same kind and their intervals overlap.

Each quantity also records what it is about, read from its own clause: the nearest *group
word* (girls, boys, women, men, children, adults, female, male) and the counted noun
("1453 victims", "407 court cases"). The vocabularies are generic English; nothing here knows
any particular document.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from assistant.sentences import STOPWORDS, stem, words

QuantityKind = Literal["percent", "count", "money", "year"]

# ------------------------------------------------------------------ vocabularies

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_FRACTIONS = {
    "half": 1 / 2, "halves": 1 / 2, "third": 1 / 3, "thirds": 1 / 3, "quarter": 1 / 4,
    "quarters": 1 / 4, "fifth": 1 / 5, "fifths": 1 / 5, "tenth": 1 / 10, "tenths": 1 / 10,
}
_VAGUE = {
    "dozens": (24.0, 144.0), "hundreds": (200.0, 1e3), "thousands": (2e3, 1e6),
    "millions": (2e6, 1e9), "billions": (2e9, 1e12),
}
_CURRENCY_SYMBOLS = {"us$": "USD", "$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR",
                     "£": "GBP", "gbp": "GBP"}
_CURRENCY_WORDS = {"dollar": "USD", "dollars": "USD", "euro": "EUR", "euros": "EUR",
                   "pound": "GBP", "pounds": "GBP", "usd": "USD", "eur": "EUR", "gbp": "GBP"}

# Group words: (age, sex). Two groups are disjoint when they differ on a known attribute.
GROUPS: dict[str, tuple[str | None, str | None]] = {
    "girls": ("child", "f"), "boys": ("child", "m"), "women": ("adult", "f"),
    "men": ("adult", "m"), "children": ("child", None), "adults": ("adult", None),
    "female": (None, "f"), "male": (None, "m"),
}
_GROUP_WORDS = {
    "girl": "girls", "girls": "girls", "boy": "boys", "boys": "boys", "woman": "women",
    "women": "women", "man": "men", "men": "men", "child": "children", "children": "children",
    "minor": "children", "minors": "children", "kid": "children", "kids": "children",
    "juvenile": "children", "juveniles": "children", "adult": "adults", "adults": "adults",
    "female": "female", "females": "female", "male": "male", "males": "male",
}


def group_of(word: str) -> str | None:
    """Canonical group for a word ("Girls" → "girls", "minor" → "children"), else None."""
    return _GROUP_WORDS.get(word.lower())


def groups_disjoint(a: str, b: str) -> bool:
    """True for groups that cannot overlap: girls/boys, women/men, children/adults, …"""
    (age_a, sex_a), (age_b, sex_b) = GROUPS[a], GROUPS[b]
    return bool((age_a and age_b and age_a != age_b) or (sex_a and sex_b and sex_a != sex_b))


# ------------------------------------------------------------------ the record


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

    def agrees_with(self, other: Quantity) -> bool:
        """Same kind (and currency) and overlapping intervals."""
        if not comparable(self, other):
            return False
        return self.low <= other.high and other.low <= self.high

    def same_figure(self, other: Quantity) -> bool:
        """The same nominal figure, ignoring hedges: "60%" names "60% approximately"."""
        if not comparable(self, other):
            return False
        tolerance = max(_rounding(self.value), _rounding(other.value))
        return abs(self.value - other.value) <= tolerance + 1e-9

    def __str__(self) -> str:
        return self.text


def comparable(a: Quantity, b: Quantity) -> bool:
    if a.kind != b.kind:
        return False
    return a.kind != "money" or a.unit is None or b.unit is None or a.unit == b.unit


# ------------------------------------------------------------------ parsing

_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORDNUM = (
    r"(?:(?:" + "|".join(_TENS) + r")(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")"
)
_SCALE = r"(?:\s+(?:" + "|".join(_SCALES) + r"))?"
_PERCENT = r"(?:\s*%|\s*per\s?cent\b|\s+percent\b|\s+pct\b|\s+percentage points?\b)"
_CURRENCY_BEFORE = r"(?:US\$|\$|€|£|USD|EUR|GBP)"
_CURRENCY_AFTER = r"(?:\s+(?:US\s+)?(?:dollars?|euros?|pounds?|USD|EUR|GBP)\b)"

_NUMBER = re.compile(
    rf"(?:(?P<cur>{_CURRENCY_BEFORE})\s?)?"
    rf"(?P<num>(?<![\w.,/])(?:{_DIGITS})(?![\w/])|\b(?:a|one|{_WORDNUM})\s+(?:{'|'.join(_SCALES)})\b"
    rf"|\b{_WORDNUM}\b)"
    rf"(?P<scale>{_SCALE})"
    rf"(?P<pct>{_PERCENT})?"
    rf"(?P<curafter>{_CURRENCY_AFTER})?",
    re.IGNORECASE,
)
_FRACTION = re.compile(
    r"\b(?:(?P<count>a|an|one|two|three|four|five|seven|nine)[\s-]+)?(?P<frac>half|halves|"
    r"thirds?|quarters?|fifths?|tenths?)\b",
    re.IGNORECASE,
)
_VAGUE_RE = re.compile(r"\b(?P<vague>dozens|hundreds|thousands|millions|billions)\s+of\b",
                       re.IGNORECASE)
_DATE = re.compile(r"(?<![\d/])(\d{1,2})[/.-](\d{1,2})[/.-]((?:18|19|20)\d{2})(?![\d/])")
_URL = re.compile(r"<[^>\s]+>|https?://\S+|www\.\S+")
# Numbers that name a place in a document, not a figure: "p. 42", "Figure 1", "footnote 5".
_LOCATOR = re.compile(
    r"(?:\bpp?|\bpages?|\bfig(?:ure)?s?|\btables?|\bfootnotes?|\bnotes?|\bfn|\bno|\bnos|"
    r"\bchapters?|\bch|\barticles?|\bart|\bsections?|\bsec|\bparagraphs?|\bpara|\bquestions?"
    r"|\bvol|\bitem|\bannex|#)\.?\s*$",
    re.IGNORECASE,
)
_HEDGE_BEFORE = re.compile(
    r"(?P<hedge>about|around|approximately|approx\.?|roughly|some|circa|c\.|an estimated|"
    r"estimated|close to|nearly|almost|just under|just over|over|more than|above|exceeding|"
    r"in excess of|upwards of|at least|no less than|no fewer than|less than|fewer than|under|"
    r"below|up to|at most|no more than|~|≈|>|<|≥|≤)\s*$",
    re.IGNORECASE,
)
_HEDGE_AFTER = re.compile(
    r"^\s*(?P<hedge>approximately|or so|or more|or less|at least|at most|roughly)\b",
    re.IGNORECASE,
)
_RANGE_JOIN = re.compile(r"^\s*(?:-|–|—|to|and)\s*$", re.IGNORECASE)
_YEAR_PREPOSITIONS = frozenset(
    {"in", "since", "by", "until", "till", "from", "of", "year", "between", "and", "to",
     "before", "after", "during", "early", "late", "mid", "around", "circa", "the"}
)
# Clause boundaries for "what does this number refer to": the subject of a figure in one
# clause must not leak into the next ("girls 22%, while boys 16%").
_CLAUSE_BREAK = re.compile(
    r"[;:]|(?<=[.!?])\s+(?=[A-Z])|\b(?:while|whereas|but|although|though|however|yet)\b",
)

_HEDGE_CANONICAL = {
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


def _rounding(value: float, text: str | None = None) -> float:
    """Half a unit of the last written digit: "38" → 0.5, "38.2" → 0.05, "1,453" → 0.5."""
    if text is not None and "." in text:
        decimals = len(text.split(".")[-1])
        return 0.5 * 10 ** (-decimals)
    return 0.5


def _word_number(text: str) -> float | None:
    parts = re.split(r"[\s-]+", text.lower().strip())
    total = 0.0
    for part in parts:
        if part in _UNITS:
            total += _UNITS[part]
        elif part in _TENS:
            total += _TENS[part]
        elif part in ("a", "an"):
            total += 1
        else:
            return None
    return total


def _parse_number(raw: str) -> tuple[float, float] | None:
    """`(value, rounding)` of a digit string or a spelled number."""
    cleaned = raw.replace(",", "").strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", cleaned):
        return float(cleaned), _rounding(float(cleaned), cleaned)
    value = _word_number(raw)
    return (value, 0.5) if value is not None else None


def _interval(value: float, rounding: float, hedge: str | None) -> tuple[float, float]:
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


def _masked(text: str) -> str:
    """`text` with URLs blanked out (same length) so their digits are never figures."""
    return _URL.sub(lambda m: " " * len(m.group()), text)


def extract(text: str) -> tuple[Quantity, ...]:
    """Every figure in `text`, in order, with hedges, ranges, groups and nouns resolved."""
    masked = _masked(text)
    found: list[Quantity] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for m in _DATE.finditer(masked):
        year = float(m.group(3))
        found.append(_make(text, "year", year, year, year, m.start(), m.end(), None, None))
        taken.append((m.start(), m.end()))

    for m in _VAGUE_RE.finditer(masked):
        low, high = _VAGUE[m.group("vague").lower()]
        value = math.sqrt(low * high)
        found.append(_make(text, "count", value, low, high, m.start(), m.end("vague"),
                           "vague", None))
        taken.append((m.start(), m.end("vague")))

    for m in _FRACTION.finditer(masked):
        count_word = (m.group("count") or "").lower()
        frac = m.group("frac").lower()
        if not count_word and frac not in ("half",):
            continue  # "the third largest", "first quarter": ordinals, not shares
        if not free(m.start(), m.end()):
            continue
        numerator = _UNITS.get(count_word, 1) if count_word not in ("a", "an", "") else 1
        share = 100.0 * numerator * _FRACTIONS[frac]
        # Spoken fractions are loose: "about a third" is said of anything from ~28% to ~38%.
        low, high = share * 0.85, share * 1.15
        start, hedge = _hedge_before(masked, m.start())
        low, high = _apply_hedge(share, 0.5, hedge, (low, high))
        found.append(_make(text, "percent", share, low, high, start, m.end(), hedge or "about",
                           "%"))
        taken.append((start, m.end()))

    for m in _NUMBER.finditer(masked):
        if not free(m.start("num"), m.end("num")):
            continue
        quantity = _from_number_match(text, masked, m)
        if quantity is not None:
            found.append(quantity)
            taken.append((quantity.start, quantity.end))

    found.sort(key=lambda q: q.start)
    found = _merge_ranges(text, masked, found)
    return tuple(_with_subject(text, masked, q, found) for q in found)


def _from_number_match(text: str, masked: str, m: re.Match[str]) -> Quantity | None:
    raw = m.group("num")
    scale_word = (m.group("scale") or "").strip().lower()
    inline_scale = re.search(r"\s+(" + "|".join(_SCALES) + r")$", raw, re.IGNORECASE)
    if inline_scale:  # "a million", "two thousand"
        scale_word = inline_scale.group(1).lower()
        raw = raw[: inline_scale.start()]
    parsed = _parse_number(raw)
    if parsed is None:
        return None
    value, rounding = parsed
    spelled = not raw[0].isdigit()
    start, end = m.start("num"), m.end()
    if _LOCATOR.search(masked[: m.start("num")]) and not m.group("pct"):
        return None
    # A bare spelled number ("one of the most…", "two countries") is only a figure when a
    # counted noun follows; pronoun-like "one" never is.
    bare = spelled and not (m.group("pct") or scale_word or m.group("curafter"))
    if bare and (raw.lower() in ("one", "a", "an") or not _next_content_word(masked, end)):
        return None
    scale = _SCALES.get(scale_word, 1.0)
    value, rounding = value * scale, rounding * scale
    kind: QuantityKind
    unit: str | None
    if m.group("pct"):
        kind, unit = "percent", "%"
    elif m.group("cur") or m.group("curafter"):
        kind = "money"
        symbol = (m.group("cur") or "").strip().lower()
        after = (m.group("curafter") or "").split()[-1].lower() if m.group("curafter") else ""
        unit = _CURRENCY_SYMBOLS.get(symbol) or _CURRENCY_WORDS.get(after)
        if m.group("cur"):
            start = m.start("cur")
    elif _is_year(masked, raw, value, scale_word, m.start("num"), end):
        kind, unit = "year", None
        rounding = 0.0
    else:
        kind, unit = "count", None
    hedge_start, hedge = _hedge_before(masked, start)
    after = _HEDGE_AFTER.match(masked[end:])
    if hedge is None and after is not None:
        hedge = _HEDGE_CANONICAL[after.group("hedge").lower()]
        end += after.end()
    elif hedge is not None:
        start = hedge_start
    if kind == "year" and hedge not in (None, "about"):
        hedge = None if hedge in ("over", "under") else hedge  # "over 2000" is rarely a year
    low, high = _interval(value, rounding, hedge) if kind != "year" or hedge else (value, value)
    return _make(text, kind, value, low, high, start, end, hedge, unit)


def _is_year(masked: str, raw: str, value: float, scale: str, start: int, end: int) -> bool:
    if scale or "," in raw or "." in raw or not raw.isdigit() or not 1800 <= value <= 2100:
        return False
    before = re.findall(r"[A-Za-z]+", masked[max(0, start - 20) : start])
    after = re.match(r"\s*([A-Za-z]+)", masked[end:])
    if before and before[-1].lower() in _YEAR_PREPOSITIONS:
        return True
    # "2000 victims" counts; "2024 report" and "in 2000 by" name years.
    following = after.group(1).lower() if after else ""
    return not (following and following not in STOPWORDS and following.endswith("s"))


def _hedge_before(masked: str, start: int) -> tuple[int, str | None]:
    window = masked[max(0, start - 24) : start]
    m = _HEDGE_BEFORE.search(window)
    if m is None:
        return start, None
    # "some 40" hedges, but "for some of the 40" does not: the hedge must touch the number.
    return start - (len(window) - m.start()), _HEDGE_CANONICAL[m.group("hedge").lower()]


def _apply_hedge(
    value: float, rounding: float, hedge: str | None, default: tuple[float, float]
) -> tuple[float, float]:
    if hedge is None or hedge == "about":
        return default
    return _interval(value, max(rounding, 0.05 * value), hedge)


def _make(
    text: str,
    kind: QuantityKind,
    value: float,
    low: float,
    high: float,
    start: int,
    end: int,
    hedge: str | None,
    unit: str | None,
) -> Quantity:
    return Quantity(
        kind=kind,
        value=value,
        low=low,
        high=high,
        text=" ".join(text[start:end].split()),
        start=start,
        end=end,
        hedge=hedge,
        unit=unit,
    )


def _merge_ranges(text: str, masked: str, found: list[Quantity]) -> list[Quantity]:
    """"between 20 and 30%", "20–30%", "from 2019 to 2022" → one range quantity."""
    out: list[Quantity] = []
    i = 0
    while i < len(found):
        a = found[i]
        b = found[i + 1] if i + 1 < len(found) else None
        if b is not None and a.hedge is None and b.hedge is None:
            between = masked[a.end : b.start]
            joined = _RANGE_JOIN.match(between)
            lead = re.search(r"\b(between|from)\s*$", masked[max(0, a.start - 10) : a.start],
                             re.IGNORECASE)
            joiner = between.strip().lower()
            led_by = lead.group(1).lower() if lead else ""
            is_range = (
                joined is not None
                and (joiner in ("-", "–", "—") or bool(led_by))
                and (joiner != "and" or led_by == "between")
            )
            kind = b.kind if a.kind == "count" and b.kind in ("percent", "money") else a.kind
            if is_range and (a.kind == b.kind or kind == b.kind) and a.value <= b.value:
                start = a.start - (len(lead.group(0)) if lead else 0)
                out.append(
                    Quantity(
                        kind=kind,
                        value=(a.value + b.value) / 2,
                        low=a.low if kind == a.kind else a.value - 0.5,
                        high=b.high,
                        text=" ".join(text[start : b.end].split()),
                        start=start,
                        end=b.end,
                        hedge="range",
                        unit=b.unit or a.unit,
                    )
                )
                i += 2
                continue
        out.append(a)
        i += 1
    return out


def _clause_bounds(masked: str, start: int, end: int) -> tuple[int, int]:
    left, right = 0, len(masked)
    for m in _CLAUSE_BREAK.finditer(masked):
        if m.end() <= start:
            left = m.end()
        elif m.start() >= end:
            right = m.start()
            break
    return left, right


def _next_content_word(masked: str, end: int) -> str | None:
    m = re.match(r"\s+([A-Za-z][A-Za-z'-]*)", masked[end:])
    if m and m.group(1).lower() not in STOPWORDS:
        return m.group(1)
    return None


_OF_GROUP = re.compile(r"[\s,]*(?:(?:of|for|among)\s+)(?:(?:the|all)\s+)?", re.IGNORECASE)


def _with_subject(
    text: str, masked: str, q: Quantity, others: Sequence[Quantity] = ()
) -> Quantity:
    left, right = _clause_bounds(masked, q.start, q.end)
    # A group word on the far side of another figure is that figure's subject, not this
    # one's: in "32% of cases, compared to 25% for males", "males" belongs to 25% only.
    for other in others:
        if other.end <= q.start:
            left = max(left, other.end)
        elif other.start >= q.end:
            right = min(right, other.start)
    tokens = [(w, s, e) for w, s, e in words(masked[left:right])]
    group: str | None = None
    best = math.inf
    for word, s, e in tokens:
        canonical = group_of(word)
        if canonical is None:
            continue
        s, e = s + left, e + left
        if e <= q.start:
            distance = q.start - e
        elif s >= q.end and _OF_GROUP.fullmatch(masked[q.end : s]):
            distance = -1  # "16% of boys", "25% for males": the figure names its own group
        elif s >= q.end:
            distance = (s - q.end) + 8  # the subject usually comes first: small penalty
        else:
            continue
        if distance < best:
            best, group = distance, canonical
    return replace(q, noun=_noun_after(masked, q), group=group)


def _noun_after(masked: str, q: Quantity) -> tuple[str, ...]:
    """Stems of what is counted ("1453 victims" → victim) or what a share is of."""
    rest = masked[q.end : q.end + 60]
    if q.kind == "percent":
        rest = re.sub(r"^\s*of\s+(?:the\s+|all\s+|total\s+)*", " ", rest, flags=re.IGNORECASE)
    out: list[str] = []
    for m in re.finditer(r"\s*([A-Za-z][A-Za-z'-]*)|\s*(\S)", rest):
        word = m.group(1)
        if word is None or word.lower() in STOPWORDS or word.lower() in _SCALES:
            break
        if word.lower() in _CURRENCY_WORDS:
            continue
        out.append(stem(word))
        if len(out) == 2:
            break
    return tuple(out)


def describe(q: Quantity) -> str:
    """What a figure is about, for messages: "boys", "victims", "court cases" or ""."""
    if q.group:
        return q.group
    return ""


# ------------------------------------------------------------------ named places

# Generic world-geography words: a capitalised run holding one names a place ("Sub-Saharan
# Africa", "East Asia", "the Caribbean"). Countries and cities are caught by the preposition
# before them instead ("in Canada", "across Mexico"), so no gazetteer of names is needed.
_GEO_WORDS = frozenset(
    """
    africa america americas asia europe oceania antarctica arctic antarctic caribbean pacific
    atlantic mediterranean balkans baltic sahel sahara saharan sub-saharan maghreb levant
    scandinavia eurasia australasia gulf
    """.split()  # noqa: SIM905 - a word list reads best as text
)
_GEO_PHRASES = ("middle east", "near east", "far east", "latin america", "horn of africa")
_LOCATIVE = frozenset({"in", "across", "within", "throughout", "inside"})
_CAPITALISED = re.compile(r"[A-Z][a-zà-ÿ'’]+(?:-[A-Za-zà-ÿ]+)*$")


@dataclass(frozen=True)
class Place:
    """A named place in a text: its words as written and its span."""

    name: str
    start: int
    end: int

    @property
    def keys(self) -> frozenset[str]:
        """Stems of its words (hyphen parts too): what another mention must contain."""
        out = set()
        for word in re.split(r"[\s-]+", self.name):
            if word.lower() not in STOPWORDS:
                out.add(stem(word))
        return frozenset(out)


def places(text: str) -> tuple[Place, ...]:
    """Named places in `text`: runs of capitalised words ("of"/"of the" may join them) that
    hold a world-geography word or follow "in"/"across"/"within" ("in Canada"). "and" ends a
    run: "Central America and the Caribbean" is two places."""
    tokens = words(text)
    out: list[Place] = []
    i = 0
    while i < len(tokens):
        # "In", "The" at a sentence start are capitalised function words, never part of a name.
        if not _CAPITALISED.match(tokens[i][0]) or tokens[i][0].lower() in STOPWORDS:
            i += 1
            continue
        j = i
        while True:
            nxt = j + 1
            # "Republic of the Congo": "of" / "of the" joins two capitalised words.
            while nxt < len(tokens) and tokens[nxt][0] in ("of", "the") and nxt - j <= 2:
                nxt += 1
            if (
                nxt < len(tokens)
                and _CAPITALISED.match(tokens[nxt][0])
                and re.fullmatch(r"[\s\w]*", text[tokens[j][2] : tokens[nxt][1]])
                and (nxt == j + 1 or tokens[j + 1][0] == "of")
            ):
                j = nxt
            else:
                break
        start, end = tokens[i][1], tokens[j][2]
        name = " ".join(text[start:end].split())
        lowered = name.lower()
        geographic = any(w in _GEO_WORDS for w in [*re.split(r"[\s-]+", lowered), lowered])
        geographic = geographic or any(p in lowered for p in _GEO_PHRASES)
        before = [w.lower() for w, _, _ in tokens[max(0, i - 2) : i]]
        if before[-1:] == ["the"]:
            before = before[:-1]
        located = bool(before) and before[-1] in _LOCATIVE and i > 0
        if geographic or located:
            out.append(Place(name, start, end))
        i = j + 1
    return tuple(out)


def clause_of(text: str, q: Quantity) -> tuple[int, int]:
    """Span of the clause of `text` holding figure `q` (clauses split as for its subject)."""
    return _clause_bounds(_masked(text), q.start, q.end)
