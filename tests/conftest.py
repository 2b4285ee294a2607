"""Shared fixtures. `FakeEmbedder` keeps unit tests fast and deterministic (no model load)."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

# No test may reach the network or phone home.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
BRIEF_PDF = REPO / "corpus" / "unicef-topic-b-child-trafficking.pdf"
BRIEF_DOCX = DATA / "unicef-topic-b-child-trafficking.docx"
BRIEF_TXT = DATA / "unicef-topic-b-child-trafficking.txt"


class FakeEmbedder:
    """Deterministic bag-of-hashed-words embedder: similar wording → similar vectors."""

    name = "fake-hash-64"
    dimension = 64

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else 1.0 / np.sqrt(self.dimension)
        return out


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def brief_paths() -> dict[str, Path]:
    return {"pdf": BRIEF_PDF, "docx": BRIEF_DOCX, "txt": BRIEF_TXT}
