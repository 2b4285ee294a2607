"""Combining dense and BM25 rankings, and dropping near-duplicate passages.

- `rrf`: reciprocal rank fusion, score(d) = Σ 1 / (k + rank_d) over the rankings (rank from 1).
  Needs no score calibration, which is why it is the default.
- `convex`: alpha·dense + (1 − alpha)·sparse after min-max normalising each side to [0, 1]
  over its own candidates; a candidate missing from one side gets 0 there.
- `suppress_near_duplicates`: greedy, in rank order, drop a candidate too similar to one already
  kept (same passage from two documents, a chunk contained in another).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np


class Ranked(NamedTuple):
    """One place in a ranking: a chunk row of the index and its score (cosine, BM25 or fused)."""

    row: int
    score: float


Scored = list[Ranked]
_WORD = re.compile(r"\w+")


def _ranked(scores: Mapping[int, float]) -> Scored:
    # Ties broken by id so results are deterministic.
    return [Ranked(row, score)
            for row, score in sorted(scores.items(), key=lambda item: (-item[1], item[0]))]


def rrf(rankings: Sequence[Sequence[int]], k: int = 60) -> Scored:
    """Reciprocal rank fusion of several rankings (ids best first) → `(id, score)` best first."""
    if k < 0:
        raise ValueError(f"rrf k must be >= 0, got {k}")
    fused: dict[int, float] = {}
    for ranking in rankings:
        seen: set[int] = set()
        for rank, item in enumerate(ranking, start=1):
            if item in seen:  # a ranking lists each id once; ignore repeats
                continue
            seen.add(item)
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return _ranked(fused)


def min_max(scores: Mapping[int, float]) -> dict[int, float]:
    """Scale to [0, 1]; when all scores are equal every candidate gets 1 (they tie at the top)."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high == low:
        return dict.fromkeys(scores, 1.0)
    return {item: (value - low) / (high - low) for item, value in scores.items()}


def convex(dense: Mapping[int, float], sparse: Mapping[int, float], alpha: float = 0.5) -> Scored:
    """alpha·minmax(dense) + (1 − alpha)·minmax(sparse) → `(id, score)` best first."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"convex alpha must be in [0, 1], got {alpha}")
    d, s = min_max(dense), min_max(sparse)
    fused = {
        item: alpha * d.get(item, 0.0) + (1.0 - alpha) * s.get(item, 0.0)
        for item in d.keys() | s.keys()
    }
    return _ranked(fused)


# Below this many distinct words, containment says little (a 3-word heading is "contained" in
# many passages), so such pairs are compared with Jaccard instead.
MIN_CONTAINMENT_WORDS = 5


def containment(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / min(|a|, |b|): 1.0 when one word set contains the other.

    For very short sets (< `MIN_CONTAINMENT_WORDS` words) this is Jaccard, |a ∩ b| / |a ∪ b|.
    """
    if not a or not b:
        return 0.0
    if min(len(a), len(b)) < MIN_CONTAINMENT_WORDS:
        return len(a & b) / len(a | b)
    return len(a & b) / min(len(a), len(b))


def word_set(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.lower()))


def suppress_near_duplicates(
    candidates: Sequence[Ranked],
    *,
    texts: Mapping[int, str] | Sequence[str] | None = None,
    vectors: np.ndarray | None = None,
    threshold: float = 0.8,
    limit: int | None = None,
) -> Scored:
    """Keep candidates (in order) unless near-identical to one already kept.

    Similarity is word-set containment of `texts[id]` (default) or, with `vectors`, cosine of
    the normalised rows `vectors[id]`. Two chunks that merely share one overlapping sentence
    stay well under the default threshold; copies and contained passages do not.
    Stops once `limit` candidates are kept.
    """
    if (texts is None) == (vectors is None):
        raise ValueError("pass exactly one of texts= or vectors=")
    kept: Scored = []
    kept_sets: list[frozenset[str]] = []
    kept_vectors: list[np.ndarray] = []
    for item, score in candidates:
        if limit is not None and len(kept) >= limit:
            break
        if texts is not None:
            words = word_set(texts[item])
            if any(containment(words, other) >= threshold for other in kept_sets):
                continue
            kept_sets.append(words)
        else:
            assert vectors is not None
            vector = np.asarray(vectors[item], dtype=np.float32)
            if any(float(vector @ other) >= threshold for other in kept_vectors):
                continue
            kept_vectors.append(vector)
        kept.append(Ranked(item, score))
    return kept
