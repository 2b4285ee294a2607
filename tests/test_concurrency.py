"""Concurrency: many threads asking at once get exactly what sequential calls get.

The Gradio app serves requests from a thread pool sharing one `Assistant`, so every piece of
query-time state (tokenizers, stemmers, FAISS, the embedder) is hit concurrently. Each test
computes answers sequentially first, then replays the same calls from 16 threads released
together by a barrier, in a different order per thread, and compares hit by hit.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import BRIEF_TXT, DATA, FakeEmbedder
from hostile_factory import text_corpus

from assistant.assistant import Assistant
from index.embedder import Embedder
from index.store import write_index

THREADS = 16
CALLS_PER_THREAD = 20
SCORE_TOLERANCE = 1e-5
MODES = ("hybrid", "dense", "bm25")


def gold_queries(kind: str) -> list[str]:
    rows = [json.loads(line) for line in (DATA / "gold.jsonl").read_text().splitlines() if line]
    return [row["query"] for row in rows if row["kind"] == kind]


def signature(answer: Any) -> dict[str, Any]:
    """What must not depend on concurrency: hits (ids, scores), citations, the direct answer."""
    hits = getattr(answer, "hits", None)
    if hits is None:  # a Verdict
        hits = answer.evidence
    return {
        "hits": [(h.chunk.id, float(h.score)) for h in hits],
        "citations": [[c.to_dict() for c in h.citations] for h in hits],
        "text": {
            key: getattr(answer, key)
            for key in ("direct_answer", "notice", "verdict", "reason")
            if hasattr(answer, key)
        },
    }


def assert_same(expected: dict[str, Any], got: dict[str, Any], call: str) -> None:
    assert [i for i, _ in got["hits"]] == [i for i, _ in expected["hits"]], call
    for (_, want), (_, have) in zip(expected["hits"], got["hits"], strict=True):
        assert have == pytest.approx(want, abs=SCORE_TOLERANCE), call
    assert got["citations"] == expected["citations"], call
    assert got["text"] == expected["text"], call


def hammer(calls: list[tuple[str, Callable[[], Any]]], seed: int = 7) -> dict[str, int]:
    """Run every call sequentially, then all of them from THREADS threads at once; compare."""
    expected = {name: signature(fn()) for name, fn in calls}
    barrier = threading.Barrier(THREADS)
    failures: list[str] = []

    def worker(worker_id: int) -> int:
        rng = random.Random(seed + worker_id)
        mine = [calls[rng.randrange(len(calls))] for _ in range(CALLS_PER_THREAD)]
        barrier.wait()  # all threads start together: maximum overlap
        for name, fn in mine:
            try:
                assert_same(expected[name], signature(fn()), name)
            except Exception as exc:  # collected: one thread's failure must not hide others
                failures.append(f"thread {worker_id}, {name}: {type(exc).__name__}: {exc}")
        return len(mine)

    with ThreadPoolExecutor(THREADS) as pool:
        done = sum(pool.map(worker, range(THREADS)))
    assert not failures, f"{len(failures)} of {done} concurrent calls differ:\n" + "\n".join(
        failures[:10]
    )
    return {"calls": done, "distinct": len(calls)}


def _open(tmp_path: Path, embedder: Embedder) -> Assistant:
    link = tmp_path / "index"
    corpus = text_corpus({"brief": BRIEF_TXT.read_text(encoding="utf-8")})
    write_index(corpus, link, embedder, progress=False)
    return Assistant.open(link, embedder=embedder)


def _ask_calls(assistant: Assistant, queries: list[str]) -> list[tuple[str, Callable[[], Any]]]:
    calls: list[tuple[str, Callable[[], Any]]] = []
    for i, query in enumerate(queries):
        mode = MODES[i % len(MODES)]
        calls.append(
            (f"ask[{mode}] {query!r}", lambda q=query, m=mode: assistant.ask(q, k=5, mode=m))
        )
    return calls


def test_concurrent_ask_matches_sequential(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    assistant = _open(tmp_path, fake_embedder)
    queries = gold_queries("question")
    assert len(queries) >= 40
    calls = _ask_calls(assistant, queries)
    # Filtered searches and odd queries take other code paths (exact rows, empty results).
    calls += [
        ("ask only=brief", lambda: assistant.ask(queries[0], k=3, only="brief")),
        ("ask empty", lambda: assistant.ask("   ", k=5)),
        ("ask stopwords", lambda: assistant.ask("the of and", k=5, mode="bm25")),
        ("ask huge", lambda: assistant.ask("trafficking " * 3000, k=5)),
    ]
    stats = hammer(calls)
    assert stats["calls"] == THREADS * CALLS_PER_THREAD


def test_concurrent_check_matches_sequential(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    assistant = _open(tmp_path, fake_embedder)
    check = getattr(assistant, "check", None)
    if check is None:
        pytest.skip("Assistant.check is not implemented yet")
    claims = gold_queries("claim")
    assert claims
    calls: list[tuple[str, Callable[[], Any]]] = [
        (f"check {claim!r}", lambda c=claim: check(c)) for claim in claims
    ]
    calls += _ask_calls(assistant, gold_queries("question")[:20])  # mixed with asks
    hammer(calls)


def _during_rebuilds(
    tmp_path: Path, embedder: FakeEmbedder, read: Callable[[int, random.Random], None]
) -> int:
    """Run `read(worker, rng)` in 4 threads while another thread rebuilds the index 15 times
    (alternating two corpora); every exception is a failure. Returns the builds done."""
    link = tmp_path / "index"
    text = BRIEF_TXT.read_text(encoding="utf-8")
    stop = threading.Event()
    failures: list[str] = []
    builds = 0

    def rebuild() -> None:
        nonlocal builds
        try:
            while builds < 15:
                variant = text.replace("child", "minor") if builds % 2 else text
                write_index(text_corpus({"brief": variant}), link, embedder, progress=False)
                builds += 1
        except Exception as exc:
            failures.append(f"rebuild {builds}: {type(exc).__name__}: {exc}")
        finally:
            stop.set()

    def reader(worker: int) -> None:
        rng = random.Random(worker)
        while not stop.is_set():
            try:
                read(worker, rng)
            except Exception as exc:
                failures.append(f"reader {worker}: {type(exc).__name__}: {exc}")
                return

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
    threads.append(threading.Thread(target=rebuild))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, f"{len(failures)} failure(s):\n" + "\n".join(failures[:10])
    return builds


def test_an_open_assistant_keeps_answering_while_the_index_is_rebuilt(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    """It keeps its version even after that version's directory is garbage-collected."""
    assistant = _open(tmp_path, fake_embedder)
    queries = gold_queries("question")[:10]
    expected = {q: signature(assistant.ask(q)) for q in queries}

    def read(_worker: int, rng: random.Random) -> None:
        query = rng.choice(queries)
        assert_same(expected[query], signature(assistant.ask(query)), query)

    assert _during_rebuilds(tmp_path, fake_embedder, read) == 15


def test_opening_the_index_while_it_is_rebuilt_always_succeeds(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    """The app (or a second CLI) opening the index while `brief-qa ingest` swaps in a new
    version must get the old or the new one, never "index is unusable"."""
    _open(tmp_path, fake_embedder)
    link = tmp_path / "index"
    queries = gold_queries("question")[:10]

    def read(_worker: int, rng: random.Random) -> None:
        fresh = Assistant.open(link, embedder=fake_embedder)
        assert fresh.ask(rng.choice(queries)).hits, "a freshly opened index found nothing"

    assert _during_rebuilds(tmp_path, fake_embedder, read) == 15


@pytest.mark.model
@pytest.mark.slow
def test_concurrent_ask_with_the_real_model(tmp_path: Path) -> None:
    """The real embedder (tokenizer + torch) under concurrent queries: same vectors, same hits."""
    from index.embedder import load_embedder

    assistant = _open(tmp_path, load_embedder())
    queries = gold_queries("question")
    hammer(_ask_calls(assistant, queries[:40]))
