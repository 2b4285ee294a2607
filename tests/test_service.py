"""`assistant.serve.service`: one shared assistant per server process, and `index.lru`."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from app_server import build_synthetic_index
from conftest import FakeEmbedder

from assistant.assistant import Assistant
from assistant.records import Answer
from assistant.serve import service
from assistant.serve.service import AssistantProvider
from index.lru import LRUCache


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_synthetic_index(tmp_path_factory.mktemp("service") / "index", FakeEmbedder())


@pytest.fixture
def provider(index_dir: Path) -> AssistantProvider:
    return AssistantProvider(index_dir, embedder=FakeEmbedder())


def test_provider_opens_once_under_concurrent_first_use(index_dir: Path) -> None:
    opened: list[int] = []
    barrier = threading.Barrier(8)

    def opener(path: Path | None, embedder: Any) -> Assistant:
        opened.append(1)
        return Assistant.open(path, embedder=embedder)

    provider = AssistantProvider(index_dir, embedder=FakeEmbedder(), opener=opener)
    assert opened == []  # creating the provider opens nothing
    results: list[Assistant] = []

    def use() -> None:
        barrier.wait()
        results.append(provider.ready())

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(opened) == 1 and len({id(a) for a in results}) == 1



def test_a_rebuilt_index_is_seen_at_the_next_question(tmp_path: Path) -> None:
    """Sessions keep asking while `brief-qa ingest` swaps in a new version: the next question
    is answered from the new version, with the model already loaded (not loaded again)."""
    from dataclasses import replace

    from app_server import synthetic_corpus

    from index.writer import write_index

    embedder = FakeEmbedder()
    link = build_synthetic_index(tmp_path / "index", embedder)
    provider = AssistantProvider(link, embedder=embedder)
    first = provider.ready()
    before = provider.ask("Palermo Protocol", 3)
    assert provider.ask("Palermo Protocol", 3) is before  # remembered
    corpus = synthetic_corpus()
    extra = replace(corpus.chunks[0], id="brief-new", text="A new paragraph about zebras.")
    write_index(replace(corpus, chunks=(*corpus.chunks, extra)), link, embedder, progress=False)

    second = provider.ready()
    assert second is not first and second.index.root == link.resolve()
    assert second.index.embedder is first.index.embedder
    assert len(second.index.chunks) == len(first.index.chunks) + 1
    assert provider.ask("Palermo Protocol", 3) is not before  # the old answers are forgotten
    assert provider.ask("zebras", 1).hits[0].chunk.id == "brief-new"
    assert provider.ready() is second  # and no reopening while nothing changes


def test_lru_cache_evicts_the_least_recently_used() -> None:
    cache = LRUCache(2)
    calls: list[str] = []

    def compute(key: str) -> str:
        calls.append(key)
        return key.upper()

    assert cache.get_or_compute("a", lambda: compute("a")) == "A"
    assert cache.get_or_compute("b", lambda: compute("b")) == "B"
    assert cache.get_or_compute("a", lambda: compute("a")) == "A"  # hit; "b" is now oldest
    assert cache.get_or_compute("c", lambda: compute("c")) == "C"  # evicts "b"
    assert cache.get_or_compute("b", lambda: compute("b")) == "B"
    assert calls == ["a", "b", "c", "b"] and (cache.hits, cache.misses) == (1, 4)
    with pytest.raises(ValueError):  # failures are not remembered
        cache.get_or_compute("d", lambda: int("x"))
    assert cache.get_or_compute("d", lambda: "D") == "D"
    off = LRUCache(0)
    assert [off.get_or_compute("a", lambda: compute("z")) for _ in range(2)] == ["Z", "Z"]
    assert calls[-2:] == ["z", "z"]



def test_warm_up_loads_everything_in_the_background(
    index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = AssistantProvider(index_dir, embedder=FakeEmbedder())
    provider.warm_up().join(timeout=60)
    assert provider._model_ready and provider.assistant()._engine is not None
    assert "model ready" in capsys.readouterr().err
    missing = AssistantProvider(tmp_path / "none")
    missing.warm_up().join(timeout=60)  # reports, does not raise in the thread
    assert "no index at" in capsys.readouterr().err


def test_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BRIEF_QA_X", "12")
    assert service._env_int("BRIEF_QA_X", 3) == 12
    monkeypatch.setenv("BRIEF_QA_X", "many")
    assert service._env_int("BRIEF_QA_X", 3) == 3
    assert "BRIEF_QA_X='many' is not a whole number" in capsys.readouterr().err
    monkeypatch.delenv("BRIEF_QA_X")
    assert service._env_int("BRIEF_QA_X", 3) == 3
    assert service.CONCURRENCY_LIMIT >= 1



def test_model_work_runs_on_the_providers_own_threads(
    provider: AssistantProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    original = Assistant.ask

    def spy(self: Assistant, query: str, k: int = 5, **kwargs: Any) -> Answer:
        threads.append(threading.current_thread().name)
        return original(self, query, k, **kwargs)

    monkeypatch.setattr(Assistant, "ask", spy)
    workers = [threading.Thread(target=provider.ask, args=(f"children {i}",))
               for i in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(threads) == 6
    assert all(name.startswith("brief-qa-model") for name in threads), threads
    assert len(set(threads)) <= service.CONCURRENCY_LIMIT


def test_non_english_questions_never_hold_the_threads_english_ones_need(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Long questions waiting for the (slow, niced) multilingual model are computed on threads
    of their own, one at a time: however many wait, an English question and a short Spanish
    one are answered at once."""
    monkeypatch.setattr(service, "CONCURRENCY_LIMIT", 2)
    monkeypatch.setattr(service, "MULTILINGUAL_CONCURRENCY", 1)
    provider = AssistantProvider(index_dir, embedder=FakeEmbedder())
    provider.timeout_s = 20
    release = threading.Event()
    lock = threading.Lock()
    in_flight, most = 0, 0
    original = Assistant.ask

    def ask(self: Assistant, query: str, k: int = 5, **kwargs: Any) -> Answer:
        nonlocal in_flight, most
        if query.startswith("¿") and len(query) > service.LONG_QUESTION_CHARS:
            with lock:
                in_flight += 1
                most = max(most, in_flight)
            release.wait(10)
            with lock:
                in_flight -= 1
        return original(self, query, k, **kwargs)

    monkeypatch.setattr(Assistant, "ask", ask)
    provider.ready()
    long_spanish = "¿Cuál es la proporción de niños entre las víctimas de la trata? " * 8
    spanish = [threading.Thread(target=provider.ask, args=(f"{long_spanish} {n}",))
               for n in range(4)]
    for thread in spanish:
        thread.start()
    try:
        answered = threading.Event()

        def ask_in_english() -> None:
            provider.ask("What share of victims are children?")
            provider.ask("¿Qué es el Protocolo de Palermo?")
            answered.set()

        threading.Thread(target=ask_in_english).start()
        assert answered.wait(5), "a short question waited behind long non-English ones"
    finally:
        release.set()
        for thread in spanish:
            thread.join()
    assert most == 1
