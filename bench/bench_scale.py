"""Scale benchmark: FAISS flat vs approximate (HNSW, IVF-SQ8) and bm25s on synthetic corpora.

Dense: synthetic unit vectors (dim 384), 10k / 100k / 1M, in two distributions:
- ``uniform``: random directions. No cluster structure, the hardest case for ANN indexes
  (neighbours are barely closer than anything else) and unlike real embeddings.
- ``clustered``: a mixture of Gaussians on the sphere (1,000 centres, points at cosine ≈ 0.55 to
  their centre), closer to what sentence embeddings look like.
For each: build time, resident memory added (psutil RSS delta), single-query latency p50/p95,
and recall@10 of the approximate index against the exact one, over a sweep of efSearch/nprobe.

Sparse: bm25s on 100k synthetic passages recombined from the brief's sentences plus generated
vocabulary (build time, RSS delta, query latency).

    python bench/bench_scale.py            # 10k, 100k, 1M (takes a long while on 2 cores)
    python bench/bench_scale.py --quick    # 10k and 50k, fewer queries
"""

from __future__ import annotations

import argparse
import gc
import re
import time
from collections.abc import Callable

import numpy as np

from common import BRIEF_TXT, machine, p50_p95, rss_mb, table, time_each  # isort: skip
from index.dense import DenseIndex  # isort: skip
from index.sparse import SparseIndex  # isort: skip

DIM = 384


def uniform(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):  # in blocks: float64 temporaries of 1M×384 are 3 GB
        block = rng.standard_normal((min(100_000, n - start), DIM))
        out[start : start + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def clustered(n: int, seed: int, centres: int = 1000, spread: float = 1.5) -> np.ndarray:
    rng = np.random.default_rng(0)  # the same centres for corpus and queries
    mu = rng.standard_normal((centres, DIM))
    mu /= np.linalg.norm(mu, axis=1, keepdims=True)
    rng = np.random.default_rng(seed)
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        size = min(100_000, n - start)
        block = mu[rng.integers(centres, size=size)]
        block = block + spread * rng.standard_normal((size, DIM)) / np.sqrt(DIM)
        out[start : start + size] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


DISTRIBUTIONS: dict[str, Callable[[int, int], np.ndarray]] = {
    "uniform": uniform,
    "clustered": clustered,
}
SWEEP = {
    "hnsw": ("ef_search", [16, 32, 64, 128, 256, 512]),
    "ivf": ("nprobe", [8, 16, 32, 64, 128, 256, 512]),
}


def recall_at_10(found: list[np.ndarray], truth: np.ndarray) -> float:
    overlaps = [len(set(f[:10]) & set(t[:10])) / 10 for f, t in zip(found, truth, strict=True)]
    return float(np.mean(overlaps))


def set_knob(index: DenseIndex, knob: str, value: int) -> None:
    index.params[knob] = value
    index._apply_search_params()


def bench_dense(dist: str, n: int, kinds: list[str], queries_n: int) -> list[list[object]]:
    rows: list[list[object]] = []
    vectors = DISTRIBUTIONS[dist](n, 1)
    queries = DISTRIBUTIONS[dist](queries_n, 2)
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    flat = DenseIndex.build(vectors, "flat")
    build_s = time.perf_counter() - start
    added = rss_mb() - before
    # Ground truth in one batched exact search (BLAS), then single-query timings.
    _, truth = flat.index.search(queries, 10)
    search = flat.search
    lat = time_each(lambda q: search(q, 10), list(queries))
    p50, p95 = p50_p95(lat)
    rows.append([dist, f"{n:,}", "flat", "-", f"{build_s:.1f}", f"{added:,.0f}", p50, p95, 1.0])
    del flat
    gc.collect()
    for kind in kinds:
        before = rss_mb()
        start = time.perf_counter()
        index = DenseIndex.build(vectors, kind)
        build_s = time.perf_counter() - start
        added = rss_mb() - before
        knob, values = SWEEP[kind]
        default = index.params[knob]
        for value in sorted({*values, default}):
            set_knob(index, knob, value)
            found = [index.search(q, 10)[0] for q in queries]
            lat = time_each(lambda q, ix=index: ix.search(q, 10), list(queries))
            p50, p95 = p50_p95(lat)
            label = f"{knob}={value}" + (" (default)" if value == default else "")
            rows.append([dist, f"{n:,}", kind, label, f"{build_s:.1f}", f"{added:,.0f}", p50, p95,
                         recall_at_10(found, truth)])
            print(" | ".join(map(str, rows[-1])), flush=True)
        del index
        gc.collect()
    return rows


def synthetic_passages(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """`n` passages: the brief's sentences recombined plus Zipf-distributed made-up words."""
    rng = np.random.default_rng(seed)
    sentences = [
        s.strip()
        for s in re.split(r"(?<=[.!?])\s+", BRIEF_TXT.read_text(encoding="utf-8"))
        if len(s.split()) >= 5
    ]
    syllables = ["ka", "lo", "mi", "ren", "tu", "sa", "vor", "el", "qui", "dan", "po", "ix"]
    vocab = ["".join(rng.choice(syllables, size=rng.integers(2, 5))) for _ in range(20_000)]
    zipf = 1.0 / np.arange(1, len(vocab) + 1)
    zipf /= zipf.sum()
    passages = []
    for _ in range(n):
        picked = [sentences[i] for i in rng.integers(len(sentences), size=rng.integers(2, 5))]
        words = rng.choice(vocab, size=rng.integers(10, 40), p=zipf)
        passages.append(" ".join(picked) + " " + " ".join(words))
    queries = []
    for _ in range(200):
        sentence = sentences[rng.integers(len(sentences))].split()
        start = rng.integers(max(1, len(sentence) - 6))
        queries.append(" ".join(sentence[start : start + 6]) + " " + str(rng.choice(vocab)))
    return passages, queries


def bench_bm25(n: int) -> list[object]:
    passages, queries = synthetic_passages(n)
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    sparse = SparseIndex.build(passages)
    build_s = time.perf_counter() - start
    added = rss_mb() - before
    lat = time_each(lambda q: sparse.search(q, 50), queries)
    p50, p95 = p50_p95(lat)
    return [f"{n:,}", f"{build_s:.1f}", f"{added:,.0f}", p50, p95]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10k and 50k only, 100 queries")
    parser.add_argument("--sizes", type=int, nargs="*", help="corpus sizes (vectors)")
    parser.add_argument("--kinds", nargs="*", default=["hnsw", "ivf"], choices=["hnsw", "ivf"])
    parser.add_argument("--dist", nargs="*", default=["clustered", "uniform"],
                        choices=list(DISTRIBUTIONS))
    parser.add_argument("--queries", type=int, default=None)
    parser.add_argument("--bm25-size", type=int, default=None)
    parser.add_argument("--no-bm25", action="store_true")
    args = parser.parse_args()
    sizes = args.sizes or ([10_000, 50_000] if args.quick else [10_000, 100_000, 1_000_000])
    queries_n = args.queries or (100 if args.quick else 200)
    print(f"machine: {machine()}\n", flush=True)
    rows: list[list[object]] = []
    for dist in args.dist:
        for n in sizes:
            rows += bench_dense(dist, n, args.kinds, queries_n)
    print()
    print(table(["vectors", "n", "index", "search knob", "build s", "RSS +MB", "p50 ms", "p95 ms",
                 "recall@10"], rows))
    if not args.no_bm25:
        n = args.bm25_size or (20_000 if args.quick else 100_000)
        print()
        print(table(["passages", "build s", "RSS +MB", "p50 ms", "p95 ms"], [bench_bm25(n)]))


if __name__ == "__main__":
    main()
