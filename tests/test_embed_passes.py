"""Issue 15: a long text does not slow the short ones that arrive with it in the model process.

A pass pads every text to its longest: a 2,000-character question (long non-English, or a
follow-up read against a long history) sharing a pass with seven short ones made it 2.8x as
costly, and every short question in it waited for it (`index.embed_process._by_length`).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from index.embed_process import PASS_SPREAD, SHORT_TEXT_CHARS, _by_length, _serve_requests

LONG = "¿Cuál es la proporción de niños entre las víctimas de la trata? " * 32  # ~2,000 chars


def request(number: int, *texts: str, role: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": number, "texts": list(texts)}
    if role is not None:
        entry["role"] = role
    return entry


class RecordingModel:
    """Records each pass (its texts) and what had been written to `out` before it ran."""

    dimension = 3

    def __init__(self, out: io.BytesIO) -> None:
        self.out = out
        self.passes: list[tuple[list[str], int]] = []

    def embed(self, texts: Sequence[str], role: str | None = None) -> np.ndarray:
        self.passes.append((list(texts), len(self.out.getvalue())))
        return np.ones((len(texts), self.dimension), dtype=np.float32)


def replies(out: bytes, dimension: int) -> list[int]:
    """The ids answered in `out`, in order."""
    ids, stream = [], io.BytesIO(out)
    while header := stream.readline():
        reply = json.loads(header)
        ids.append(reply["id"])
        stream.read(reply.get("rows", 0) * dimension * 4)
    return ids


def test_short_questions_do_not_share_a_pass_with_a_long_one() -> None:
    batch = [request(0, LONG)] + [request(n, f"What share of victims were children in {n}?")
                                  for n in range(1, 8)]
    out = io.BytesIO()
    model = RecordingModel(out)
    _serve_requests(model, batch, out)
    (short, nothing_written), (long, written_before) = model.passes
    assert len(short) == 7 and max(map(len, short)) < 100 and nothing_written == 0
    assert long == [LONG]
    # The seven short questions were answered before the long pass even started.
    assert replies(out.getvalue()[:written_before], model.dimension) == list(range(1, 8))
    assert replies(out.getvalue(), model.dimension) == [1, 2, 3, 4, 5, 6, 7, 0]


def test_passes_keep_similar_lengths_together() -> None:
    lengths = [5, 150, 199, 300, 450, 700, 1500, 2000, 40]
    group = [request(n, "x" * length) for n, length in enumerate(lengths)]
    passes = _by_length(group)
    seen = [[len(r["texts"][0]) for r in one] for one in passes]
    assert seen == [[5, 40, 150, 199], [300, 450], [700], [1500, 2000]]
    for one in seen:  # never more than PASS_SPREAD apart, unless all are short
        assert max(one) <= max(SHORT_TEXT_CHARS, PASS_SPREAD * min(one))
    assert sorted(r["id"] for one in passes for r in one) == list(range(len(lengths)))


def test_roles_still_get_passes_of_their_own() -> None:
    batch = [request(1, "a", role="query"), request(2, "b", role="passage"),
             request(3, "c", role="query")]
    out = io.BytesIO()
    model = RecordingModel(out)
    _serve_requests(model, batch, out)
    assert [texts for texts, _ in model.passes] == [["a", "c"], ["b"]]
    assert replies(out.getvalue(), model.dimension) == [1, 3, 2]


def test_a_pass_of_long_texts_returns_its_freed_memory(monkeypatch: Any) -> None:
    """Long texts' activations are large: after such a pass the freed heap is given back."""
    import index.embed_process as embed_process

    trims: list[int] = []
    monkeypatch.setattr(embed_process, "_release_free_memory", lambda: trims.append(1))
    out = io.BytesIO()
    model = RecordingModel(out)
    _serve_requests(model, [request(n, f"question {n}?") for n in range(4)], out)
    assert trims == []  # short questions: nothing worth returning
    _serve_requests(model, [request(n, LONG) for n in range(3)], out)
    assert trims == [1]
