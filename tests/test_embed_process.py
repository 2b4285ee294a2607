"""`index.embed_process`: the model in a child process, as the app runs it.

The request reader is tested on a pipe; the rest starts real children with the packaged model
(`model` marker) and compares their vectors with the model run in this process.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from index.embed_process import MAX_BATCH_TEXTS, ProcessEmbedder, _Requests
from index.embedder import default_model_path, load_embedder
from index.errors import ModelLoadError

# ------------------------------------------------------------------ the child's request reader


def _pipe_with(*requests: dict[str, object], close: bool = False) -> _Requests:
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"".join(json.dumps(r).encode() + b"\n" for r in requests))
    if close:
        os.close(write_fd)
    return _Requests(read_fd)


def test_requests_that_arrived_together_are_taken_together() -> None:
    reader = _pipe_with(*({"id": n, "texts": [f"q{n}"]} for n in range(3)), close=True)
    assert [r["id"] for r in reader.take(64)] == [0, 1, 2]
    assert reader.take(64) == []  # end of input: the child's loop ends


def test_a_batch_stops_at_the_text_limit_but_never_splits_a_request() -> None:
    reader = _pipe_with(
        {"id": 0, "texts": ["a"] * 5}, {"id": 1, "texts": ["b"] * 5}, {"id": 2, "texts": ["c"]},
        close=True,
    )
    assert [r["id"] for r in reader.take(4)] == [0]  # bigger than the limit: alone, whole
    assert [r["id"] for r in reader.take(6)] == [1, 2]
    assert reader.take(6) == []


def test_a_request_split_across_reads_is_reassembled() -> None:
    read_fd, write_fd = os.pipe()
    line = json.dumps({"id": 7, "texts": ["x" * 100_000]}).encode() + b"\n"

    def write_slowly() -> None:
        for start in range(0, len(line), 30_000):
            os.write(write_fd, line[start : start + 30_000])
            time.sleep(0.01)
        os.close(write_fd)

    writer = threading.Thread(target=write_slowly)
    writer.start()
    taken = _Requests(read_fd).take(64)
    writer.join()
    assert [r["id"] for r in taken] == [7] and len(taken[0]["texts"][0]) == 100_000


# ------------------------------------------------------------------ with the packaged model

TEXTS = [
    "Children account for 38% of detected trafficking victims.",
    "What is the Palermo Protocol?",
    "línea uno\nlínea dos — ¿qué porcentaje?",
    "",
]


@pytest.fixture(scope="module")
def local_model() -> object:
    return load_embedder(str(default_model_path()))


@pytest.fixture(scope="module")
def child() -> Iterator[ProcessEmbedder]:
    embedder = ProcessEmbedder(default_model_path())
    yield embedder
    embedder.close()


@pytest.mark.model
def test_the_child_gives_the_same_vectors_as_the_model_in_process(
    child: ProcessEmbedder, local_model: object
) -> None:
    assert (child.name, child.dimension) == (local_model.name, local_model.dimension)  # type: ignore[attr-defined]
    vectors = child.embed(TEXTS)
    assert vectors.dtype == np.float32 and vectors.shape == (len(TEXTS), child.dimension)
    np.testing.assert_allclose(vectors, local_model.embed(TEXTS), atol=1e-5)  # type: ignore[attr-defined]
    assert child.embed([]).shape == (0, child.dimension)


@pytest.mark.model
def test_concurrent_callers_each_get_their_own_rows(
    child: ProcessEmbedder, local_model: object
) -> None:
    questions = [f"How many children were trafficked in region {n}?" for n in range(24)]
    results: dict[int, np.ndarray] = {}
    barrier = threading.Barrier(len(questions))

    def ask(n: int) -> None:
        barrier.wait()
        results[n] = child.embed([questions[n]])

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(len(questions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = local_model.embed(questions)  # type: ignore[attr-defined]
    for n in range(len(questions)):
        np.testing.assert_allclose(results[n][0], expected[n], atol=1e-5)


@pytest.mark.model
def test_a_request_larger_than_a_batch(child: ProcessEmbedder, local_model: object) -> None:
    texts = [f"passage number {n} about child protection" for n in range(MAX_BATCH_TEXTS * 2 + 3)]
    vectors = child.embed(texts)
    np.testing.assert_allclose(vectors, local_model.embed(texts), atol=1e-5)  # type: ignore[attr-defined]


@pytest.mark.model
def test_a_killed_child_fails_its_requests_and_is_restarted() -> None:
    embedder = ProcessEmbedder(default_model_path())
    try:
        first = embedder.pid
        assert first is not None
        outcome: list[BaseException | np.ndarray] = []

        def big_request() -> None:
            try:
                outcome.append(embedder.embed([f"sentence {n} " * 20 for n in range(3000)]))
            except ModelLoadError as exc:
                outcome.append(exc)

        worker = threading.Thread(target=big_request)
        worker.start()
        time.sleep(0.5)  # the request is being encoded (it takes seconds)
        os.kill(first, signal.SIGKILL)
        worker.join(timeout=60)
        assert len(outcome) == 1 and isinstance(outcome[0], ModelLoadError)
        assert "stopped" in str(outcome[0])
        vectors = embedder.embed(["after the restart"])  # a new child answers
        assert vectors.shape == (1, embedder.dimension) and embedder.pid != first
    finally:
        embedder.close()
    assert embedder.pid is None


@pytest.mark.model
def test_close_stops_the_child() -> None:
    embedder = ProcessEmbedder(default_model_path())
    pid = embedder.pid
    assert pid is not None
    embedder.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_model_that_cannot_load_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-model-here"
    missing.mkdir()
    with pytest.raises(ModelLoadError) as caught:
        ProcessEmbedder(missing)
    assert "no-model-here" in str(caught.value)


def _rounded(value: object) -> object:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


@pytest.mark.model
def test_an_index_opened_for_serving_runs_its_model_in_a_child(
    tmp_path: Path, local_model: object
) -> None:
    from index_helpers import make_corpus

    from assistant import Assistant
    from index.writer import write_index

    write_index(make_corpus(), tmp_path / "index", local_model, progress=False)  # type: ignore[arg-type]
    served = Assistant.open(tmp_path / "index", model_process=True)
    in_process = Assistant.open(tmp_path / "index", embedder=local_model)  # type: ignore[arg-type]
    question = "How many children were detected as victims?"
    # The same answer: passages, order, highlights and citations exactly; scores (cosines from
    # the child's one-thread passes, reranked) to within float noise.
    assert _rounded(served.ask(question).to_dict()) == _rounded(in_process.ask(question).to_dict())
    child = served.index.embedder
    assert isinstance(child, ProcessEmbedder) and child.pid is not None
    pid = child.pid
    served.index.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@pytest.mark.model
@pytest.mark.slow
def test_concurrent_requests_larger_than_a_pipe_buffer_all_complete(child: ProcessEmbedder) -> None:
    # Each request (~100 KB of JSON) and its reply (~0.9 MB) overflow a 64 KB pipe, so the
    # child blocks writing replies while writers block on requests: the reply reader must
    # never wait for a writer.
    texts = [[f"request {r} sentence {n}: " + "child protection " * 10 for n in range(600)]
             for r in range(4)]
    results: dict[int, np.ndarray] = {}

    def send(r: int) -> None:
        results[r] = child.embed(texts[r])

    threads = [threading.Thread(target=send, args=(r,), daemon=True) for r in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "deadlocked"
    assert all(results[r].shape == (600, child.dimension) for r in range(4))
    np.testing.assert_allclose(results[2][:3], child.embed(texts[2][:3]), atol=1e-5)


@pytest.mark.model
def test_an_unencodable_text_fails_its_own_request_only(child: ProcessEmbedder) -> None:
    """Issue 15 row 1: requests sent together share a pass; a lone surrogate in one of them
    is refused for that request alone (and not as 'cannot load embedding model')."""
    from concurrent.futures import ThreadPoolExecutor

    from index.errors import QueryError

    def one(text: str) -> str:
        try:
            child.embed([text])
        except QueryError as exc:
            assert "cannot encode this text" in str(exc)
            return "refused"
        return "ok"

    texts = ["Palermo \ud800" if i % 5 == 0 else f"ordinary question {i}" for i in range(40)]
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(one, texts))
    assert outcomes == ["refused" if i % 5 == 0 else "ok" for i in range(40)]
