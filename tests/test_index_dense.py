"""FAISS wrapper (index/dense.py): exact and approximate kinds, filters, save/load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import index.dense as dense_module
from index.dense import DenseIndex


def clustered(n: int, d: int = 32, clusters: int = 20, seed: int = 0) -> np.ndarray:
    """Unit vectors drawn around random centres (real embeddings have cluster structure)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, d))
    points = centres[rng.integers(clusters, size=n)] + 0.6 * rng.normal(size=(n, d))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def exact_top(vectors: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-(vectors @ query), kind="stable")[:k]


def test_flat_matches_brute_force() -> None:
    vectors = clustered(500)
    index = DenseIndex.build(vectors, "flat")
    query = vectors[17]
    rows, scores = index.search(query, 10)
    assert rows[0] == 17 and scores[0] == pytest.approx(1.0, abs=1e-5)
    assert set(rows) == set(exact_top(vectors, query, 10))
    assert np.all(np.diff(scores) <= 1e-6)  # best first


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_approximate_kinds_reach_recall_target(kind: str) -> None:
    vectors = clustered(4000, seed=1)
    queries = clustered(50, seed=2)
    index = DenseIndex.build(vectors, kind)
    assert index.kind == kind
    recalls = []
    for query in queries:
        rows, _ = index.search(query, 10)
        recalls.append(len(set(rows) & set(exact_top(vectors, query, 10))) / 10)
    assert np.mean(recalls) >= 0.95


def test_auto_is_exact_below_the_threshold_and_approximate_above(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vectors = clustered(300)
    assert DenseIndex.build(vectors, "auto").kind == "flat"
    monkeypatch.setattr(dense_module, "AUTO_THRESHOLD", 100)
    assert DenseIndex.build(vectors, "auto").kind == dense_module.AUTO_APPROXIMATE


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown dense index kind"):
        DenseIndex.build(clustered(10), "annoy")


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_filtered_search_only_returns_allowed_rows(kind: str) -> None:
    vectors = clustered(2000, seed=3)
    index = DenseIndex.build(vectors, kind)
    allowed = np.arange(0, 2000, 7)
    query = vectors[5]  # not allowed itself
    # FAISS selector path (no raw vectors given) and the exact path agree on membership.
    for raw in (None, vectors):
        rows, _ = index.search(query, 10, allowed=allowed, vectors=raw)
        assert len(rows) == 10
        assert set(rows) <= set(allowed)
    exact_rows, _ = index.search(query, 10, allowed=allowed, vectors=vectors)
    expected = allowed[exact_top(vectors[allowed], query, 10)]
    assert list(exact_rows) == list(expected)


def test_empty_filter_empty_index_and_k_larger_than_index() -> None:
    vectors = clustered(5)
    index = DenseIndex.build(vectors, "flat")
    assert index.search(vectors[0], 3, allowed=np.array([], dtype=np.int64))[0].size == 0
    assert index.search(vectors[0], 0)[0].size == 0
    assert len(index.search(vectors[0], 50)[0]) == 5
    empty = DenseIndex.build(np.zeros((0, 8), dtype=np.float32), "auto")
    assert empty.size == 0 and empty.search(np.ones(8), 5)[0].size == 0


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_save_and_load_give_identical_results(tmp_path: Path, kind: str) -> None:
    vectors = clustered(1500, seed=4)
    index = DenseIndex.build(vectors, kind)
    index.save(tmp_path / "dense.faiss")
    loaded = DenseIndex.load(tmp_path / "dense.faiss", index.kind, index.params)
    assert loaded.size == 1500 and loaded.dimension == 32
    for query in clustered(5, seed=5):
        a_rows, a_scores = index.search(query, 10)
        b_rows, b_scores = loaded.search(query, 10)
        assert list(a_rows) == list(b_rows)
        np.testing.assert_allclose(a_scores, b_scores, rtol=1e-6)
    # The file is FAISS's own format, not a pickle.
    assert (tmp_path / "dense.faiss").read_bytes()[:1] != b"\x80"
