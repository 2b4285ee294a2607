"""Figures in text: percentages, counts, money, years and ranges, with what they refer to.

`extract(text)` finds every figure ("38%", "38 per cent", "one third", "1,453", "between 20
and 30%", "over 60%", "60% approximately", "2.5 million", "€40 million", "2022",
"15/11/2000") and turns it into a `Quantity`: a kind, a nominal value and the interval the
text actually commits to once rounding and hedges are taken into account ("about 60%" →
[54, 66], "over 60%" → (60, ∞), "38%" → [37.5, 38.5]). Two figures agree when they are of
the same kind and their intervals overlap, with ranges compared end by end and an open bound
in the evidence read as the figure it rounds ("at least 14 million" is not 41 million:
`Quantity.agrees_with`, `OPEN_BOUND_TOLERANCE`). "$62bn", "USD 62 billion", "62 billion
(U.S.) dollars" are one currency.

Each quantity also records what it is about, read from its own clause: the nearest *group
word* (girls, boys, women, men, children, adults, female, male) and the counted noun
("1453 victims", "407 court cases"). The vocabularies are generic English; nothing here knows
any particular document.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import replace

from assistant.text.places import Place, places
from assistant.text.quantities import (
    CURRENCY_SYMBOLS,
    CURRENCY_WORDS,
    FRACTIONS,
    GROUPS,
    HEDGE_CANONICAL,
    SCALE_ABBREVIATIONS,
    SCALES,
    TENS,
    UNITS,
    VAGUE,
    Quantity,
    QuantityKind,
    comparable,
    group_of,
    groups_disjoint,
    interval,
    parse_number,
)
from assistant.text.stems import STOPWORDS, stem, words

__all__ = [
    "GROUPS", "Place", "Quantity", "QuantityKind", "clause_of", "comparable", "describe",
    "extract", "group_of", "groups_disjoint", "places",
]

# ------------------------------------------------------------------ parsing

_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORDNUM = (
    r"(?:(?:" + "|".join(TENS) + r")(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|" + "|".join(sorted(UNITS, key=len, reverse=True)) + r")"
)
_PERCENT = r"(?:\s*%|\s*per\s?cent\b|\s+percent\b|\s+pct\b|\s+percentage points?\b)"
_CURRENCY_BEFORE = r"(?:US\$|\$|€|£|USD|EUR|GBP)"
# "62 billion dollars", "62 billion US dollars", "62 billion U.S. dollars", "62 billion USD".
_CURRENCY_AFTER = (r"(?:\s+(?:U\.?S\.?\s*)?(?:dollars?|euros?|pounds?)\b"
                   r"|\s+(?:USD|EUR|GBP)\b)")
# A scale written short after the digits: "$62bn", "4.8bn people", "€40m", "5k USD". "m",
# "k" and "tn" are also metres, kilo- and tonnes: a scale only next to a currency.
_SCALE_SHORT = (r"\s?(?:(?:bn|mn)\b|(?:k|m|tn)(?(cur)\b|(?=" + _CURRENCY_AFTER + r")))")
_SCALE = r"(?:\s+(?:" + "|".join(SCALES) + r")|" + _SCALE_SHORT + r")?"

_NUMBER = re.compile(
    rf"(?:(?P<cur>{_CURRENCY_BEFORE})\s?)?"
    rf"(?P<num>(?:(?<![\w.,/])|(?<=USD|EUR|GBP))(?:{_DIGITS})(?:(?![\w/])|(?={_SCALE_SHORT}))"
    rf"|\b(?:a|one|{_WORDNUM})\s+(?:{'|'.join(SCALES)})\b"
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
        low, high = VAGUE[m.group("vague").lower()]
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
        numerator = UNITS.get(count_word, 1) if count_word not in ("a", "an", "") else 1
        share = 100.0 * numerator * FRACTIONS[frac]
        # Spoken fractions are loose: "about a third" is said of anything from ~28% to ~38%.
        low, high = share * 0.85, share * 1.15
        start, hedge = _hedge_before(masked, m.start())
        low, high = _apply_hedge(share, 0.5, hedge, (low, high))
        found.append(replace(_make(text, "percent", share, low, high, start, m.end(),
                                   hedge or "about", "%"), spoken=True))
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
    inline_scale = re.search(r"\s+(" + "|".join(SCALES) + r")$", raw, re.IGNORECASE)
    if inline_scale:  # "a million", "two thousand"
        scale_word = inline_scale.group(1).lower()
        raw = raw[: inline_scale.start()]
    parsed = parse_number(raw)
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
    scale = SCALES.get(scale_word) or SCALE_ABBREVIATIONS.get(scale_word, 1.0)
    value, rounding = value * scale, rounding * scale
    kind: QuantityKind
    unit: str | None
    if m.group("pct"):
        kind, unit = "percent", "%"
    elif m.group("cur") or m.group("curafter"):
        kind = "money"
        symbol = (m.group("cur") or "").strip().lower()
        after = (m.group("curafter") or "").split()[-1].lower() if m.group("curafter") else ""
        unit = CURRENCY_SYMBOLS.get(symbol) or CURRENCY_WORDS.get(after)
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
        hedge = HEDGE_CANONICAL[after.group("hedge").lower()]
        end += after.end()
    elif hedge is not None:
        start = hedge_start
    if kind == "year" and hedge not in (None, "about"):
        hedge = None if hedge in ("over", "under") else hedge  # "over 2000" is rarely a year
    low, high = interval(value, rounding, hedge) if kind != "year" or hedge else (value, value)
    return _make(text, kind, value, low, high, start, end, hedge, unit, rounding)


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
    return start - (len(window) - m.start()), HEDGE_CANONICAL[m.group("hedge").lower()]


def _apply_hedge(
    value: float, rounding: float, hedge: str | None, default: tuple[float, float]
) -> tuple[float, float]:
    if hedge is None or hedge == "about":
        return default
    return interval(value, max(rounding, 0.05 * value), hedge)


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
    precision: float = 0.0,
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
        precision=precision,
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
                first = (a.low, a.high) if kind == a.kind else (a.value - 0.5, a.value + 0.5)
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
                        precision=max(a.precision, b.precision),
                        ends=(first, (b.low, b.high)),
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


# "16% of boys", "25% for males", "70 percent of them boys", "half of whom were girls".
_OF_GROUP = re.compile(
    r"[\s,]*(?:(?:of|for|among)\s+)(?:(?:the|all|them|whom|those|these)\s+)?"
    r"(?:(?:were|are|was|is|being)\s+)?",
    re.IGNORECASE,
)


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
        if word is None or word.lower() in STOPWORDS or word.lower() in SCALES:
            break
        if word.lower() in CURRENCY_WORDS:
            continue
        # "member-states" counts the same thing as "member states".
        out.extend(stem(part) for part in word.split("-") if part)
        if len(out) >= 2:
            break
    return tuple(out[:2])


def describe(q: Quantity) -> str:
    """What a figure is about, for messages: "boys", "victims", "court cases" or ""."""
    if q.group:
        return q.group
    return ""



def clause_of(text: str, q: Quantity) -> tuple[int, int]:
    """Span of the clause of `text` holding figure `q` (clauses split as for its subject)."""
    return _clause_bounds(_masked(text), q.start, q.end)
