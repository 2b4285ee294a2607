"""One shared `Assistant` per process for a server: opened once, answers remembered.

The web app's sessions (and API clients) all call the same `AssistantProvider`; it opens the
index on first use, loads the model once, runs model work on a few long-lived threads, and
keeps recent answers (an answer depends only on the question, its options and the index).
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from index.errors import QueryError
from index.lru import LRUCache
from index.modes import SearchMode
from ingest.config import default_index_dir
from ingest.errors import BriefQAError

if TYPE_CHECKING:
    from assistant.assistant import Assistant
    from assistant.records import Answer, CitationLookup, Verdict
    from index.embedder import Embedder

T = TypeVar("T")


def _env_int(name: str, default: int) -> int:
    """An integer setting from the environment; a malformed one is reported and ignored."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return max(0, int(raw))
    except ValueError:
        print(f"warning: {name}={raw!r} is not a whole number; using {default}", file=sys.stderr)
        return default


# Questions are answered on this many threads. The model itself runs in a child process
# (`index.embed_process`) that encodes the questions waiting together in one batch, so a few
# threads in flight keep it fed while others do retrieval and scoring (measured on 2 cores with
# every question new: 4 threads 74 answers/s, 10 threads 82/s).
CONCURRENCY_LIMIT = max(1, _env_int("BRIEF_QA_CONCURRENCY", 8))
# Delegates ask the same (example) questions over and over; an answer depends only on the
# question, its filters, history and the index, so recent answers are kept (0 turns it off).
ANSWER_CACHE_SIZE = _env_int("BRIEF_QA_ANSWER_CACHE", 1024)
# The most one question may take, waiting for a model thread included; past it the request is
# refused with a clear message instead of holding its client (and a server thread) forever.
# Its work is bounded anyway (question and history cut at the edge); this is the backstop.
REQUEST_TIMEOUT_S = float(max(1, _env_int("BRIEF_QA_REQUEST_TIMEOUT_S", 30)))
# Non-English questions are also searched with the multilingual model: one niced process, one
# pass at a time. A long one costs it ~0.2 s of CPU (it reads 500 characters; measured: 2,000
# characters of Spanish 0.20 s, a short question 0.025 s), so long ones are computed on threads
# of their own, this many at once: however many arrive, they never hold the threads English
# questions need, nor make a short non-English question wait behind all of them (beside two
# clients sending long Spanish questions, ordinary p95 was 3.2-4.3x the baseline).
MULTILINGUAL_CONCURRENCY = max(1, _env_int("BRIEF_QA_MULTILINGUAL_CONCURRENCY", 1))
LONG_QUESTION_CHARS = 200  # = multilingual.LONG_QUERY_CHARS (tests/test_multilingual_process.py)


class RequestTimeoutError(QueryError):
    """A request took longer than `REQUEST_TIMEOUT_S`; it is refused, the server goes on."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"this request took longer than {seconds:g} s and was stopped; the server is busy "
            "or the question too long: try again, or ask a shorter question"
        )


def _history_key(history: Sequence[str]) -> str:
    """A fixed-size stand-in for the history in a cache key: a cached follow-up costs the same
    memory whatever history came with it."""
    digest = hashlib.sha256()
    for item in history:
        digest.update(item.encode("utf-8", "replace") + b"\0")
    return f"{len(history)}:{digest.hexdigest()}"


def _long_multilingual(query: str, mode: str) -> bool:
    """Is this a long question that will also go through the multilingual model? (Only which
    threads compute it depends on this; the search decides for itself, as it always has.)"""
    from assistant.answer.multilingual import detect_language

    return (len(query) > LONG_QUESTION_CHARS and mode == "hybrid"
            and detect_language(query) not in ("en", "und"))


class AssistantProvider:
    """Opens the index and loads the model once per process, on first use, thread-safely.

    Opening the index is cheap (JSON, FAISS, BM25 arrays); the model costs seconds, so it is
    loaded separately (`ready`) and only where a query needs it.
    """

    def __init__(
        self,
        index_dir: str | Path | None = None,
        *,
        embedder: Embedder | None = None,
        opener: Callable[[Path | None, Embedder | None], Assistant] | None = None,
    ) -> None:
        self._index_dir = Path(index_dir) if index_dir is not None else None
        self._embedder = embedder
        self._opener = opener
        self._lock = threading.Lock()
        self._assistant: Assistant | None = None
        self._model_ready = False
        self.cache = LRUCache(ANSWER_CACHE_SIZE)
        self.timeout_s = REQUEST_TIMEOUT_S
        # Questions are computed on a bounded pool of long-lived threads, not on whichever
        # server thread received them: it caps the work in flight, and a model run in-process
        # (an embedder passed in, the multilingual model) keeps per-thread buffers.
        self._workers = ThreadPoolExecutor(
            max_workers=CONCURRENCY_LIMIT, thread_name_prefix="brief-qa-model"
        )
        self._multilingual_workers = ThreadPoolExecutor(
            max_workers=MULTILINGUAL_CONCURRENCY, thread_name_prefix="brief-qa-multilingual"
        )

    def configure(self, index_dir: str | Path | None, embedder: Embedder | None = None) -> None:
        """Point at another index (before first use, or to reload after a rebuild)."""
        with self._lock:
            self._index_dir = Path(index_dir) if index_dir is not None else None
            self._embedder = embedder
            if self._assistant is not None:
                self._assistant.index.close()  # its model process, if it started one
            self._assistant = None
            self._model_ready = False
            self.cache.clear()

    @property
    def index_dir(self) -> Path:
        if self._index_dir is not None:
            return self._index_dir

        return default_index_dir()

    def assistant(self) -> Assistant:
        """The shared `Assistant` (index open, model maybe not loaded yet).

        When `brief-qa ingest` (or an upload) has swapped in a new version of the index since,
        the new version is opened here, between requests: the next question of every session
        sees it, while questions already running finish on the version they started with.
        """
        current = self._assistant
        if current is not None and not self._superseded(current):
            return current
        with self._lock:
            current = self._assistant
            if current is None:
                current = self._open()
            elif self._superseded(current):
                current = self._reopen(current)
            self._assistant = current
            return current

    def _superseded(self, current: Assistant) -> bool:
        """Does the index link now point at another version than the one open? (One
        `readlink` per request; an unreadable link keeps the open version.)"""
        try:
            return current.index.path.resolve() != current.index.root
        except OSError:
            return False

    def _reopen(self, old: Assistant) -> Assistant:
        """The new version, sharing the old one's model (and model process) when it was built
        with the same model; answers of the old version are forgotten."""
        from index.errors import IndexMismatchError

        self.cache.clear()
        if self._opener is not None:
            return self._opener(self._index_dir, self._embedder)
        from assistant.assistant import Assistant

        try:
            return Assistant(old.index.reopen())
        except IndexMismatchError:  # rebuilt with another model: that one is loaded instead
            old.index.close()
            self._model_ready = False
            return Assistant.open(self.index_dir, embedder=self._embedder, model_process=True)

    def ready(self) -> Assistant:
        """The shared `Assistant` with its model loaded (what a query needs)."""
        assistant = self.assistant()
        if not self._model_ready:
            with self._lock:
                if not self._model_ready:
                    # Loads the model (for the app: starts its process) now, not inside
                    # the first query that happens to need it.
                    _ = assistant.index.embedder
                    self._model_ready = True
        return assistant

    def ask(
        self,
        query: str,
        k: int = 5,
        *,
        mode: SearchMode = "hybrid",
        only: str | None = None,
        history: Sequence[str] = (),
        brief: str | None = None,
    ) -> Answer:
        """`Assistant.ask`, remembered for repeated questions."""
        key = ("ask", query, k, mode, only, _history_key(history), brief)
        return self.cache.get_or_compute(
            key,
            lambda: self._run(
                lambda: self.ready().ask(
                    query, k, mode=mode, only=only,
                    history=tuple(history), brief=brief,
                ),
                pool=self._multilingual_workers if _long_multilingual(query, mode) else None,
            ),
        )

    def check(self, claim: str, brief: str | None = None) -> Verdict:
        """`Assistant.check`, remembered for repeated claims."""
        return self.cache.get_or_compute(
            ("check", claim, brief),
            lambda: self._run(lambda: self.ready().check(claim, brief=brief)),
        )

    def cite(self, number: int, brief: str | None = None) -> tuple[CitationLookup, ...]:
        """`Assistant.cite`, remembered (there are only so many footnotes)."""
        return self.cache.get_or_compute(
            ("cite", number, brief),
            lambda: self._run(lambda: self.ready().cite(number, brief=brief)),
        )

    def _run(
        self,
        work: Callable[[], T],
        *,
        limited: bool = True,
        pool: ThreadPoolExecutor | None = None,
    ) -> T:
        """Run `work` on the model threads (or `pool`) and wait for it (its exception is
        re-raised); a request (`limited`) that takes longer than `timeout_s` raises
        `RequestTimeoutError`."""
        limit = self.timeout_s
        future = (pool or self._workers).submit(work)
        try:
            return future.result(timeout=limit if limited else None)
        except FutureTimeout:
            future.cancel()  # never started (still waiting for a thread): it never will
            raise RequestTimeoutError(limit) from None

    def warm_up(self) -> threading.Thread:
        """Load index and model in the background so the first question is fast."""

        def run() -> None:
            started = time.perf_counter()
            try:
                # Not under the request time limit: loading a model may take longer.
                assistant = self._run(self.ready, limited=False)
                # The first forward pass and the brief's sentence vectors (for highlights,
                # direct answers and claim checks) would otherwise fall on the first users.
                self._run(lambda: assistant.index.embedder.embed(["warm-up"]), limited=False)
                self._run(assistant.engine.warm, limited=False)
            except BriefQAError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return
            print(f"model ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)

        thread = threading.Thread(target=run, name="brief-qa-warm-up", daemon=True)
        thread.start()
        return thread

    def _open(self) -> Assistant:
        if self._opener is not None:
            return self._opener(self._index_dir, self._embedder)
        from assistant.answer import multilingual
        from assistant.assistant import Assistant

        # Both models out of the server's threads: the multilingual one (started at the first
        # non-English question) in a child process of its own, like the index's model.
        multilingual.use_child_process()
        return Assistant.open(self.index_dir, embedder=self._embedder, model_process=True)

