"""Rank fusion and near-duplicate suppression (index/fusion.py)."""

from __future__ import annotations

import numpy as np
import pytest

from index.fusion import convex, min_max, rrf, suppress_near_duplicates


def test_rrf_scores_are_sums_of_reciprocal_ranks() -> None:
    fused = dict(rrf([[1, 2, 3], [3, 1]], k=60))
    assert fused[1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[2] == pytest.approx(1 / 62)
    assert fused[3] == pytest.approx(1 / 63 + 1 / 61)


def test_rrf_rewards_agreement_over_a_single_first_place() -> None:
    # 7 is second in both lists; 1 and 9 are each first in one list only.
    ranked = [item for item, _ in rrf([[1, 7, 3], [9, 7, 4]])]
    assert ranked[0] == 7


def test_rrf_k_controls_how_much_top_ranks_dominate() -> None:
    lists = [[1, 2, 3, 4], [4, 3, 5, 6], [4, 6, 7, 1]]
    # With k=0 one first place (1/1) outweighs three mid ranks; with large k they even out.
    assert rrf(lists, k=0)[0][0] == 4
    small_k = dict(rrf([[1, 2], [2, 3]], k=0))
    large_k = dict(rrf([[1, 2], [2, 3]], k=1000))
    assert small_k[1] > small_k[3]
    assert large_k[2] > large_k[1] > large_k[3]


def test_rrf_is_deterministic_on_ties_and_ignores_repeats() -> None:
    assert [i for i, _ in rrf([[5], [2]])] == [2, 5]  # equal score: lower id first
    assert dict(rrf([[1, 1, 2]]))[1] == pytest.approx(1 / 61)


def test_rrf_edge_cases() -> None:
    assert rrf([]) == []
    assert rrf([[], []]) == []
    with pytest.raises(ValueError):
        rrf([[1]], k=-1)


def test_min_max_normalises_and_handles_constant_scores() -> None:
    assert min_max({1: 2.0, 2: 4.0, 3: 3.0}) == {1: 0.0, 2: 1.0, 3: 0.5}
    assert min_max({1: 0.3, 2: 0.3}) == {1: 1.0, 2: 1.0}
    assert min_max({}) == {}


def test_convex_weights_normalised_scores() -> None:
    dense = {1: 0.9, 2: 0.5, 3: 0.1}
    sparse = {3: 12.0, 2: 6.0, 4: 0.0}
    assert [i for i, _ in convex(dense, sparse, alpha=1.0)][:3] == [1, 2, 3]
    assert convex(dense, sparse, alpha=0.0)[0][0] == 3
    fused = dict(convex(dense, sparse, alpha=0.5))
    assert fused[2] == pytest.approx(0.5 * 0.5 + 0.5 * 0.5)
    assert fused[4] == pytest.approx(0.0)  # missing from dense → 0 there
    assert fused[1] == pytest.approx(0.5)  # missing from sparse → 0 there


def test_convex_one_side_empty_and_bad_alpha() -> None:
    assert [i for i, _ in convex({1: 0.2, 2: 0.8}, {})] == [2, 1]
    with pytest.raises(ValueError):
        convex({}, {}, alpha=1.5)


def test_suppress_drops_copies_and_contained_passages() -> None:
    texts = {
        0: "Girls represented 22% of total victims, mostly trafficked for sexual exploitation.",
        1: "Girls represented 22% of total victims, mostly trafficked for sexual exploitation.",
        2: "Boys represented 16% of total victims. Girls represented 22% of total victims, "
        "mostly trafficked for sexual exploitation.",
        3: "The Palermo Protocol was adopted in 2000.",
    }
    kept = suppress_near_duplicates([(0, 0.9), (1, 0.8), (2, 0.7), (3, 0.6)], texts=texts)
    assert [i for i, _ in kept] == [0, 3]


def test_suppress_keeps_chunks_that_share_only_one_sentence() -> None:
    # Source chunks overlap by one sentence; they are different passages and both stay.
    a = ("Trafficking flows are mostly domestic. Victims are detected in their own country. "
         "Cross-border flows make up a third of the total.")
    b = ("Cross-border flows make up a third of the total. Most of them are regional, between "
         "neighbouring countries. Long-distance flows are rare but persistent.")
    kept = suppress_near_duplicates([(0, 1.0), (1, 0.9)], texts=[a, b])
    assert [i for i, _ in kept] == [0, 1]


def test_short_passages_are_not_swallowed_by_longer_ones() -> None:
    texts = [
        "Child trafficking networks operate around the world, exploiting poverty and conflict.",
        "Trafficking networks:",  # a short definition heading, contained in the first
        "Trafficking networks:",  # ...but an exact copy of it is still a duplicate
    ]
    kept = suppress_near_duplicates([(0, 1.0), (1, 0.9), (2, 0.8)], texts=texts)
    assert [i for i, _ in kept] == [0, 1]


def test_suppress_with_vectors_and_limit() -> None:
    vectors = np.array([[1, 0, 0], [0.999, 0.0447, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    kept = suppress_near_duplicates(
        [(0, 4.0), (1, 3.0), (2, 2.0), (3, 1.0)], vectors=vectors, threshold=0.95
    )
    assert [i for i, _ in kept] == [0, 2, 3]
    limited = suppress_near_duplicates(
        [(0, 4.0), (1, 3.0), (2, 2.0), (3, 1.0)], vectors=vectors, threshold=0.95, limit=2
    )
    assert [i for i, _ in limited] == [0, 2]


def test_suppress_needs_exactly_one_similarity_source() -> None:
    with pytest.raises(ValueError):
        suppress_near_duplicates([(0, 1.0)])
    with pytest.raises(ValueError):
        suppress_near_duplicates([(0, 1.0)], texts=["a"], vectors=np.ones((1, 2)))
