"""Issue 15, app side: hostile inputs are refused or cleaned for that request alone."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

import app
from assistant.answer.followup import resolve
from assistant.serve import requests as edge
from index.embed_process import _serve_batch


def test_lone_surrogate_is_cleaned_for_that_request_alone() -> None:  # row 1
    request = edge.ask_request("Palermo \ud800", history=["What is \udfff it?"])
    request.query.encode("utf-8")
    assert request.query.startswith("Palermo")
    for item in request.history:
        item.encode("utf-8")


class _PickyEmbedder:
    """Fails on any batch holding the text 'bad', like the tokenizer on unencodable input."""

    def embed(self, texts: list[str], role: str | None = None) -> np.ndarray:
        if "bad" in texts:
            raise TypeError("TextEncodeInput must be Union")
        return np.ones((len(texts), 2), dtype=np.float32)


def test_model_process_retries_a_failing_batch_item_by_item() -> None:  # row 1
    out = io.BytesIO()
    batch = [{"id": 1, "texts": ["ok"]}, {"id": 2, "texts": ["bad"]},
             {"id": 3, "texts": ["a", "b"]}]
    _serve_batch(_PickyEmbedder(), None, batch, out)  # fails as a batch, then one by one
    data = out.getvalue()
    replies = []
    while data:
        line, data = data.split(b"\n", 1)
        reply = json.loads(line)
        replies.append(reply)
        if "rows" in reply:
            data = data[reply["rows"] * 2 * 4 :]
    assert [r["id"] for r in replies] == [1, 2, 3]
    assert replies[0]["rows"] == 1 and replies[2]["rows"] == 2
    assert replies[1]["request"] is True and "TextEncodeInput" in replies[1]["error"]


def test_history_is_capped_and_each_item_cut() -> None:  # row 2
    history = [f"What about region {i}?" + " x" * 30_000 for i in range(3_000)]
    request = edge.ask_request("And for girls?", history=history)
    assert len(request.history) == edge.MAX_HISTORY_ITEMS
    assert all(len(item) <= 2_000 for item in request.history)
    resolve(request.query, request.history)  # no RecursionError


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"query": None}, "query"),
        ({"query": 3}, "query"),
        ({"query": "   "}, "query"),
        ({"query": "q", "k": float("inf")}, "k"),
        ({"query": "q", "k": "Infinity"}, "k"),
        ({"query": "q", "k": [1]}, "k"),
        ({"query": "q", "mode": "magic"}, "mode"),
        ({"query": "q", "only": 7}, "only"),
        ({"query": "q", "history": [1, None]}, "history[0]"),
        ({"query": "q", "history": "not a list"}, "history"),
    ],
)
def test_each_bad_field_gets_one_clear_message(fields: dict[str, object], field: str) -> None:
    with pytest.raises(edge.RequestError) as caught:  # row 12
        edge.ask_request(**fields)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert "NoneType" not in str(caught.value) and "attribute" not in str(caught.value)


def test_api_ask_refuses_bad_fields_with_a_gradio_error() -> None:  # row 12
    import gradio as gr

    handlers = app.Handlers(app.AssistantProvider())  # refused before any index is opened
    for kwargs in ({"query": None}, {"query": "q", "k": float("inf")},
                   {"query": "q", "history": [1, None]}):
        with pytest.raises(gr.Error) as caught:
            handlers.api_ask(**kwargs)
        assert "NoneType" not in str(caught.value)


def test_edge_limits_agree_with_the_assistant() -> None:
    from typing import get_args

    from assistant.assistant import MAX_QUERY_CHARS
    from index.store import SearchMode

    assert edge.MAX_QUERY_CHARS == MAX_QUERY_CHARS
    assert set(edge.MODES) == set(get_args(SearchMode))


def test_k_and_scope_normalised() -> None:
    assert edge.ask_request("q", k=99).k == edge.MAX_K
    assert edge.ask_request("q", k="3").k == 3
    assert edge.ask_request("q", k=None).k == edge.DEFAULT_K
    assert edge.ask_request("q", only="all").only is None
    assert edge.ask_request("q", only="doc:brief-1").only == "brief-1"
    assert edge.ask_request("q", mode=" BM25 ").mode == "bm25"


def test_damaged_index_is_never_reingested(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:  # row 9
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    (index_dir / "chunks.jsonl").write_text("kept\n")  # an index that lost its manifest
    ran: list[object] = []
    monkeypatch.setattr(app.subprocess, "run", lambda *a, **k: ran.append(a))
    assert app.ensure_index(index_dir, tmp_path / "corpus") == 0
    assert ran == [] and (index_dir / "chunks.jsonl").read_text() == "kept\n"
    monkeypatch.setattr(app.demo, "launch", lambda **k: ran.append("launched"))
    assert app.main(["--index", str(index_dir)]) == 2
    assert ran == []
    assert "brief-qa ingest" in capsys.readouterr().err
