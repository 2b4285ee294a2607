"""Concurrency: many threads asking at once get exactly what sequential calls get.

The Gradio app serves requests from a thread pool sharing one `Assistant`, so every piece of
query-time state (tokenizers, stemmers, FAISS, the embedder) is hit concurrently. Each test
computes answers sequentially first, then replays the same calls from 16 threads released
together by a barrier, in a different order per thread, and compares hit by hit.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, Literal

import pytest
from conftest import BRIEF_TXT, DATA, REPO, FakeEmbedder
from hostile_factory import text_corpus

from assistant.assistant import Assistant
from index.embedder import Embedder
from index.writer import write_index
from ingest.pipeline import build_corpus

THREADS = 16
CALLS_PER_THREAD = 20
SCORE_TOLERANCE = 1e-5
# Enough overlapping opens to surface a rare race (CPython 3.11's shared AST-depth counter,
# reached through np.load's header parsing, fails about once in a few hundred opens).
OPENS_PER_THREAD = 100
MODES: tuple[Literal["hybrid", "dense", "bm25"], ...] = ("hybrid", "dense", "bm25")


def gold_queries(kind: str) -> list[str]:
    rows = [json.loads(line) for line in (DATA / "gold.jsonl").read_text().splitlines() if line]
    return [row["query"] for row in rows if row["kind"] == kind]


def _split_scores(value: Any, scores: list[float]) -> Any:
    """`value` without its "score" fields (collected, in order, into `scores`)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "score" and isinstance(item, int | float):
                scores.append(float(item))
            else:
                out[key] = _split_scores(item, scores)
        return out
    if isinstance(value, list | tuple):
        return [_split_scores(item, scores) for item in value]
    return value


def signature(result: Any) -> dict[str, Any]:
    """Everything a caller sees (`to_dict()`: hits, citations, highlights, direct answer,
    trail, verdict...), scores split off to be compared with a tolerance."""
    scores: list[float] = []
    rest = _split_scores(result.to_dict(), scores)
    return {"scores": scores, "rest": rest}


def assert_same(expected: dict[str, Any], got: dict[str, Any], call: str) -> None:
    assert got["rest"] == expected["rest"], call
    assert got["scores"] == pytest.approx(expected["scores"], abs=SCORE_TOLERANCE), call


def _where(exc: BaseException) -> str:
    """The innermost project frame that raised (site-packages frames are skipped)."""
    tb = traceback.extract_tb(exc.__traceback__)
    frames = [f for f in tb if "site-packages" not in f.filename]
    return f"[{Path(frames[-1].filename).name}:{frames[-1].lineno}]" if frames else ""


Calls = list[tuple[str, Callable[[], Any]]]


def hammer(
    make_calls: Callable[[Assistant], Calls], link: Path, embedder: Embedder, seed: int = 7
) -> dict[str, int]:
    """Run every call sequentially on one Assistant, then from THREADS threads at once on a
    second, freshly opened one (cold caches: the threads race to fill them); compare."""
    expected = {
        name: signature(fn())
        for name, fn in make_calls(Assistant.open(link, embedder=embedder))
    }
    calls = make_calls(Assistant.open(link, embedder=embedder))
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
                failures.append(
                    f"thread {worker_id}, {name}: {_where(exc)} {type(exc).__name__}: {exc}"
                )
        return len(mine)

    with ThreadPoolExecutor(THREADS) as pool:
        done = sum(pool.map(worker, range(THREADS)))
    assert not failures, f"{len(failures)} of {done} concurrent calls differ:\n" + "\n".join(
        failures[:10]
    )
    return {"calls": done, "distinct": len(calls)}


def _build(tmp_path: Path, embedder: Embedder) -> Path:
    """The brief (TXT form, real reader: footnotes, references, citations) indexed."""
    link = tmp_path / "index"
    corpus = build_corpus([BRIEF_TXT], fetch=None, progress=False, log=lambda _m: None)
    assert corpus.footnotes and not corpus.errors, corpus.errors
    write_index(corpus, link, embedder, progress=False)
    return link


def _open(tmp_path: Path, embedder: Embedder) -> Assistant:
    return Assistant.open(_build(tmp_path, embedder), embedder=embedder)


def _ask_calls(assistant: Assistant, queries: list[str]) -> Calls:
    calls: Calls = []
    for i, query in enumerate(queries):
        mode = MODES[i % len(MODES)]
        calls.append(
            (f"ask[{mode}] {query!r}", partial(assistant.ask, query, k=5, mode=mode))
        )
    return calls


def _all_asks(assistant: Assistant) -> Calls:
    queries = gold_queries("question")
    calls = _ask_calls(assistant, queries)
    # Filtered searches and odd queries take other code paths (exact rows, empty results).
    calls += [
        ("ask only=brief", lambda: assistant.ask(queries[0], k=3, only="brief")),
        ("ask empty", lambda: assistant.ask("   ", k=5)),
        ("ask stopwords", lambda: assistant.ask("the of and", k=5, mode="bm25")),
        ("ask huge", lambda: assistant.ask("trafficking " * 3000, k=5)),
    ]
    return calls


def _checks_and_more(assistant: Assistant) -> Calls:
    questions = gold_queries("question")
    calls: Calls = [
        (f"check {claim!r}", partial(assistant.check, claim))
        for claim in gold_queries("claim")
    ]
    calls += [
        (f"follow-up after {q!r}", partial(assistant.ask, "and what about girls?", history=[q]))
        for q in questions[:10]
    ]
    calls += [
        (f"cite {f.number}", lambda f=f: assistant.cite(f.number, brief=f.document_id)[0])
        for f in assistant.index.footnotes
    ]
    return calls + _ask_calls(assistant, questions[:20])  # mixed with plain asks


@pytest.mark.slow
def test_concurrent_ask_matches_sequential(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    assert len(gold_queries("question")) >= 40
    stats = hammer(_all_asks, _build(tmp_path, fake_embedder), fake_embedder)
    assert stats["calls"] == THREADS * CALLS_PER_THREAD


def test_concurrent_check_cite_and_follow_ups_match_sequential(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    assert gold_queries("claim")
    hammer(_checks_and_more, _build(tmp_path, fake_embedder), fake_embedder)


def test_concurrent_opens_succeed(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    """Several threads opening the same (unchanging) index at once, e.g. app workers starting
    together: each gets a working Assistant."""
    link = _build(tmp_path, fake_embedder)
    barrier = threading.Barrier(8)
    failures: list[str] = []

    def opener(worker: int) -> None:
        barrier.wait()
        for _ in range(OPENS_PER_THREAD):
            try:
                assert Assistant.open(link, embedder=fake_embedder).ask("child victims").hits
            except Exception as exc:
                failures.append(f"opener {worker}: {_where(exc)} {type(exc).__name__}: {exc}")
                return

    threads = [threading.Thread(target=opener, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, f"{len(failures)} of 8 threads failed:\n" + "\n".join(failures)


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
            failures.append(f"rebuild {builds}: {_where(exc)} {type(exc).__name__}: {exc}")
        finally:
            stop.set()

    def reader(worker: int) -> None:
        rng = random.Random(worker)
        while not stop.is_set():
            try:
                read(worker, rng)
            except Exception as exc:
                failures.append(f"reader {worker}: {_where(exc)} {type(exc).__name__}: {exc}")
                return

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
    threads.append(threading.Thread(target=rebuild))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, f"{len(failures)} failure(s):\n" + "\n".join(failures[:10])
    return builds


@pytest.mark.slow
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


@pytest.mark.slow
def test_opening_the_index_while_another_process_rebuilds_it(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    """The app (one thread) opening the index while `brief-qa ingest` in another process swaps
    in new versions must get the old or the new one, never "index is unusable". (Rebuilds run
    in subprocesses, so only the on-disk swap is shared, not this interpreter.)"""
    _open(tmp_path, fake_embedder)
    link = tmp_path / "index"
    variant = tmp_path / "variant.txt"
    variant.write_text(BRIEF_TXT.read_text("utf-8").replace("child", "minor"), "utf-8")
    driver = [sys.executable, str(REPO / "tests" / "ingest_driver.py"), "build", "--index",
              str(link)]
    stop = threading.Event()
    builds: list[int] = []

    def rebuild() -> None:
        try:
            for n in range(8):
                run = subprocess.run([*driver, str(variant if n % 2 else BRIEF_TXT)],
                                     capture_output=True, text=True, timeout=120)
                builds.append(run.returncode)
        finally:
            stop.set()

    writer = threading.Thread(target=rebuild)
    writer.start()
    opened, failures = 0, []
    query = gold_queries("question")[0]
    while not stop.is_set():
        try:
            assert Assistant.open(link, embedder=fake_embedder).ask(query).hits
            opened += 1
        except Exception as exc:
            failures.append(f"{_where(exc)} {type(exc).__name__}: {exc}")
    writer.join()
    assert builds == [0] * 8, builds
    assert opened > 0
    assert not failures, f"{len(failures)} of {opened + len(failures)} opens failed:\n" + (
        "\n".join(failures[:5])
    )


@pytest.mark.model
@pytest.mark.slow
def test_concurrent_ask_with_the_real_model(tmp_path: Path) -> None:
    """The real embedder (tokenizer + torch) under concurrent queries: same vectors, same hits."""
    from index.embedder import load_embedder

    embedder = load_embedder()
    queries = gold_queries("question")[:40]
    hammer(lambda a: _ask_calls(a, queries), _build(tmp_path, embedder), embedder)
