"""Contradiction or confirmation by form: swapped comparisons, a statement made of another group,
negation and antonyms in an otherwise matching sentence."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.claims.comparisons import (
    COMPARATIVE,
    UP,
    StructureFinding,
    compare_with_figures,
    group_comparisons,
)
from assistant.claims.evidence import ClaimSentence, in_quotes, located
from assistant.claims.parts import ClaimParts, Thresholds
from assistant.text.numbers import (
    group_of,
    groups_disjoint,
)
from assistant.text.stems import NEGATIONS, content_stems, coverage, stem, words

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

_CLAUSE_SPLIT = re.compile(r"[;:]|,?\s+\b(?:while|whereas|but|although|though)\b", re.IGNORECASE)


# ------------------------------------------------------------------ structure


def comparisons(text: str) -> list[tuple[str, str]]:
    """(larger side, smaller side) of each "more X than Y" / "fewer X than Y" in `text`."""
    out: list[tuple[str, str]] = []
    for m in COMPARATIVE.finditer(text):
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
        pair = (left, right) if m.group("cmp").lower() in UP else (right, left)
        out.append(pair)
    return out


def structure_finding(
    parts: ClaimParts, sentences: Sequence[ClaimSentence], th: Thresholds
) -> StructureFinding | None:
    """A contradiction by form (swap, other group, negation, antonym) or a confirmation of a
    comparison; None when the structure says nothing."""
    claim_pairs = comparisons(parts.text)
    strong = [s for s in sentences if s.coverage >= th.structure_coverage][:5]
    # A comparison of two groups is judged on the figures given for each, when there are.
    relevant = [s for s in sentences if s.coverage >= th.relevant_coverage][:5]
    for comparison in group_comparisons(parts.text):
        by_figures = compare_with_figures(comparison, relevant)
        if by_figures is not None:
            return by_figures
    for pair in claim_pairs:
        for sentence in strong:
            for evidence_pair in comparisons(sentence.text):
                if evidence_pair == (pair[1], pair[0]):
                    return StructureFinding(
                        "contradicted",
                        sentence,
                        f"{located(sentence)} says the opposite comparison: "
                        f"{in_quotes(sentence.text)}",
                    )
                if evidence_pair == pair:
                    return StructureFinding("confirmed", sentence, "")
    compared = {g for pair in claim_pairs for g in pair}
    claim_groups = {g for g in parts.groups if g not in compared}
    if claim_groups:
        found = _other_group(parts, claim_groups, strong, th)
        if found is not None:
            return found
    if strong:
        best = strong[0]
        # "unsafe" says what "not safe" does: the prefix is the claim's (or the passage's) "not".
        prefixed = _prefixed_negations(parts.text, best.text)
        claim_negated = parts.negated or bool(prefixed)
        sentence_negated = _negated(best.text) or bool(_prefixed_negations(best.text, parts.text))
        if claim_negated != sentence_negated and (
            best.coverage >= th.negation_coverage
            or (best.coverage >= th.negated_verb_coverage
            and _negates_a_word(parts.text if parts.negated else best.text, parts, best))
        ):
            return StructureFinding("contradicted", best,
                    f"{located(best)} says the opposite: {in_quotes(best.text)}")
        claim_stems = set(parts.stems)
        sentence_stems = set(content_stems(best.text))
        for word in claim_stems - sentence_stems - {stem(w) for w in prefixed}:
            opposite = _ANTONYM_STEMS.get(word, set()) & sentence_stems
            if opposite and best.coverage >= 0.7:
                return StructureFinding(
                    "contradicted",
                    best,
                    f"{located(best)} says the opposite: {in_quotes(best.text)}",
                )
    return None


_VERB_NEGATION = re.compile(r"\b(?:not|never|cannot)\b|n't\b", re.IGNORECASE)


def _negated(text: str) -> bool:
    lowered = {w.lower() for w, _, _ in words(text)}
    return bool(lowered & NEGATIONS) or any(w.endswith("n't") for w in lowered)


_NEGATIVE_PREFIXES = ("non-", "non", "un", "in", "im", "il", "ir", "dis")


def _prefixed_negations(text: str, other: str) -> set[str]:
    """Words of `text` that negate by a prefix what `other` negates with "not"/"never": "unsafe"
    where `other` says "not safe", "non-binding" for "not binding". The base must follow the
    negation in `other`, so "under" or "interest" never pass for a negated word."""
    negated = {
        stem(w)
        for m in _VERB_NEGATION.finditer(other)
        for w, _, _ in words(other[m.end() : m.end() + 40])[:2]
    }
    out = set()
    for word, _, _ in words(text):
        lowered = word.lower()
        for prefix in _NEGATIVE_PREFIXES:
            base = lowered[len(prefix) :]
            if lowered.startswith(prefix) and len(base) >= 3 and stem(base) in negated:
                out.add(lowered)
    return out


def _negates_a_word(text: str, parts: ClaimParts, sentence: ClaimSentence) -> bool:
    """"not"/"never" right before (≤ 2 words) a word both sides share: "not effectively
    enforced". Determiners like "no country is exempt" are left alone: their scope is murky."""
    shared = set(parts.stems) & set(content_stems(sentence.text))
    for m in _VERB_NEGATION.finditer(text):
        following = [stem(w) for w, _, _ in words(text[m.end() : m.end() + 40])][:2]
        if any(f in shared for f in following):
            return True
    return False


def _other_group(
    parts: ClaimParts, claim_groups: set[str], strong: Sequence[ClaimSentence], th: Thresholds
) -> StructureFinding | None:
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
            return StructureFinding(
                "contradicted",
                sentence,
                f"{located(sentence)} says this of {said_of}, not {claimed}: "
                f"{in_quotes(best_clause.strip(' ,'))}",
            )
    return None


GROUP_STEM_SOURCES = ("girls", "boys", "women", "men", "children", "adults", "female", "male")
