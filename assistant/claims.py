"""Claim checking: is a statement supported by, contradicted by, or absent from the corpus?

The checker never paraphrases: its verdict rests on sentences of retrieved passages, which are
returned as evidence with the deciding sentence highlighted. The order of tests:

1. Relevance. Every sentence of the candidate passages is scored against the claim: dense
   cosine similarity and the IDF-weighted share of the claim's content words it contains.
2. Figures (`assistant.numbers`). Each figure of the claim is compared with the figures of the
   relevant sentences *about the same thing*: same kind (percent, count, money, year), the same
   group word (a claim about boys is checked against the figure for boys, never girls), a
   compatible counted noun, and enough of the claim's other words (and its names) around it.
   A matching figure confirms; a figure about the same thing that differs contradicts
   ("the brief gives 16% for boys, not 22%"); no figure about that thing → not found.
3. Structure. Swapped comparisons ("more child than adult victims" against "more adult than
   child victims"), a statement the passage makes about another group ("girls are trafficked
   for forced labour" where the passage says it of boys), and negation or antonym mismatches
   in an otherwise matching sentence contradict.
4. Otherwise a claim is supported only when one sentence matches it strongly (dense
   similarity *and* word coverage); anything weaker is not found: a weak "supported" is worse
   than an honest "not found".

Bad input raises `QueryError` (empty, over `MAX_CLAIM_CHARS`, or only figures/punctuation);
the CLI and app show its message.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.numbers import (
    Place,
    Quantity,
    clause_of,
    extract,
    group_of,
    groups_disjoint,
    places,
)
from assistant.records import Hit, Verdict
from assistant.sentences import (
    NEGATIONS,
    Lexicon,
    ScoredSentence,
    SentenceScorer,
    content_stems,
    coverage,
    stem,
    words,
)
from ingest.errors import QueryError

MAX_CLAIM_CHARS = 1_000


@dataclass(frozen=True)
class Thresholds:
    """Calibrated on the shipped brief with all-MiniLM-L6-v2 (see tests/test_claims.py)."""

    relevant_coverage: float = 0.34  # a sentence worth comparing figures in
    context: float = 0.45  # claim words around a figure for it to be "about the same thing"
    context_margin: float = 0.15  # a matching figure this close to the best context confirms
    support_relevance: float = 0.6  # a claim without figures: 0.6·dense + 0.4·coverage …
    support_coverage: float = 0.6  # … with this share of its words in one sentence …
    support_dense: float = 0.45  # … and at least this dense similarity
    max_unknown_share: float = 0.4  # claims mostly made of words the corpus never uses
    structure_coverage: float = 0.6  # a sentence matching well enough to contradict by form
    negation_coverage: float = 0.85  # polarity differs in an otherwise identical sentence
    negated_verb_coverage: float = 0.7  # … or "not"/"never" right before one of its words


DEFAULT_THRESHOLDS = Thresholds()

# Antonym pairs: a strongly matching sentence that says the opposite word contradicts.
_ANTONYMS = (
    ("increase", "decrease"), ("increase", "decline"), ("rise", "fall"), ("rise", "decline"),
    ("higher", "lower"), ("more", "fewer"), ("more", "less"), ("larger", "smaller"),
    ("majority", "minority"), ("effective", "ineffective"), ("sufficient", "insufficient"),
    ("legal", "illegal"), ("success", "failure"), ("improve", "worsen"), ("most", "few"),
)
_ANTONYM_STEMS: dict[str, set[str]] = {}
for _a, _b in _ANTONYMS:
    _ANTONYM_STEMS.setdefault(stem(_a), set()).add(stem(_b))
    _ANTONYM_STEMS.setdefault(stem(_b), set()).add(stem(_a))

_COMPARATIVE = re.compile(
    r"\b(?P<cmp>more|fewer|less|higher|lower|greater|larger|smaller|bigger)\b"
    r"(?P<between>(?:\s+[\w'-]+){0,3}?)\s+than\s+(?P<after>[\w'-]+(?:\s+[\w'-]+){0,2})",
    re.IGNORECASE,
)
_UP = frozenset({"more", "higher", "greater", "larger", "bigger"})
# A sentence that continues the previous one's subject: a pronoun first, perhaps after a
# connective ("In addition, it …").
_CONTINUES = re.compile(
    r"\s*(?:(?:in addition|also|moreover|furthermore|additionally|besides|in particular|"
    r"specifically|likewise|similarly)\s*,?\s+)?(?:it|its|they|their|these|this)\b",
    re.IGNORECASE,
)
_CLAUSE_SPLIT = re.compile(r"[;:]|,?\s+\b(?:while|whereas|but|although|though)\b", re.IGNORECASE)


# ------------------------------------------------------------------ claim analysis


@dataclass(frozen=True)
class ClaimParts:
    text: str
    quantities: tuple[Quantity, ...]
    stems: tuple[str, ...]  # content stems, figures and number words removed
    key_stems: tuple[str, ...]  # names and acronyms: must be matched by evidence
    groups: frozenset[str]
    negated: bool


def parse_claim(claim: str) -> ClaimParts:
    """Validate and analyse a claim; raise `QueryError` for unusable input."""
    text = " ".join(claim.split())
    if not text:
        raise QueryError("empty claim: type a statement to check, e.g. 'girls are 22% of victims'")
    if len(text) > MAX_CLAIM_CHARS:
        raise QueryError(
            f"claim too long ({len(text):,} characters; at most {MAX_CLAIM_CHARS:,}): "
            "check one statement at a time"
        )
    quantities = extract(text)
    blanked = text
    for q in quantities:
        blanked = blanked[: q.start] + " " * (q.end - q.start) + blanked[q.end :]
    stems = tuple(dict.fromkeys(content_stems(blanked)))
    if not stems:
        raise QueryError(
            f"claim {text!r} has no words to check, only figures: say what the figure is "
            "about, e.g. 'children are 38% of detected victims'"
        )
    key: list[str] = []
    for i, (word, start, _) in enumerate(words(blanked)):
        acronym = len(word) >= 2 and word.isupper() and word.isalpha()
        named = word[:1].isupper() and i > 0 and not blanked[:start].rstrip().endswith((".", ":"))
        if (acronym or named) and group_of(word) is None and word.lower() not in NEGATIONS:
            key.extend(s for s in content_stems(word))
    groups = frozenset(g for w, _, _ in words(text) if (g := group_of(w)) is not None)
    negated = any(w.lower() in NEGATIONS or w.lower().endswith("n't") for w, _, _ in words(text))
    return ClaimParts(
        text=text,
        quantities=quantities,
        stems=stems,
        key_stems=tuple(dict.fromkeys(key)),
        groups=groups,
        negated=negated,
    )


# ------------------------------------------------------------------ evidence


@dataclass(frozen=True)
class _Sentence:
    hit: Hit
    scored: ScoredSentence
    # stems of this sentence, the one before it and the ones that continue it (shared context)
    window: frozenset[str]
    chunk_stems: frozenset[str]
    coverage: float  # IDF-weighted share of the claim's words in this sentence alone
    relevance: float
    previous: str = ""  # the sentence before it in its passage

    @property
    def text(self) -> str:
        return self.scored.text

    def quoted(self, th: Thresholds) -> str:
        """The sentence to quote; with the one before it when that names its subject."""
        if self.previous and self.coverage < th.relevant_coverage * 0.5:
            return f"{self.previous} {self.text}"
        return self.text


@dataclass(frozen=True)
class _Finding:
    status: str  # "confirmed" | "contradicted" | "unverified"
    claim_quantity: Quantity
    evidence: _Sentence | None = None
    quantity: Quantity | None = None
    also: tuple[Quantity, ...] = ()  # other figures for the same thing
    other_group: Quantity | None = None  # the claim's figure, but given for another group
    also_scope: tuple[str, ...] = ()  # what narrows the first of `also` (places, a year)
    # a figure set aside because its sentence ranks the claim's place below its scope
    ranked_below: tuple[_Sentence, Quantity] | None = None


def _gather(
    parts: ClaimParts, hits: Sequence[Hit], scorer: SentenceScorer, query_vector: np.ndarray
) -> list[_Sentence]:
    scored = scorer.score(parts.text, [h.chunk for h in hits], query_vector)
    entries = scorer.sentences([h.chunk for h in hits])
    lexicon = scorer.lexicon
    out: list[_Sentence] = []
    for hit, sentences, entry in zip(hits, scored, entries, strict=True):
        chunk_stems = frozenset(s for stems in entry.stems for s in stems)
        for s in sentences:
            window = set(entry.stems[s.index])
            if s.index > 0:
                window.update(entry.stems[s.index - 1])
            # Sentences that go on about the same subject ("It establishes …", "In addition,
            # it allows …") share its context: a claim may join a dated fact to one of them.
            following = s.index + 1
            while following < len(entry.spans) and _CONTINUES.match(
                hit.chunk.text[slice(*entry.spans[following])]
            ):
                window.update(entry.stems[following])
                following += 1
            cov = coverage(parts.stems, entry.stems[s.index], lexicon)
            previous = hit.chunk.text[slice(*entry.spans[s.index - 1])] if s.index else ""
            out.append(
                _Sentence(
                    hit=hit,
                    scored=s,
                    window=frozenset(window),
                    chunk_stems=chunk_stems,
                    coverage=cov,
                    relevance=scorer.combine(s.dense, cov),
                    previous=previous,
                )
            )
    out.sort(key=lambda s: s.relevance, reverse=True)
    return out


def _where(sentence: _Sentence) -> str:
    document = sentence.hit.document
    if document.kind == "brief":
        page = sentence.hit.chunk.pages
        return f"the brief (p. {page})" if page else "the brief"
    return document.title or "a cited source"


def _quote(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return f"“{text}”" if len(text) <= limit else f"“{text[: limit - 1].rstrip()}…”"


# ------------------------------------------------------------------ figures


def _context_score(parts: ClaimParts, sentence: _Sentence, lexicon: Lexicon | None) -> float:
    group_stems = {stem(g) for g in parts.groups}
    wanted = [s for s in parts.stems if s not in group_stems] or list(parts.stems)
    return coverage(wanted, sentence.window, lexicon)


def _key_terms_ok(parts: ClaimParts, sentence: _Sentence) -> bool:
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
    sentence: _Sentence
    quantity: Quantity
    group_match: bool  # it names the claim figure's group
    missing: int  # places the claim names that its sentence does not
    added: tuple[str, ...]  # qualifiers its clause adds that the claim does not mention

    @property
    def scope(self) -> tuple[bool, int, int]:
        """How well its scope fits the claim's (larger is better)."""
        return (self.group_match, -self.missing, -len(self.added))


def _qualifiers(parts: ClaimParts, cq: Quantity, sentence: _Sentence,
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


def _check_figure(
    parts: ClaimParts,
    cq: Quantity,
    sentences: Sequence[_Sentence],
    lexicon: Lexicon | None,
    th: Thresholds,
) -> _Finding:
    candidates: list[_Candidate] = []
    other_group: Quantity | None = None
    ranked: tuple[_Sentence, Quantity] | None = None
    for sentence in sentences:
        if not _key_terms_ok(parts, sentence):
            continue
        ctx = _context_score(parts, sentence, lexicon)
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
            candidates.append(_Candidate(ctx, sentence, eq, group_match, missing, added))
    about = [c for c in candidates if c.ctx >= th.context]
    if not about:
        return _Finding("unverified", cq, other_group=other_group, ranked_below=ranked)

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
        return _Finding("confirmed", cq, agreeing.sentence, agreeing.quantity)
    also = tuple(
        dict.fromkeys(c.quantity for c in about[1:] if not c.quantity.same_figure(best.quantity))
    )
    scopes = {c.quantity: c.added for c in about}
    return _Finding("contradicted", cq, best.sentence, best.quantity, also=also[:1],
                    other_group=other_group, also_scope=scopes.get(also[0], ()) if also else ())


def _figure_reason(finding: _Finding, th: Thresholds) -> str:
    cq, eq, sentence = finding.claim_quantity, finding.quantity, finding.evidence
    assert eq is not None and sentence is not None
    subject = f" for {eq.group}" if eq.group and cq.kind != "year" else ""
    where = _where(sentence)
    quote = _quote(sentence.quoted(th))
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


# ------------------------------------------------------------------ structure


def _comparisons(text: str) -> list[tuple[str, str]]:
    """(larger side, smaller side) of each "more X than Y" / "fewer X than Y" in `text`."""
    out: list[tuple[str, str]] = []
    for m in _COMPARATIVE.finditer(text):
        after = [w for w, _, _ in words(m.group("after"))]
        right = next((g for w in after if (g := group_of(w))), None)
        right = right or next((stem(w) for w in after if w.lower() not in ("the", "a", "an")), None)
        between = [w for w, _, _ in words(m.group("between"))]
        left = next((g for w in between if (g := group_of(w))), None)
        if left is None:
            before = [w for w, _, _ in words(text[max(0, m.start() - 120) : m.start()])]
            left = next((g for w in reversed(before) if (g := group_of(w))), None)
        if left is None:
            left = next((stem(w) for w in between), None)
        if left is None or right is None or left == right:
            continue
        pair = (left, right) if m.group("cmp").lower() in _UP else (right, left)
        out.append(pair)
    return out


def _structure_finding(
    parts: ClaimParts, sentences: Sequence[_Sentence], th: Thresholds
) -> tuple[str, _Sentence, str] | None:
    """A contradiction by form (swap, other group, negation, antonym) or a confirmation of a
    comparison; None when the structure says nothing."""
    claim_pairs = _comparisons(parts.text)
    strong = [s for s in sentences if s.coverage >= th.structure_coverage][:5]
    for pair in claim_pairs:
        for sentence in strong:
            for evidence_pair in _comparisons(sentence.text):
                if evidence_pair == (pair[1], pair[0]):
                    return (
                        "contradicted",
                        sentence,
                        f"{_where(sentence)} says the opposite comparison: {_quote(sentence.text)}",
                    )
                if evidence_pair == pair:
                    return ("confirmed", sentence, "")
    compared = {g for pair in claim_pairs for g in pair}
    claim_groups = {g for g in parts.groups if g not in compared}
    if claim_groups:
        found = _other_group(parts, claim_groups, strong, th)
        if found is not None:
            return found
    if strong:
        best = strong[0]
        if parts.negated != _negated(best.text) and (
            best.coverage >= th.negation_coverage
            or (best.coverage >= th.negated_verb_coverage
            and _negates_a_word(parts.text if parts.negated else best.text, parts, best))
        ):
            return ("contradicted", best, f"{_where(best)} says the opposite: {_quote(best.text)}")
        claim_stems = set(parts.stems)
        sentence_stems = set(content_stems(best.text))
        for word in claim_stems - sentence_stems:
            opposite = _ANTONYM_STEMS.get(word, set()) & sentence_stems
            if opposite and best.coverage >= 0.7:
                return (
                    "contradicted",
                    best,
                    f"{_where(best)} says the opposite: {_quote(best.text)}",
                )
    return None


# "X and Y recorded the highest share, 60%, followed by Z": Z is ranked below the figure's
# scope and given no figure of its own.
_RANKED_BELOW = re.compile(r"\b(?:followed by|ahead of)\b", re.IGNORECASE)
_VERB_NEGATION = re.compile(r"\b(?:not|never|cannot)\b|n't\b", re.IGNORECASE)


def _negated(text: str) -> bool:
    lowered = {w.lower() for w, _, _ in words(text)}
    return bool(lowered & NEGATIONS) or any(w.endswith("n't") for w in lowered)


def _negates_a_word(text: str, parts: ClaimParts, sentence: _Sentence) -> bool:
    """"not"/"never" right before (≤ 2 words) a word both sides share: "not effectively
    enforced". Determiners like "no country is exempt" are left alone: their scope is murky."""
    shared = set(parts.stems) & set(content_stems(sentence.text))
    for m in _VERB_NEGATION.finditer(text):
        following = [stem(w) for w, _, _ in words(text[m.end() : m.end() + 40])][:2]
        if any(f in shared for f in following):
            return True
    return False


def _other_group(
    parts: ClaimParts, claim_groups: set[str], strong: Sequence[_Sentence], th: Thresholds
) -> tuple[str, _Sentence, str] | None:
    """The claim says of girls what the passage says of boys (in a clause of its own)."""
    group_stems = {stem(g) for g in GROUP_STEM_SOURCES} | {stem(g) for g in parts.groups}
    wanted = [s for s in parts.stems if s not in group_stems]
    if len(wanted) < 2:
        return None
    for sentence in strong[:3]:
        clauses = [c for c in _CLAUSE_SPLIT.split(sentence.text) if c and c.strip()]
        if len(clauses) < 2:
            continue
        scored = []
        for clause in clauses:
            clause_groups = {g for w, _, _ in words(clause) if (g := group_of(w)) is not None}
            scored.append((coverage(wanted, content_stems(clause)), clause, clause_groups))
        scored.sort(key=lambda c: c[0], reverse=True)
        best_cov, best_clause, best_groups = scored[0]
        if best_cov < th.structure_coverage or not best_groups:
            continue
        if best_groups & claim_groups:
            return None  # the passage says it of the claim's own group
        claim_clause = [c for c in scored[1:] if c[2] & claim_groups]
        if not claim_clause or best_cov - claim_clause[0][0] < 0.3:
            continue
        if all(groups_disjoint(c, e) for c in claim_groups for e in best_groups):
            said_of = ", ".join(sorted(best_groups))
            claimed = ", ".join(sorted(claim_groups))
            return (
                "contradicted",
                sentence,
                f"{_where(sentence)} says this of {said_of}, not {claimed}: "
                f"{_quote(best_clause.strip(' ,'))}",
            )
    return None


GROUP_STEM_SOURCES = ("girls", "boys", "women", "men", "children", "adults", "female", "male")


# ------------------------------------------------------------------ verdict


def check_claim(
    claim: str,
    hits: Sequence[Hit],
    scorer: SentenceScorer,
    k: int = 5,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Verdict:
    """Judge `claim` against the candidate passages `hits` (retrieved for the claim).

    Returns a `Verdict` whose evidence is the `k` most relevant passages, deciding passage
    first, each with its best sentence highlighted.
    """
    parts = parse_claim(claim)
    th = thresholds
    if not hits:
        return Verdict(parts.text, "not_found", "the index has no passage to compare it with")
    query_vector = scorer.embed_query(parts.text)
    sentences = _gather(parts, hits, scorer, query_vector)
    lexicon = scorer.lexicon

    unknown = [s for s in parts.stems if lexicon is not None and s not in lexicon]
    mostly_unknown = len(unknown) > th.max_unknown_share * len(parts.stems)
    decisive: _Sentence | None = None
    verdict: str
    reason: str

    findings = [_check_figure(parts, cq, sentences, lexicon, th) for cq in parts.quantities]
    structure = _structure_finding(parts, sentences, th)
    contradicted = [f for f in findings if f.status == "contradicted"]
    unverified = [f for f in findings if f.status == "unverified"]
    if contradicted:
        finding = contradicted[0]
        verdict, reason, decisive = "contradicted", _figure_reason(finding, th), finding.evidence
        if len(findings) > 1:
            reason = f"{_per_figure(findings)}. {reason}"
    elif structure is not None and structure[0] == "contradicted":
        verdict, decisive, reason = "contradicted", structure[1], structure[2]
    elif findings and not unverified and not mostly_unknown:
        verdict = "supported"
        decisive = findings[0].evidence
        reason = "; ".join(dict.fromkeys(_figure_reason(f, th) for f in findings))
        if len(findings) > 1:
            reason = f"{_per_figure(findings)}. {reason}"
    elif findings:
        missing = ", ".join(f.claim_quantity.text for f in unverified or findings)
        best = sentences[0] if sentences else None
        decisive = next((f.evidence for f in findings if f.evidence is not None), best)
        verdict = "not_found"
        other = next((f.other_group for f in unverified if f.other_group is not None), None)
        ranked = next((f.ranked_below for f in unverified if f.ranked_below is not None), None)
        if ranked is not None:
            sentence, figure = ranked
            decisive = sentence
            reason = (
                f"{_where(sentence)} gives {figure.text} only for the places it ranks first; "
                f"the place the claim names comes after them, with no figure of its own: "
                f"{_quote(sentence.text)}"
            )
        elif other is not None and other.group:
            reason = (
                f"no passage gives {missing} for what the claim describes "
                f"({other.text} appears, but for {other.group})"
            )
        elif unknown:
            reason = _unknown_reason(unknown, parts)
        else:
            reason = f"no relevant passage gives {missing} (or another figure) for this"
            if best is not None:
                reason += f"; the closest passage is {_where(best)}: {_quote(best.text, 120)}"
    else:
        best = sentences[0] if sentences else None
        confirmed_structure = structure is not None and structure[0] == "confirmed"
        if best is not None and not mostly_unknown and (confirmed_structure or _supports(best, th)):
            decisive = structure[1] if confirmed_structure and structure else best
            verdict = "supported"
            reason = f"{_where(decisive)} says: {_quote(decisive.text)}"
        else:
            verdict = "not_found"
            decisive = best
            if unknown:
                reason = _unknown_reason(unknown, parts)
            elif best is not None:
                reason = (
                    f"no passage says this; the closest is {_where(best)} "
                    f"(similarity {best.scored.dense:.2f}, {best.coverage:.0%} of the claim's "
                    f"words): {_quote(best.text, 120)}"
                )
            else:
                reason = "no passage says this"
    evidence = _evidence(sentences, decisive, hits, k)
    return Verdict(claim=parts.text, verdict=verdict, reason=reason, evidence=evidence)  # type: ignore[arg-type]


_STATUS_WORDS = {"confirmed": "supported", "contradicted": "contradicted",
                 "unverified": "not found"}


def _per_figure(findings: Sequence[_Finding]) -> str:
    """Each figure of a several-figure claim with its own verdict:
    "32% for female: supported; 25% for male: supported"."""
    out = []
    for f in findings:
        cq = f.claim_quantity
        subject = f" for {cq.group}" if cq.group and cq.kind != "year" else ""
        out.append(f"{cq.text}{subject}: {_STATUS_WORDS[f.status]}")
    return "; ".join(out)


def _supports(sentence: _Sentence, th: Thresholds) -> bool:
    return (
        sentence.relevance >= th.support_relevance
        and sentence.coverage >= th.support_coverage
        and sentence.scored.dense >= th.support_dense
    )


def _unknown_reason(unknown: Sequence[str], parts: ClaimParts) -> str:
    shown = []
    for word, _, _ in words(parts.text):
        if stem(word) in unknown and word not in shown:
            shown.append(word)
    listed = ", ".join(f"“{w}”" for w in shown[:4])
    return f"the brief and its indexed sources never mention {listed}"


def _evidence(
    sentences: Sequence[_Sentence], decisive: _Sentence | None, hits: Sequence[Hit], k: int
) -> tuple[Hit, ...]:
    """The k most relevant passages, the deciding one first, best sentence highlighted."""
    order: list[str] = []
    best_span: dict[str, tuple[int, int]] = {}
    ranked = ([decisive] if decisive is not None else []) + list(sentences)
    for sentence in ranked:
        cid = sentence.hit.chunk.id
        if cid not in best_span:
            best_span[cid] = sentence.scored.span
            order.append(cid)
    by_id = {h.chunk.id: h for h in hits}
    out = []
    for rank, cid in enumerate(order[:k], start=1):
        hit = by_id[cid]
        out.append(dataclasses.replace(hit, rank=rank, highlights=(best_span[cid],)))
    return tuple(out)
