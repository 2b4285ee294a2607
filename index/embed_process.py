"""The embedding model in a child process, for servers.

Why: a forward pass of the model releases and re-takes Python's GIL at every tensor operation
(hundreds per pass). In a server whose other threads run Python (HTTP, retrieval, scoring), each
re-take waits its turn: measured on 2 cores, a 13 ms pass took 400 ms next to one busy thread.
In its own process the model never waits for the GIL, and requests that arrive together are
encoded as one batch (8 short questions cost about 3 ms each instead of 8 ms).

Protocol over the child's stdin/stdout: a request is one JSON line `{"id": n, "texts": [...]}`
(with `"role": "query"` or `"passage"` for a model that encodes them differently); a reply is
one JSON line `{"id": n, "rows": r}` (or `{"id": n, "error": "..."}`) followed by
`r × dimension` little-endian float32 values. The child first writes `{"name": ..,
"dimension": ..}` once its model has loaded, or `{"error": ..}`.

The child loads a sentence-transformers model by default; `loader="module:function"` names
another: `function(model)` returns an object with `name`, `dimension` and
`embed(texts, role)` (the multilingual model, `assistant.answer.multilingual.child_model`).

    python -m index.embed_process MODEL [LOADER]    # the child; not meant to be run by hand
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib
import itertools
import json
import os
import select
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import IO, Any

import numpy as np

from index.errors import ModelLoadError, QueryError

MAX_BATCH_TEXTS = 64  # texts the child encodes in one pass when requests queue up
START_TIMEOUT_S = 180.0
PASS_TEXTS = 8
# A pass this big leaves freed memory worth returning: many texts (the app's warm-up), or a
# few long ones (its activations grow with texts x padded length; measured: passes of 1-8
# texts of ~2,000 characters left the model process 80 MB larger, 35 MB of it returned).
TRIM_AFTER_TEXTS = 16
TRIM_AFTER_PADDED_CHARS = 4_000
# A pass pads every text to its longest: one 2,000-character question (a long non-English one,
# or a follow-up read against a long history) in a pass with seven short ones made that pass
# 2.8x as costly, and the short ones waited for it (ordinary clients' p95 3.2x beside such
# questions). Requests that arrived together share a pass only when their lengths are close:
# texts up to SHORT_TEXT_CHARS always do; a longer one only with texts at least 1/PASS_SPREAD
# of its length. Shorter passes run and are answered first.
SHORT_TEXT_CHARS = 200
PASS_SPREAD = 2.0


class ProcessEmbedder:
    """An `Embedder` whose model runs in a child process (started here, stopped by `close`)."""

    def __init__(
        self, model: str | Path, *, threads: int | None = None, loader: str | None = None
    ) -> None:
        self.model = str(model)
        self._threads = threads
        self._loader = loader  # "module:function" that loads the model in the child
        self._lock = threading.Lock()  # one writer to the child's stdin (or restart) at a time
        # The reply reader takes only this one: were it to wait for a writer blocked on a full
        # pipe while the child is blocked writing replies, neither would move.
        self._pending_lock = threading.Lock()
        # Requests awaiting a reply, with the process they were sent to.
        self._pending: dict[int, tuple[subprocess.Popen[bytes], Future[np.ndarray]]] = {}
        self._ids = itertools.count()
        self._process: subprocess.Popen[bytes] | None = None
        self.name = ""
        self.dimension = 0
        self._start()
        atexit.register(self.close)

    # ---- the Embedder protocol

    def embed(self, texts: Sequence[str], role: str | None = None) -> np.ndarray:
        """Vectors for `texts`; `role` ("query", "passage") for a model that tells them apart."""
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        future: Future[np.ndarray] = Future()
        line = b""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._start_locked()  # it died (killed, out of memory): start a new one
            process = self._process
            assert process is not None and process.stdin is not None
            number = next(self._ids)
            with self._pending_lock:
                self._pending[number] = (process, future)
            request: dict[str, Any] = {"id": number, "texts": list(texts)}
            if role is not None:
                request["role"] = role
            line = json.dumps(request).encode() + b"\n"
            try:
                process.stdin.write(line)
                process.stdin.flush()
            except OSError as exc:
                with self._pending_lock:
                    self._pending.pop(number, None)
                raise ModelLoadError(self.model, f"the embedding process is gone ({exc})") from exc
        return future.result()

    def close(self) -> None:
        """Stop the child process (also done at interpreter exit)."""
        with self._lock:
            process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()  # the child exits at end of input
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    # ---- the child's lifetime

    def _start(self) -> None:
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        env = dict(os.environ)
        if self._threads:
            env["BRIEF_QA_EMBED_THREADS"] = str(self._threads)
        process = subprocess.Popen(
            [sys.executable, "-m", "index.embed_process", self.model,
             *([self._loader] if self._loader else [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=Path(__file__).resolve().parent.parent,  # so `-m index...` finds this package
        )
        assert process.stdout is not None
        ready = _read_line_with_timeout(process, START_TIMEOUT_S)
        if ready is None or "error" in ready:
            process.kill()
            process.wait()
            exited = f"the embedding process exited ({process.returncode})"
            raise ModelLoadError(self.model, str(ready["error"] if ready else exited))
        if self.name and (ready["name"], ready["dimension"]) != (self.name, self.dimension):
            process.kill()
            process.wait()
            raise ModelLoadError(self.model, "the restarted embedding process loaded another model")
        self.name, self.dimension = str(ready["name"]), int(ready["dimension"])
        self._process = process
        reader = threading.Thread(
            target=self._read_replies, args=(process,), name="brief-qa-embed-replies", daemon=True
        )
        reader.start()

    def _read_replies(self, process: subprocess.Popen[bytes]) -> None:
        stdout = process.stdout
        assert stdout is not None
        width = self.dimension * 4
        try:
            for header in iter(stdout.readline, b""):
                reply = json.loads(header)
                with self._pending_lock:
                    _, future = self._pending.pop(int(reply["id"]), (None, None))
                if "error" in reply:
                    if future is not None:
                        future.set_exception(
                            QueryError(f"cannot encode this text: {reply['error']}")
                            if reply.get("request")
                            else ModelLoadError(self.model, str(reply["error"]))
                        )
                    continue
                rows = int(reply["rows"])
                payload = _read_exactly(stdout, rows * width)
                if payload is None:  # cut short: the process died mid-reply
                    if future is not None:
                        future.set_exception(ModelLoadError(self.model, "reply cut short"))
                    break
                vectors = np.frombuffer(payload, dtype="<f4").reshape(rows, self.dimension)
                if future is not None:
                    future.set_result(vectors.astype(np.float32, copy=True))
        finally:
            # Whatever was sent to this process will not be answered now.
            if process.poll() is None:  # a garbled reply: do not trust this process further
                process.kill()
            code = process.wait()
            with self._pending_lock:
                lost = [n for n, (sent_to, _) in self._pending.items() if sent_to is process]
                futures = [self._pending.pop(n)[1] for n in lost]
            for future in futures:
                future.set_exception(
                    ModelLoadError(self.model, f"the embedding process stopped (exit code {code})")
                )


def _read_line_with_timeout(process: subprocess.Popen[bytes], timeout: float) -> Any:
    """The child's first line (its model's name and dimension, or why it could not load)."""
    result: list[Any] = []

    def read() -> None:
        assert process.stdout is not None
        line = process.stdout.readline()
        if line:
            with contextlib.suppress(ValueError):
                result.append(json.loads(line))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    if reader.is_alive():
        return {"error": f"the embedding process did not load its model in {timeout:.0f} s"}
    return result[0] if result else None


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


# ------------------------------------------------------------------ the child


class _Requests:
    """Reads JSON-line requests from a file descriptor; `take` returns what has arrived."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""
        self.closed = False

    def take(self, limit: int) -> list[dict[str, Any]]:
        """Block for one request, then add every further one already waiting (up to `limit`
        texts in all), so that requests that arrived together share a forward pass. An empty
        list: the input has ended."""
        requests: list[dict[str, Any]] = []
        texts = 0
        while True:
            while b"\n" in self.buffer and texts < limit:
                line, self.buffer = self.buffer.split(b"\n", 1)
                request = json.loads(line)
                requests.append(request)
                texts += len(request["texts"])
            if self.closed or (requests and (texts >= limit or not self._readable(0.0))):
                return requests
            chunk = os.read(self.fd, 1 << 16)  # blocks only while nothing has arrived
            if chunk:
                self.buffer += chunk
            else:
                self.closed = True

    def _readable(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        return bool(ready)


def _release_free_memory() -> None:
    """Give the heap freed after a big batch back to the system (glibc keeps it otherwise:
    measured 65 MB after the app's warm-up batch)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class _SentenceModel:
    """The default child model: sentence-transformers, `role` ignored."""

    def __init__(self, model: str) -> None:
        import torch

        from index.embedder import cpu_threads, load_embedder

        self._embedder = load_embedder(model)  # (sets torch's threads to the CPU count)
        # The server shares the CPUs: with 2 cores, two torch threads next to a busy server
        # made a pass 2.4x slower than one thread alone (their barriers wait for each other).
        torch.set_num_threads(child_threads() or max(1, cpu_threads() // 2))
        # Big requests (the app's warm-up) go through in passes of this many texts: the peak
        # memory of a pass grows with it, its speed hardly (measured: 64 → 8 texts per pass
        # lowers the peak by 86 MB; 4 would save 11 MB more).
        if hasattr(self._embedder, "batch_size"):
            self._embedder.batch_size = PASS_TEXTS
        self.name = self._embedder.name
        self.dimension = self._embedder.dimension

    def embed(self, texts: Sequence[str], role: str | None = None) -> np.ndarray:
        return self._embedder.embed(texts)


def child_threads() -> int:
    """Threads the child's model may use (`BRIEF_QA_EMBED_THREADS`; 0: the loader decides)."""
    try:
        return max(0, int(os.environ.get("BRIEF_QA_EMBED_THREADS", "0")))
    except ValueError:
        return 0


def _load_model(model: str, loader: str | None) -> Any:
    if loader is None:
        return _SentenceModel(model)
    module, _, function = loader.partition(":")
    load: Callable[[str], Any] = getattr(importlib.import_module(module), function)
    return load(model)


def serve(model: str, loader: str | None = None) -> int:
    """The child's loop: load the model, then answer requests until stdin closes."""
    # Replies go to a private copy of stdout; whatever the libraries print, from Python or C,
    # goes to stderr instead and cannot corrupt the protocol.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    try:
        embedder = _load_model(model, loader)
        embedder.embed(["warm-up"])  # the first pass allocates; do it before saying ready
    except Exception as exc:  # reported to the parent, which raises ModelLoadError
        out.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode() + b"\n")
        out.flush()
        return 1
    out.write(json.dumps({"name": embedder.name, "dimension": embedder.dimension}).encode() + b"\n")
    out.flush()
    requests = _Requests(sys.stdin.fileno())
    while True:
        batch = requests.take(MAX_BATCH_TEXTS)
        if not batch:
            return 0
        _serve_requests(embedder, batch, out)


def _serve_requests(embedder: Any, batch: list[dict[str, Any]], out: IO[bytes]) -> None:
    """Answer `batch`: one pass per role and similar length, each answered as it is done."""
    for role, group in _by_role(batch):
        for similar in _by_length(group):
            _serve_batch(embedder, role, similar, out)
            out.flush()  # answered now, not after the longer passes behind it


def _by_role(batch: list[dict[str, Any]]) -> Iterator[tuple[str | None, list[dict[str, Any]]]]:
    """The batch's requests grouped by role, in order of first arrival: one pass per role."""
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for request in batch:
        groups.setdefault(request.get("role"), []).append(request)
    yield from groups.items()


def _longest(request: dict[str, Any]) -> int:
    return max((len(text) for text in request["texts"]), default=0)


def _by_length(group: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """`group`'s requests in passes of similar length (see `PASS_SPREAD`), shortest first."""
    passes: list[list[dict[str, Any]]] = []
    floor = 0  # the shortest longest-text of the current pass
    for request in sorted(group, key=_longest):
        length = _longest(request)
        if passes and length <= max(SHORT_TEXT_CHARS, PASS_SPREAD * floor):
            passes[-1].append(request)
        else:
            passes.append([request])
            floor = length
    return passes


def _serve_batch(
    embedder: Any, role: str | None, batch: list[dict[str, Any]], out: IO[bytes]
) -> None:
    texts = [text for request in batch for text in request["texts"]]
    try:
        vectors = np.ascontiguousarray(embedder.embed(texts, role), dtype="<f4")
    except Exception:
        # One request's bad text (say a lone surrogate) must not fail the others that
        # happened to share its pass: retry request by request, and refuse only the bad one.
        _serve_one_by_one(embedder, role, batch, out)
        return
    padded = len(texts) * max((len(text) for text in texts), default=0)
    if len(texts) > TRIM_AFTER_TEXTS or padded > TRIM_AFTER_PADDED_CHARS:
        _release_free_memory()
    start = 0
    for request in batch:
        rows = len(request["texts"])
        out.write(json.dumps({"id": request["id"], "rows": rows}).encode() + b"\n")
        out.write(vectors[start : start + rows].tobytes())
        start += rows


def _serve_one_by_one(
    embedder: Any, role: str | None, batch: list[dict[str, Any]], out: IO[bytes]
) -> None:
    for request in batch:
        try:
            vectors = np.ascontiguousarray(embedder.embed(request["texts"], role), dtype="<f4")
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            out.write(json.dumps({"id": request["id"], "error": reason, "request": True})
                      .encode() + b"\n")
            continue
        out.write(json.dumps({"id": request["id"], "rows": len(vectors)}).encode() + b"\n")
        out.write(vectors.tobytes())


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    sys.exit(serve(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else None))
