"""The sentences a claim is judged against: every sentence of the candidate passages with its
relevance to the claim and the context it shares with its neighbours."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.claims.parts import ClaimParts, Thresholds
from assistant.records import Hit
from assistant.text.sentences import ScoredSentence, SentenceScorer
from assistant.text.stems import content_stems, coverage

# A sentence that continues the previous one's subject: a pronoun first, perhaps after a
# connective ("In addition, it …").
CONTINUES = re.compile(
    r"\s*(?:(?:in addition|also|moreover|furthermore|additionally|besides|in particular|"
    r"specifically|likewise|similarly)\s*,?\s+)?(?:it|its|they|their|these|this)\b",
    re.IGNORECASE,
)

# A web address: never evidence by its words ("…/un-security-council-digital-rights/").
LINK = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/\S*", re.IGNORECASE)
# A sentence with fewer words than this once its links are taken out is a link or reference
# line ("3. https://…", "Source: https://…"): it never decides a claim.
MIN_LINE_WORDS = 4

# ------------------------------------------------------------------ evidence


@dataclass(frozen=True)
class ClaimSentence:
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



def gather(
    parts: ClaimParts, hits: Sequence[Hit], scorer: SentenceScorer, query_vector: np.ndarray
) -> list[ClaimSentence]:
    scored = scorer.score(parts.text, [h.chunk for h in hits], query_vector)
    entries = scorer.sentences([h.chunk for h in hits])
    lexicon = scorer.lexicon
    out: list[ClaimSentence] = []
    for hit, sentences, entry in zip(hits, scored, entries, strict=True):
        chunk_stems = frozenset(s for stems in entry.stems for s in stems)
        for s in sentences:
            own = entry.stems[s.index]
            text = hit.chunk.text[slice(*entry.spans[s.index])]
            if LINK.search(text):
                own = tuple(content_stems(LINK.sub(" ", text)))
                if len(own) < MIN_LINE_WORDS:
                    continue
            window = set(own)
            if s.index > 0:
                window.update(entry.stems[s.index - 1])
            # Sentences that go on about the same subject ("It establishes …", "In addition,
            # it allows …") share its context: a claim may join a dated fact to one of them.
            following = s.index + 1
            while following < len(entry.spans) and CONTINUES.match(
                hit.chunk.text[slice(*entry.spans[following])]
            ):
                window.update(entry.stems[following])
                following += 1
            cov = coverage(parts.stems, own, lexicon)
            previous = hit.chunk.text[slice(*entry.spans[s.index - 1])] if s.index else ""
            out.append(
                ClaimSentence(
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


def located(sentence: ClaimSentence) -> str:
    document = sentence.hit.document
    if document.kind == "brief":
        page = sentence.hit.chunk.pages
        return f"the brief (p. {page})" if page else "the brief"
    return document.title or "a cited source"


def in_quotes(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return f"“{text}”" if len(text) <= limit else f"“{text[: limit - 1].rstrip()}…”"

