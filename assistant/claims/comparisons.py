"""Comparisons checked against figures: "more X than Y", "twice as … as Y", "three times …".

A claim that compares two groups ("female victims are detected through their own action more
often than males", "girls are twice as often trafficked as boys") is judged on the figures a
matching sentence gives for each side (32% for female, 25% for male): the direction must
agree, and a stated ratio must fit the figures' ratio once rounding is allowed for
(32/25 ≈ 1.3 is not "twice"). When the evidence gives no figure for one side, nothing is
decided here and the wording is compared instead (`assistant.claims.structure`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple

from assistant.text.numbers import Quantity, extract, group_of
from assistant.text.stems import words

if TYPE_CHECKING:  # claim_parts needs ratio_spans before claim_evidence can be imported
    from assistant.claims.evidence import ClaimSentence


class StructureFinding(NamedTuple):
    """What the form of the evidence says of a claim: contradicted or confirmed, by which
    sentence, and why (the reason shown; empty when the sentence says it all)."""

    verdict: Literal["contradicted", "confirmed"]
    sentence: ClaimSentence
    reason: str

_RATIO_WORDS = {"twice": 2.0, "double": 2.0, "triple": 3.0, "half": 0.5, "two": 2.0,
                "three": 3.0, "four": 4.0, "five": 5.0, "six": 6.0, "seven": 7.0,
                "eight": 8.0, "nine": 9.0, "ten": 10.0}
_RATIO = re.compile(
    r"\b(?P<ratio>twice|double|triple|half|(?:two|three|four|five|six|seven|eight|nine|ten|"
    r"\d+(?:\.\d+)?)\s+times)\s+(?:as\s+)?(?P<between>(?:[\w'-]+\s+){0,3}?)(?:as|than)\s+"
    r"(?P<after>[\w'-]+(?:\s+[\w'-]+){0,2})",
    re.IGNORECASE,
)
COMPARATIVE = re.compile(
    r"\b(?P<cmp>more|fewer|less|higher|lower|greater|larger|smaller|bigger)\b"
    r"(?P<between>(?:\s+[\w'-]+){0,3}?)\s+than\s+(?P<after>[\w'-]+(?:\s+[\w'-]+){0,2})",
    re.IGNORECASE,
)
UP = frozenset({"more", "higher", "greater", "larger", "bigger"})
# A ratio said in words is loose: "twice" is said of 1.8× as readily as of 2.2×.
RATIO_SLACK = 0.15


@dataclass(frozen=True)
class Comparison:
    """`larger` compared with `smaller` (canonical group names, or names as written when
    `named`: "Pakistan … more … than Ethiopia"), with the stated ratio."""

    larger: str
    smaller: str
    ratio: float | None  # larger / smaller as stated ("twice" → 2); None: only a direction
    text: str  # the comparison as written
    start: int
    end: int
    named: bool = False


_NAME = re.compile(r"[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")


def _name_sides(text: str, m: re.Match[str]) -> tuple[str | None, str | None]:
    """Proper names on each side ("Pakistan contributes more … than Ethiopia"): the last
    capitalised run before the comparison, the one that opens what follows "than"."""
    from assistant.text.stems import STOPWORDS

    def name(found: re.Match[str] | None) -> str | None:
        if found is None:
            return None
        kept = [w for w in found.group().split() if w.lower() not in STOPWORDS]
        return " ".join(kept) or None

    right = name(_NAME.match(m.group("after")))
    before = list(_NAME.finditer(text[max(0, m.start() - 120) : m.start()]))
    left = name(before[-1]) if before else None
    return left, right


def _sides(text: str, m: re.Match[str]) -> tuple[str | None, str | None]:
    after = [w for w, _, _ in words(m.group("after"))]
    right = next((g for w in after if (g := group_of(w))), None)
    between = [w for w, _, _ in words(m.group("between"))]
    left = next((g for w in between if (g := group_of(w))), None)
    if left is None:
        before = [w for w, _, _ in words(text[max(0, m.start() - 120) : m.start()])]
        left = next((g for w in reversed(before) if (g := group_of(w))), None)
    return left, right


def group_comparisons(text: str) -> tuple[Comparison, ...]:
    """Every comparison in `text` whose two sides are groups (girls, boys, female, …) or,
    for "more/fewer … than", two names ("Pakistan … more peacekeepers than Ethiopia")."""
    out: list[Comparison] = []
    taken: list[tuple[int, int]] = []
    for m in _RATIO.finditer(text):
        left, right = _sides(text, m)
        if left is None or right is None or left == right:
            continue
        word = m.group("ratio").split()[0].lower()
        ratio = _RATIO_WORDS.get(word) or float(word)
        if ratio < 1:
            left, right, ratio = right, left, 1 / ratio
        out.append(Comparison(left, right, ratio, " ".join(m.group().split()), m.start(),
                              m.end()))
        taken.append((m.start(), m.end()))
    for m in COMPARATIVE.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        if re.match(r"\s*(?:\d|one\b|a\b|an\b|half\b|twice\b)", m.group("after"), re.IGNORECASE):
            continue  # "more than 60%": a hedge on a figure, not a comparison
        left, right = _sides(text, m)
        named = left is None and right is None
        if named:  # no group on either side: two names, when the claim gives them
            left, right = _name_sides(text, m)
        if left is None or right is None or left == right:
            continue
        if m.group("cmp").lower() not in UP:
            left, right = right, left
        out.append(Comparison(left, right, None, " ".join(m.group().split()), m.start(),
                              m.end(), named=named))
    return tuple(sorted(out, key=lambda c: c.start))


def ratio_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Spans of ratio words ("twice", "three times") in comparisons: they are no figures."""
    return tuple((m.start("ratio"), m.end("ratio")) for m in _RATIO.finditer(text))


def _named_figure(text: str, name: str, other: str,
                  quantities: Sequence[Quantity]) -> Quantity | None:
    """The first figure after `name`'s mention, before `other`'s next mention: "Pakistan,
    with 7161 peacekeepers; and Ethiopia, … 8326" gives Pakistan 7161."""
    at = re.search(rf"\b{re.escape(name)}\b", text)
    if at is None:
        return None
    stop = re.search(rf"\b{re.escape(other)}\b", text[at.end() :])
    end = at.end() + stop.start() if stop is not None else len(text)
    return next((q for q in quantities if q.kind in ("percent", "count", "money")
                 and at.end() <= q.start < end), None)


def _pair(
    comparison: Comparison, quantities: Sequence[Quantity], text: str = ""
) -> tuple[Quantity, Quantity] | None:
    """The one figure of a kind given for each side ("32% … female", "25% … male")."""
    if comparison.named:
        first = _named_figure(text, comparison.larger, comparison.smaller, quantities)
        second = _named_figure(text, comparison.smaller, comparison.larger, quantities)
        if first is None or second is None or first.kind != second.kind:
            return None
        return first, second
    for kind in ("percent", "count", "money"):
        big = [q for q in quantities if q.kind == kind and q.group == comparison.larger]
        small = [q for q in quantities if q.kind == kind and q.group == comparison.smaller]
        if len(big) == 1 and len(small) == 1:
            return big[0], small[0]
    return None


def _times(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def compare_with_figures(
    comparison: Comparison, sentences: Sequence[ClaimSentence]
) -> StructureFinding | None:
    """("confirmed" | "contradicted", sentence, reason) from the first sentence giving one
    figure of the same kind for each side; None when no sentence does."""
    from assistant.claims.evidence import in_quotes, located

    for sentence in sentences:
        pair = _pair(comparison, extract(sentence.text), sentence.text)
        if pair is None or pair[1].high <= 0:
            continue
        big, small = pair
        figures = f"{big.text} for {comparison.larger}, {small.text} for {comparison.smaller}"
        where = f"{located(sentence)} gives {figures}"
        quote = in_quotes(sentence.text)
        if big.same_figure(small):
            return StructureFinding("contradicted", sentence,
                    f"{where}: about the same, not “{comparison.text}”: {quote}")
        if big.high <= small.low:
            return StructureFinding("contradicted", sentence,
                    f"{where}: the opposite of “{comparison.text}”: {quote}")
        if comparison.ratio is None:
            return StructureFinding("confirmed", sentence, f"{where}: {quote}")
        low = max(big.low, 0.0) / small.high
        high = big.high / small.low if small.low > 0 else float("inf")
        stated_low = comparison.ratio * (1 - RATIO_SLACK)
        stated_high = comparison.ratio * (1 + RATIO_SLACK)
        actual = _times(big.value / small.value) if small.value else "?"
        if low <= stated_high and stated_low <= high:
            return StructureFinding("confirmed", sentence, f"{where} ({actual} times): {quote}")
        return StructureFinding("contradicted", sentence,
                f"{where}: {actual} times, not “{comparison.text}”: {quote}")
    return None
