"""What a claim says: its figures, content words, names, groups and polarity; the thresholds
the checker uses (`assistant.claims.verdict`)."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.claims.comparisons import ratio_spans
from assistant.text.numbers import (
    Quantity,
    extract,
    group_of,
)
from assistant.text.stems import NEGATIONS, content_stems, words
from index.errors import QueryError

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
    ratios = ratio_spans(text)  # "twice", "three times": a comparison's ratio, no figure
    quantities = tuple(
        q for q in extract(text) if not any(s < q.end and q.start < e for s, e in ratios)
    )
    blanked = text
    for start, end in [*((q.start, q.end) for q in quantities), *ratios]:
        blanked = blanked[:start] + " " * (end - start) + blanked[end:]
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

