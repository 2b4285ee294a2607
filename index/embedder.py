"""The embedder seam. `SentenceTransformerEmbedder` is the real one; tests use a fake."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    name: str  # recorded in the manifest; a mismatch on load is an error
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return float32 L2-normalised vectors, shape (len(texts), dimension)."""
        ...
