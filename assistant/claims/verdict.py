"""Claim checking: is a statement supported by, contradicted by, or absent from the corpus?

The checker never paraphrases: its verdict rests on sentences of retrieved passages, which are
returned as evidence with the deciding sentence highlighted. The order of tests:

1. Relevance. Every sentence of the candidate passages is scored against the claim: dense
   cosine similarity and the IDF-weighted share of the claim's content words it contains. A
   link or reference line ("3. https://…") is no sentence to judge by, and a link's words
   never count for the sentence that holds it.
2. Figures (`assistant.text.numbers`). Each figure of the claim is compared with the figures of the
   relevant sentences *about the same thing*: same kind (percent, count, money, year), the same
   group word (a claim about boys is checked against the figure for boys, never girls), a
   compatible counted noun, and enough of the claim's other words (and its names) around it.
   A matching figure confirms; a figure about the same thing that differs contradicts
   ("the brief gives 16% for boys, not 22%"); no figure about that thing → not found. In a
   claim joining facts ("signed in 1978 and approved by Congress in 1980") the words after
   the conjunction belong to the later figure alone, so each is matched with its own sentence.
3. Structure. Swapped comparisons ("more child than adult victims" against "more adult than
   child victims"), a statement the passage makes about another group ("girls are trafficked
   for forced labour" where the passage says it of boys), and negation or antonym mismatches
   in an otherwise matching sentence contradict ("unsafe" negates as "not safe" does).
4. Otherwise a claim is supported only when one sentence matches it strongly (dense
   similarity *and* word coverage); anything weaker is not found: a weak "supported" is worse
   than an honest "not found".
5. Names (`assistant.claims.entities`). A "supported" stands only if its deciding sentence says
   it of the claim's names: one that says it of another name ("a Texas agency" for "an
   Oklahoma state agency", the European for the Inter-American Court) contradicts when the
   swap is clear and gives "not found" otherwise.

Bad input raises `QueryError` (empty, over `MAX_CLAIM_CHARS`, or only figures/punctuation);
the CLI and app show its message.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from assistant.claims.entities import name_swap, names_all_given
from assistant.claims.evidence import ClaimSentence, gather, in_quotes, located
from assistant.claims.figures import Finding, check_figure, figure_reason
from assistant.claims.parts import (
    DEFAULT_THRESHOLDS,
    MAX_CLAIM_CHARS,
    ClaimParts,
    Thresholds,
    parse_claim,
)
from assistant.claims.structure import structure_finding
from assistant.records import Hit, Verdict, VerdictLabel
from assistant.text.numbers import Quantity
from assistant.text.sentences import SentenceScorer
from assistant.text.stems import content_stems, stem, words

__all__ = ["DEFAULT_THRESHOLDS", "MAX_CLAIM_CHARS", "ClaimParts", "Thresholds", "check_claim",
           "parse_claim"]


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
    sentences = gather(parts, hits, scorer, query_vector)
    lexicon = scorer.lexicon

    unknown = [s for s in parts.stems if lexicon is not None and s not in lexicon]
    mostly_unknown = len(unknown) > th.max_unknown_share * len(parts.stems)
    decisive: ClaimSentence | None = None
    verdict: VerdictLabel
    reason: str

    findings = [check_figure(_own_part(parts, cq), cq, sentences, lexicon, th)
                for cq in parts.quantities]
    structure = structure_finding(parts, sentences, th)
    contradicted = [f for f in findings if f.status == "contradicted"]
    unverified = [f for f in findings if f.status == "unverified"]
    if contradicted:
        finding = contradicted[0]
        verdict, reason, decisive = "contradicted", figure_reason(finding, th), finding.evidence
        if len(findings) > 1:
            reason = f"{_per_figure(findings)}. {reason}"
    elif structure is not None and structure.verdict == "contradicted":
        verdict, decisive, reason = "contradicted", structure.sentence, structure.reason
    elif findings and not unverified and not mostly_unknown:
        verdict = "supported"
        decisive = findings[0].evidence
        reason = "; ".join(dict.fromkeys(figure_reason(f, th) for f in findings))
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
                f"{located(sentence)} gives {figure.text} only for the places it ranks first; "
                f"the place the claim names comes after them, with no figure of its own: "
                f"{in_quotes(sentence.text)}"
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
                reason += f"; the closest passage is {located(best)}: {in_quotes(best.text, 120)}"
    else:
        best = sentences[0] if sentences else None
        confirmed_structure = structure is not None and structure.verdict == "confirmed"
        if best is not None and not mostly_unknown and (confirmed_structure or _supports(best, th)):
            decisive = structure.sentence if confirmed_structure and structure else best
            verdict = "supported"
            reason = f"{located(decisive)} says: {in_quotes(decisive.text)}"
            if confirmed_structure and structure is not None and structure.reason:
                reason = structure.reason
        else:
            verdict = "not_found"
            decisive = best
            if unknown:
                reason = _unknown_reason(unknown, parts)
            elif best is not None:
                reason = (
                    f"no passage says this; the closest is {located(best)} "
                    f"(similarity {best.scored.dense:.2f}, {best.coverage:.0%} of the claim's "
                    f"words): {in_quotes(best.text, 120)}"
                )
            else:
                reason = "no passage says this"
    if verdict == "supported" and decisive is not None:
        deciding = [decisive, *(f.evidence for f in findings if f.evidence is not None)]
        swapped = _swapped_names(parts, deciding, sentences, th, by_figures=bool(findings))
        if swapped is not None:
            verdict, decisive, reason = swapped
    evidence = _evidence(sentences, decisive, hits, k)
    return Verdict(claim=parts.text, verdict=verdict, reason=reason, evidence=evidence)


def _swapped_names(
    parts: ClaimParts, deciding: Sequence[ClaimSentence], sentences: Sequence[ClaimSentence],
    th: Thresholds, *, by_figures: bool,
) -> tuple[VerdictLabel, ClaimSentence, str] | None:
    """A "supported" undone: a deciding sentence says it of another name than the claim's
    (`assistant.claims.entities`). Without figures, another strongly matching sentence that
    gives every name of the claim, none swapped, still supports it."""
    for sentence in dict.fromkeys(deciding):
        swap = name_swap(parts.text, sentence.text, sentence.previous)
        if swap is None:
            continue
        if not by_figures:
            for other in sentences[:5]:
                if (other is not sentence and _supports(other, th)
                        and names_all_given(parts.text, other.text, other.previous)
                        and name_swap(parts.text, other.text, other.previous) is None):
                    return "supported", other, f"{located(other)} says: {in_quotes(other.text)}"
        if swap.clear:
            return ("contradicted", sentence, f"{located(sentence)} says this of {swap.given}, "
                    f"not {swap.claimed}: {in_quotes(sentence.text)}")
        return ("not_found", sentence, f"no passage says this of {swap.claimed}; the closest, "
                f"{located(sentence)}, names {swap.given}: {in_quotes(sentence.text)}")
    return None


# Where the figures of a claim are joined ("signed in 1978 and approved … in 1980").
_CONJUNCTION = re.compile(r"(?:,\s*)?\b(?:and|while|whereas|but)\b|;", re.IGNORECASE)


def _own_part(parts: ClaimParts, cq: Quantity) -> ClaimParts:
    """`parts` as seen by figure `cq` of a claim joining several facts: the words that lead
    only to another figure after a conjunction ("… and approved by Congress in 1980") are not
    `cq`'s context, so each figure is matched with the sentence about its own fact."""
    figures = parts.quantities
    if len(figures) < 2:
        return parts
    own: dict[int, set[str]] = {}
    shared = set(content_stems(parts.text[: figures[0].start] + " " +
                               parts.text[figures[-1].end :]))
    for i in range(1, len(figures)):
        between = parts.text[figures[i - 1].end : figures[i].start]
        joined = _CONJUNCTION.search(between)
        cut = joined.end() if joined else len(between)
        shared.update(content_stems(between[:cut]))
        own[i] = set(content_stems(between[cut:]))
    index = figures.index(cq)
    others = {s for i, stems in own.items() if i != index for s in stems} - shared
    others -= own.get(index, set())
    stems = tuple(s for s in parts.stems if s not in others)
    if not others or not stems:
        return parts
    return dataclasses.replace(
        parts, stems=stems, key_stems=tuple(s for s in parts.key_stems if s not in others))


_STATUS_WORDS = {"confirmed": "supported", "contradicted": "contradicted",
                 "unverified": "not found"}


def _per_figure(findings: Sequence[Finding]) -> str:
    """Each figure of a several-figure claim with its own verdict:
    "32% for female: supported; 25% for male: supported"."""
    out = []
    for f in findings:
        cq = f.claim_quantity
        subject = f" for {cq.group}" if cq.group and cq.kind != "year" else ""
        out.append(f"{cq.text}{subject}: {_STATUS_WORDS[f.status]}")
    return "; ".join(out)


def _supports(sentence: ClaimSentence, th: Thresholds) -> bool:
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
    sentences: Sequence[ClaimSentence], decisive: ClaimSentence | None, hits: Sequence[Hit], k: int
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
