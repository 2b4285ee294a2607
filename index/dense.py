"""Dense retrieval with faiss-cpu: exact inner product for small corpora, approximate above.

Vectors are L2-normalised, so inner product is cosine similarity. Row i of the index is chunk i.

Kinds:
- ``flat``: `IndexFlatIP`, exact. Fast enough up to tens of thousands of vectors.
- ``hnsw``: `IndexHNSWFlat` (inner product). Best recall/latency; slow to build on few cores.
- ``ivf``: `IndexIVFScalarQuantizer` (SQ8, inner product): trains and adds quickly, 4x smaller.
- ``auto``: flat below `AUTO_THRESHOLD` vectors, else `AUTO_APPROXIMATE` (chosen from
  `bench/bench_scale.py` measurements, see docs/benchmarks.md).

Saved with `faiss.write_index` (never pickle); search-time knobs (efSearch, nprobe) are kept in
`params` and re-applied on load because not every index type persists them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import faiss
import numpy as np

from index.embedder import cpu_threads

DenseKind = Literal["flat", "hnsw", "ivf", "auto"]
KINDS: tuple[str, ...] = ("flat", "hnsw", "ivf", "auto")
# Exact search costs ~O(n): ~0.5 ms at 10k vectors, ~20 ms at 100k, 120+ ms at 1M on 2 cores.
AUTO_THRESHOLD = 50_000
# HNSW over IVF-SQ8: higher recall at every size and sub-ms queries; it costs ~4x the memory
# and a slow build, which is small next to embedding the same chunks on CPU.
AUTO_APPROXIMATE: Literal["hnsw", "ivf"] = "hnsw"

# HNSW: M=32 links per node; efSearch=256 gave recall@10 0.98 at 1M clustered vectors where
# 128 gave 0.945 (docs/benchmarks.md), for well under a millisecond per query.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 256
# IVF: nlist ≈ 4·sqrt(n). nprobe: a quarter of the lists, at least 128 (all of them for small
# indexes), which kept recall@10 ≥ 0.95 at every size measured (docs/benchmarks.md).
IVF_NPROBE_FRACTION = 1 / 4
IVF_MIN_NPROBE = 128
# With a filter that keeps at most this many rows, exact scoring of just those rows beats a
# filtered approximate search (which loses recall when most neighbours are filtered out).
EXACT_FILTER_LIMIT = 20_000


@dataclass
class DenseIndex:
    """A FAISS index over normalised vectors, plus the search knobs it needs."""

    kind: str
    index: faiss.Index
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self.index.d)

    @classmethod
    def build(
        cls, vectors: np.ndarray, kind: DenseKind | str = "auto", **params: Any
    ) -> DenseIndex:
        """Index `vectors` (n × d float32, normalised). `params` override the tuned defaults."""
        if kind not in KINDS:
            raise ValueError(f"unknown dense index kind {kind!r}; expected one of {KINDS}")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError(f"expected a 2-d array of vectors, got shape {vectors.shape}")
        n, d = vectors.shape
        if kind == "auto":
            kind = "flat" if n < AUTO_THRESHOLD else AUTO_APPROXIMATE
        faiss.omp_set_num_threads(cpu_threads())
        if kind == "flat" or n == 0:
            index: faiss.Index = faiss.IndexFlatIP(d)
            kind = "flat"
            params = {}
        elif kind == "hnsw":
            params = {
                "M": HNSW_M,
                "ef_construction": HNSW_EF_CONSTRUCTION,
                "ef_search": HNSW_EF_SEARCH,
                **params,
            }
            index = faiss.IndexHNSWFlat(d, int(params["M"]), faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = int(params["ef_construction"])
        else:
            # Fewer than ~39 training points per centroid makes k-means warn and cluster badly.
            nlist = int(params.get("nlist") or max(1, min(4 * math.isqrt(n), n // 39)))
            nprobe = int(
                params.get("nprobe")
                or min(nlist, max(IVF_MIN_NPROBE, math.ceil(nlist * IVF_NPROBE_FRACTION)))
            )
            params = {"nlist": nlist, "nprobe": nprobe}
            quantizer = faiss.IndexFlatIP(d)
            index = faiss.IndexIVFScalarQuantizer(
                quantizer, d, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
            # Training on a sample is as good as on everything and much faster at 1M vectors.
            sample = vectors
            if n > 64 * nlist:
                rng = np.random.default_rng(0)
                sample = vectors[rng.choice(n, 64 * nlist, replace=False)]
            index.train(sample)
        if n:
            index.add(vectors)
        dense = cls(kind=kind, index=index, params=params)
        dense._apply_search_params()
        return dense

    def _apply_search_params(self) -> None:
        if self.kind == "hnsw":
            hnsw: Any = faiss.downcast_index(self.index)  # the stubs type it as a bare Index
            hnsw.hnsw.efSearch = int(self.params["ef_search"])
        elif self.kind == "ivf":
            faiss.extract_index_ivf(self.index).nprobe = int(self.params["nprobe"])

    def search(
        self,
        query: np.ndarray,
        k: int,
        *,
        allowed: np.ndarray | None = None,
        vectors: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-`k` rows for one query vector → `(rows, scores)`, best first.

        `allowed` restricts results to those row ids. When it is small and the raw `vectors`
        are given, those rows are scored exactly instead of asking FAISS for a filtered search.
        """
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        if k <= 0 or self.size == 0:
            return empty
        if allowed is not None:
            allowed = np.asarray(allowed, dtype=np.int64)
            if allowed.size == 0:
                return empty
            if vectors is not None and allowed.size <= EXACT_FILTER_LIMIT:
                scores = np.asarray(vectors[allowed], dtype=np.float32) @ q[0]
                top = _top_k(scores, k)
                return allowed[top], scores[top]
        k = min(k, self.size)
        # The selector is bound to a local so it outlives the C++ search that points at it.
        selector = faiss.IDSelectorBatch(allowed) if allowed is not None else None
        scores, rows = self.index.search(q, k, params=self._search_parameters(selector))
        keep = rows[0] >= 0  # FAISS pads with -1 when fewer than k results pass
        return rows[0][keep].astype(np.int64), scores[0][keep]

    def _search_parameters(
        self, selector: faiss.IDSelector | None
    ) -> faiss.SearchParameters | None:
        if selector is None:
            return None
        if self.kind == "hnsw":
            # SearchParametersHNSW exists at run time but is missing from faiss's type stubs.
            hnsw_params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
            hnsw_params.efSearch = int(self.params["ef_search"])
            hnsw_params.sel = selector
            return hnsw_params
        if self.kind == "ivf":
            ivf_params = faiss.SearchParametersIVF()
            ivf_params.nprobe = int(self.params["nprobe"])
            ivf_params.sel = selector
            return ivf_params
        flat_params = faiss.SearchParameters()
        flat_params.sel = selector
        return flat_params

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, kind: str, params: dict[str, Any] | None = None) -> DenseIndex:
        """Read an index written by `save`; `kind`/`params` come from the manifest."""
        dense = cls(kind=kind, index=faiss.read_index(str(path)), params=dict(params or {}))
        dense._apply_search_params()
        return dense


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the `k` largest scores, best first (argpartition: O(n), not a full sort)."""
    if k >= scores.size:
        return np.argsort(-scores, kind="stable")
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]
