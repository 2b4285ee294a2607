"""Each figure of a claim against the figures of the evidence about the same thing: same kind,
group, counted noun, places and year; the reason that names what the brief gives."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.claims.evidence import ClaimSentence, in_quotes, located
from assistant.claims.parts import ClaimParts, Thresholds
from assistant.text.numbers import (
    Place,
    Quantity,
    clause_of,
    extract,
    group_of,
    places,
)
from assistant.text.stems import Lexicon, content_stems, coverage, is_content_word, stem, words


@dataclass(frozen=True)
class Finding:
    status: str  # "confirmed" | "contradicted" | "unverified"
    claim_quantity: Quantity
    evidence: ClaimSentence | None = None
    quantity: Quantity | None = None
    also: tuple[Quantity, ...] = ()  # other figures for the same thing
    other_group: Quantity | None = None  # the claim's figure, but given for another group
    also_scope: tuple[str, ...] = ()  # what narrows the first of `also` (places, a year)
    # a figure set aside because its sentence ranks the claim's place below its scope
    ranked_below: tuple[ClaimSentence, Quantity] | None = None



# ------------------------------------------------------------------ figures


def _group_stems(parts: ClaimParts) -> set[str]:
    """Stems of the claim's group words, as written ("maternal", "minors") and canonical:
    the group is compared on its own (`_subject_compatible`), not as a context word."""
    written = {stem(w) for w, _, _ in words(parts.text) if group_of(w) is not None}
    return written | {stem(g) for g in parts.groups}


# Words that only say "an amount of money" of a money figure: "worth $62 billion" and
# "valued at 62 billion USD" state the same thing, so one stands for the other around a money
# figure. The thing valued (a name, "budget", "pledged") must still match.
_MONEY_MEASURE = frozenset(stem(w) for w in ("worth", "value", "valued", "cost", "price"))


def _context_score(parts: ClaimParts, sentence: ClaimSentence, lexicon: Lexicon | None,
                   kind: str | None = None) -> float:
    group_stems = _group_stems(parts)
    wanted = [s for s in parts.stems if s not in group_stems] or list(parts.stems)
    window: frozenset[str] | set[str] = sentence.window
    if kind == "money" and window & _MONEY_MEASURE:
        window = window | (_MONEY_MEASURE & set(wanted))
    return coverage(wanted, window, lexicon)


def _key_terms_ok(parts: ClaimParts, sentence: ClaimSentence) -> bool:
    if not parts.key_stems:
        return True
    found = sum(1 for s in parts.key_stems if s in sentence.chunk_stems)
    return found / len(parts.key_stems) >= 0.5


def _subject_compatible(cq: Quantity, eq: Quantity) -> bool:
    if cq.kind == "year":
        return True  # a year's "subject" is the event: judged by context words alone
    if cq.group and eq.group and cq.group != eq.group:
        return False
    return not (cq.kind == "count" and cq.noun and eq.noun and not set(cq.noun) & set(eq.noun))


@dataclass(frozen=True)
class _Candidate:
    """A figure of the evidence about the same kind of thing as a figure of the claim."""

    ctx: float  # share of the claim's other words around it
    sentence: ClaimSentence
    quantity: Quantity
    group_match: bool  # it names the claim figure's group
    missing: int  # places the claim names that its sentence does not
    added: tuple[str, ...]  # qualifiers its clause adds that the claim does not mention
    bound: bool = True  # a year: its own clause says what the claim dates (else always True)
    dated: bool = True  # a year: its sentence (with context) names the claim's event

    @property
    def scope(self) -> tuple[bool, bool, int, int]:
        """How well its scope fits the claim's (larger is better)."""
        return (self.bound, self.group_match, -self.missing, -len(self.added))


# Words that only say "when" of a year ("dates from 1987", "since 1987"): no event of their own.
_DATING = frozenset(stem(w) for w in ("date", "dates", "dated", "dating", "since", "year"))


def _year_bound(parts: ClaimParts, sentence: ClaimSentence, eq: Quantity,
                lexicon: Lexicon | None, th: Thresholds) -> tuple[bool, bool]:
    """`(bound, dated)` for year `eq` of `sentence`.

    bound: the clause holding the year itself says what the claim dates: "Created in 1945 …,
    the Committee (DISEC) …" dates the committee; "Director of DISEC, PacificMUN 2019" (a
    name and the conference's year) does not, though the sentence names DISEC.
    dated: at least the sentence and its context hold the claim's event, one of its words
    besides names and dating words ("joined", "signed"): "India joined the BRI in 2016" has
    no event in "2014 – Premier Li calls for accelerating the BRI along the
    Bangladesh-China-India-Myanmar corridor", which names India and the BRI but dates
    something else. A year that is neither is no evidence about the claim's date."""
    start, end = clause_of(sentence.text, eq)
    own = content_stems(sentence.text[start:end])
    group_stems = _group_stems(parts)
    wanted = [s for s in parts.stems if s not in group_stems] or list(parts.stems)
    names = _names(parts, sentence)
    event = [s for s in wanted if s not in names]
    # The names and one of the claim's other words ("founded", "adopted") must be there.
    bound = coverage(wanted, own, lexicon) >= th.context and (
        not event or any(s in own for s in event)
    )
    event = [s for s in event if s not in _DATING]
    dated = bound or not event or any(s in sentence.window for s in event)
    return bound, dated


def _names(parts: ClaimParts, sentence: ClaimSentence) -> set[str]:
    """Stems of the claim's names: its key terms and its capitalised words that the evidence
    never writes in lower case, even first in the claim ("India joined …", where `key_stems`
    cannot tell a name from a capital letter). "Founded in 1945, …" is no name where the
    evidence says "founded"."""
    text = f"{sentence.previous} {sentence.text}"
    out = set(parts.key_stems)
    for word, _, _ in words(parts.text):
        if not word[:1].isupper() or group_of(word) is not None or not is_content_word(word):
            continue
        if not re.search(rf"\b{re.escape(word.lower())}\b", text):
            out.update(content_stems(word))
    return out


def _qualifiers(parts: ClaimParts, cq: Quantity, sentence: ClaimSentence,
                eq: Quantity) -> tuple[int, tuple[str, ...]]:
    """`(missing, added)`: places the claim names that the sentence lacks, and what the
    figure's clause narrows it to beyond the claim: named places, a year the claim does not
    give (not for year figures: there the years are what is compared) and a sub-group.

    "children are 45% of victims" fits "In 2022, children accounted for 38%" (adds a year)
    better than "in Central America, …, children are 60%" (adds places); a claim naming
    the region reverses that."""
    claim_places = places(parts.text)
    text = sentence.text
    start, end = clause_of(text, eq)
    added: list[str] = []
    for place in places(text[start:end]):
        if not any(place.keys <= mentioned.keys for mentioned in claim_places):
            added.append(place.name)
    if cq.kind != "year":
        claim_years = {q.value for q in parts.quantities if q.kind == "year"}
        for q in extract(text[start:end]):
            if q.kind == "year" and q.value not in claim_years:
                added.append(q.text)
    if eq.group and not cq.group and eq.group not in parts.groups:
        added.append(eq.group)
    missing = sum(1 for place in claim_places if not place.keys <= sentence.window)
    return missing, tuple(dict.fromkeys(added))


def _ranked_below(parts: ClaimParts, text: str, eq: Quantity) -> bool:
    """Whether a place the claim names appears in `text` only in a "followed by …" after the
    figure: the sentence then ranks that place below the figure's scope, and the figure is not
    about it ("… recorded about 60%, followed by East Asia" gives East Asia no figure)."""
    ranked = _RANKED_BELOW.search(text, eq.end)
    if ranked is None:
        return False
    before, after = places(text[: ranked.start()]), places(text[ranked.end() :])

    def named(place: Place, among: Sequence[Place]) -> bool:
        return any(place.keys <= other.keys or other.keys <= place.keys for other in among)

    return any(named(p, after) and not named(p, before) for p in places(parts.text))


def check_figure(
    parts: ClaimParts,
    cq: Quantity,
    sentences: Sequence[ClaimSentence],
    lexicon: Lexicon | None,
    th: Thresholds,
) -> Finding:
    candidates: list[_Candidate] = []
    other_group: Quantity | None = None
    ranked: tuple[ClaimSentence, Quantity] | None = None
    for sentence in sentences:
        if not _key_terms_ok(parts, sentence):
            continue
        ctx = _context_score(parts, sentence, lexicon, cq.kind)
        # The figure's subject may be named in the sentence before it (a citation split as
        # "Convention on the Rights of the Child. United Nations, New York, 20/11/1989."):
        # the window's words count as much as the sentence's own.
        relevant = max(sentence.coverage, ctx)
        if relevant < th.relevant_coverage * 0.5 and sentence.scored.dense < 0.45:
            continue
        for eq in extract(sentence.text):
            if eq.kind != cq.kind or (
                eq.kind == "money" and cq.unit and eq.unit and cq.unit != eq.unit
            ):
                continue
            if not _subject_compatible(cq, eq):
                if eq.same_figure(cq) and ctx >= th.context and other_group is None:
                    other_group = eq
                continue
            if _ranked_below(parts, sentence.text, eq):
                ranked = ranked or (sentence, eq)
                continue
            missing, added = _qualifiers(parts, cq, sentence, eq)
            group_match = bool(cq.group) and eq.group == cq.group
            bound, dated = (_year_bound(parts, sentence, eq, lexicon, th)
                            if cq.kind == "year" else (True, True))
            candidates.append(
                _Candidate(ctx, sentence, eq, group_match, missing, added, bound, dated)
            )
    about = [c for c in candidates if c.ctx >= th.context]
    # A year with the claim's names but not its event is no evidence either way (`_year_bound`).
    about = [c for c in about if c.dated]
    if not about:
        return Finding("unverified", cq, other_group=other_group, ranked_below=ranked)

    # Among the figures about the same thing, the one whose scope fits the claim best is
    # "the" figure; the most similar sentence breaks ties.
    about.sort(key=lambda c: (c.scope, c.ctx, c.sentence.relevance), reverse=True)
    best = about[0]
    agreeing = next(
        (c for c in about if cq.agrees_with(c.quantity) and c.scope == best.scope
         and c.ctx >= best.ctx - th.context_margin),
        None,
    )
    if agreeing is not None:
        return Finding("confirmed", cq, agreeing.sentence, agreeing.quantity)
    if best.quantity.upper_bound and cq.consistent_with(best.quantity):
        # "up to 40%", "less than 1%" are said of figures far below them too: a much smaller
        # claimed figure is not the brief's, but not contradicted by it (`plausible`).
        return Finding("unverified", cq, best.sentence, best.quantity,
                       other_group=other_group, ranked_below=ranked)
    also = tuple(
        dict.fromkeys(c.quantity for c in about[1:] if not c.quantity.same_figure(best.quantity))
    )
    scopes = {c.quantity: c.added for c in about}
    return Finding("contradicted", cq, best.sentence, best.quantity, also=also[:1],
                    other_group=other_group, also_scope=scopes.get(also[0], ()) if also else ())


def figure_reason(finding: Finding, th: Thresholds) -> str:
    cq, eq, sentence = finding.claim_quantity, finding.quantity, finding.evidence
    assert eq is not None and sentence is not None
    subject = f" for {eq.group}" if eq.group and cq.kind != "year" else ""
    where = located(sentence)
    quote = in_quotes(sentence.quoted(th))
    if finding.status == "confirmed":
        return f"{where} gives {eq.text}{subject}: {quote}"
    reason = f"{where} gives {eq.text}{subject}, not {cq.text}"
    if finding.other_group is not None and finding.other_group.group:
        reason += f" ({finding.other_group.text} is the figure for {finding.other_group.group})"
    elif finding.also and finding.also_scope and cq.agrees_with(finding.also[0]):
        # The claim's figure is there, but for a narrower scope than the claim states.
        reason += f" ({finding.also[0].text} is given only{_scope_note(finding.also_scope)})"
    elif finding.also:
        reason += f" (it also gives {finding.also[0].text}{_scope_note(finding.also_scope)})"
    return f"{reason}: {quote}"


def _scope_note(scope: Sequence[str]) -> str:
    """" for Central America, Caribbean and 2 more" / " in another context"."""
    if not scope:
        return " in another context"
    shown = list(scope[:3])
    rest = len(scope) - len(shown)
    listed = ", ".join(shown) + (f" and {rest} more" if rest else "")
    return f" for {listed}"



# "X and Y recorded the highest share, 60%, followed by Z": Z is ranked below the figure's
# scope and given no figure of its own.
_RANKED_BELOW = re.compile(r"\b(?:followed by|ahead of)\b", re.IGNORECASE)
