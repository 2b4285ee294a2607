"""The on-disk index: atomic versioned writes, the embedding cache, and `SearchIndex`.

Layout: `index_dir` is a symlink to a sibling `<name>-<build-id>/` directory. A build is written
to a hidden temporary sibling, fsynced, renamed to its final name, and only then does a fresh
symlink replace `index_dir` with `os.replace` (atomic on POSIX). A crash or SIGKILL at any point
therefore leaves either the previous index or the new one, never a mix; leftovers are removed
by the next build. One writer at a time per `index_dir` (an `flock` on a lock file beside it).

Reading resolves the symlink once, so a query process keeps a consistent version while a new
build is swapped in.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np

from index.dense import KINDS, DenseIndex, DenseKind
from index.embedder import Embedder, content_hash, load_embedder, model_info
from index.errors import (
    IndexCorruptError,
    IndexLocationError,
    IndexMismatchError,
    IndexMissingError,
    QueryError,
)
from index.files import (
    BM25_DIR,
    CHUNKS_FILE,
    DENSE_FILE,
    DOCUMENTS_FILE,
    EMBEDDINGS_FILE,
    ERRORS_FILE,
    FOOTNOTES_FILE,
    REFERENCES_FILE,
    SOURCES_FILE,
    TEXTS_FILE,
    read_chunk_file,
    read_json,
    write_json,
)
from index.fusion import Ranked, convex, rrf, suppress_near_duplicates
from index.lru import LRUCache
from index.manifest import (
    FORMAT_VERSION,
    MANIFEST_FILE,
    Manifest,
    file_entries,
    fingerprint,
    read_manifest,
    verify_files,
    write_manifest,
)
from index.modes import SearchMode
from index.sentence_store import (
    SENTENCES_FILE,
    StoredSentences,
    build_sentences,
    previous_sentences,
    write_sentences,
)
from index.sparse import BM25Params, SparseIndex, sparse_texts
from ingest.errors import BriefQAError
from ingest.records import Chunk, Corpus, Document, Footnote, Reference, Source

if TYPE_CHECKING:
    from index.embed_process import ProcessEmbedder

FusionMethod = Literal["rrf", "convex"]

EMBED_BATCH = 256
QUERY_VECTOR_CACHE = 512
RRF_K = 60
CONVEX_ALPHA = 0.5
# Each retriever contributes this many candidates (at least) to fusion.
CANDIDATE_DEPTH = 50
DUPLICATE_THRESHOLD = 0.8

# `SearchIndex.open` retries when a concurrent rebuild replaced the version it was reading.
OPEN_ATTEMPTS = 5
# np.load parses each .npy header with ast.literal_eval, and CPython 3.11's compiler is not
# safe against concurrent use ("SystemError: AST constructor recursion depth mismatch" when app
# workers open the index together), so loads of index files are serialised.
_LOAD_LOCK = threading.Lock()
_MODEL_LOCK = threading.Lock()


# ---------------------------------------------------------------- writing


def write_index(
    corpus: Corpus,
    index_dir: str | Path,
    embedder: Embedder,
    *,
    dense_kind: DenseKind | str = "auto",
    progress: bool = True,
    bm25: BM25Params | None = None,
) -> Manifest:
    """Embed and index `corpus` into a new version of `index_dir`, then swap it in atomically.

    Vectors of chunks whose text is unchanged (same model) are reused from the current index;
    `Manifest.embedded_count` / `reused_count` say how many were computed / reused.
    """
    if dense_kind not in KINDS:  # before minutes of embedding, not after
        raise ValueError(f"unknown dense index kind {dense_kind!r}; expected one of {KINDS}")
    link = Path(index_dir).absolute()
    link.parent.mkdir(parents=True, exist_ok=True)
    _check_destination(link)
    bm25 = bm25 or BM25Params()
    with _write_lock(link):
        _collect_garbage(link, keep=None)
        build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
        tmp = link.parent / f".{link.name}-{build_id}.tmp"
        final = link.parent / f"{link.name}-{build_id}"
        tmp.mkdir()
        try:
            manifest = _build(corpus, tmp, embedder, build_id, dense_kind, bm25, progress, link)
            _fsync_tree(tmp)
            os.rename(tmp, final)
            _fsync_dir(link.parent)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _swap_link(link, final)
        _collect_garbage(link, keep=final.name)
    return manifest


def _build(
    corpus: Corpus,
    out: Path,
    embedder: Embedder,
    build_id: str,
    dense_kind: str,
    bm25: BM25Params,
    progress: bool,
    link: Path,
) -> Manifest:
    chunks = corpus.chunks
    texts = [chunk.text for chunk in chunks]
    _say(progress, f"embedding {len(chunks)} chunks with {embedder.name}")
    previous = _previous_vectors(link, embedder)
    cache = previous.chunks
    vectors, embedded = _embed_with_cache(texts, embedder, cache, progress)
    # Sentence vectors for highlights and direct answers (`index.sentence_store`): an
    # unchanged chunk keeps its sentence rows; a one-sentence chunk reuses its chunk vector.
    cache.update((content_hash(embedder.name, t), v) for t, v in zip(texts, vectors, strict=True))
    sentences = build_sentences(
        texts,
        previous.sentences,
        lambda todo: _embed_with_cache(todo, embedder, cache, progress)[0],
        embedder.dimension,
    )
    _say(progress, f"embedded {sentences.embedded} sentences for highlights")

    write_json(out / DOCUMENTS_FILE, [d.to_dict() for d in corpus.documents])
    write_json(out / FOOTNOTES_FILE, [f.to_dict() for f in corpus.footnotes])
    write_json(out / REFERENCES_FILE, [r.to_dict() for r in corpus.references])
    write_json(out / SOURCES_FILE, [s.to_dict() for s in corpus.sources])
    write_json(out / TEXTS_FILE, corpus.document_texts)
    write_json(out / ERRORS_FILE, list(corpus.errors))
    with (out / CHUNKS_FILE).open("w", encoding="utf-8") as handle:
        for chunk in chunks:
            handle.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
    np.save(out / EMBEDDINGS_FILE, vectors, allow_pickle=False)
    write_sentences(out, sentences.vectors, sentences.offsets)

    _say(progress, f"building the dense index ({dense_kind}) and BM25")
    dense = DenseIndex.build(vectors, dense_kind)
    dense.save(out / DENSE_FILE)
    SparseIndex.build(sparse_texts(corpus, bm25), bm25).save(out / BM25_DIR)

    info = model_info(embedder)
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        build_id=build_id,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        model=info["name"],
        dimension=info["dimension"],
        chunk_count=len(chunks),
        document_count=len(corpus.documents),
        fingerprint=fingerprint(embedder.name, chunks),
        dense_kind=dense.kind,
        dense_params=dense.params,
        bm25=bm25.to_dict(),
        files=file_entries(out),
        model_source=info.get("source"),
        embedded_count=embedded,
        reused_count=len(chunks) - embedded,
    )
    write_manifest(out, manifest)
    return manifest


class _Previous(NamedTuple):
    """What the current index version lends a rebuild (empty when it cannot be trusted)."""

    chunks: dict[str, np.ndarray]  # content hash of a chunk's text → its vector
    sentences: dict[str, np.ndarray]  # a chunk's text → its sentence rows


def _previous_vectors(link: Path, embedder: Embedder) -> _Previous:
    """Vectors of the current index, if it was built with this model.

    Anything wrong with the previous index just means an empty cache: it is being replaced.
    """
    try:
        root = link.resolve()
        manifest = read_manifest(root)
        if manifest.model != embedder.name or manifest.dimension != embedder.dimension:
            return _Previous({}, {})
        verify_files(root, manifest)
        with _LOAD_LOCK:
            vectors = np.load(root / EMBEDDINGS_FILE, allow_pickle=False, mmap_mode="r")
        texts = [chunk.text for chunk in read_chunk_file(root)]
        chunks = {content_hash(embedder.name, t): vectors[row] for row, t in enumerate(texts)}
        return _Previous(chunks, previous_sentences(root, texts))
    except (BriefQAError, OSError, ValueError, KeyError, IndexError):
        return _Previous({}, {})


def _embed_with_cache(
    texts: Sequence[str],
    embedder: Embedder,
    cache: dict[str, np.ndarray],
    progress: bool,
) -> tuple[np.ndarray, int]:
    """All vectors (row i = texts[i]) and how many had to be embedded."""
    vectors = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    missing: dict[str, list[int]] = {}  # identical texts are embedded once
    for row, text in enumerate(texts):
        key = content_hash(embedder.name, text)
        cached = cache.get(key)
        if cached is not None:
            vectors[row] = cached
        else:
            missing.setdefault(text, []).append(row)
    # Longest first, in batches: similar lengths share a batch, so little padding is wasted.
    todo = sorted(missing, key=len, reverse=True)
    bar = _progress_bar(progress, len(todo))
    for start in range(0, len(todo), EMBED_BATCH):
        batch = todo[start : start + EMBED_BATCH]
        out = np.asarray(embedder.embed(batch), dtype=np.float32)
        if out.shape != (len(batch), embedder.dimension):
            raise ValueError(
                f"embedder {embedder.name!r} returned shape {out.shape} for {len(batch)} texts, "
                f"expected ({len(batch)}, {embedder.dimension})"
            )
        for text, vector in zip(batch, out, strict=True):
            vectors[missing[text]] = vector
        if bar is not None:
            bar.update(len(batch))
    if bar is not None:
        bar.close()
    return vectors, sum(len(rows) for rows in missing.values())


def _progress_bar(enabled: bool, total: int) -> Any:
    if not enabled or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="embedding", unit="chunk", file=sys.stderr)


def _say(enabled: bool, message: str) -> None:
    if enabled:
        print(message, file=sys.stderr)


def _check_destination(link: Path) -> None:
    """Refuse to overwrite anything that is not one of our indexes (or empty)."""
    if link.is_symlink() or not link.exists():
        return
    if not link.is_dir():
        raise IndexLocationError(link, "it is a file, not an index directory")
    if any(link.iterdir()) and not _is_our_index(link):
        raise IndexLocationError(
            link,
            "it is a non-empty directory without a brief-qa manifest; "
            "choose another --index or remove it",
        )


def _is_our_index(directory: Path) -> bool:
    try:
        data = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "format_version" in data and "fingerprint" in data


def _swap_link(link: Path, target: Path) -> None:
    """Point `link` at `target` atomically (relative, so the parent directory can move)."""
    tmp_link = link.parent / f".{link.name}.link-{secrets.token_hex(4)}"
    os.symlink(target.name, tmp_link)
    try:
        if link.is_dir() and not link.is_symlink():
            # An older plain-directory index (or an empty one): move it aside first; os.replace
            # cannot put a symlink over a directory. It is deleted once the link is in place.
            aside = link.parent / f".{link.name}-replaced-{secrets.token_hex(4)}.tmp"
            os.rename(link, aside)
        os.replace(tmp_link, link)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_link.unlink()
        raise
    _fsync_dir(link.parent)


def _collect_garbage(link: Path, keep: str | None) -> None:
    """Delete superseded versions and leftovers of interrupted builds (we hold the lock)."""
    current = os.readlink(link) if link.is_symlink() else None
    version = re.compile(rf"^{re.escape(link.name)}-\d{{8}}T\d{{6}}Z-[0-9a-f]{{6}}$")
    leftover = re.compile(rf"^\.{re.escape(link.name)}-.*\.tmp$|^\.{re.escape(link.name)}\.link-")
    for entry in link.parent.iterdir():
        name = entry.name
        if name in (keep, current):
            continue
        if (keep is not None and version.match(name)) or leftover.match(name):
            if entry.is_symlink() or entry.is_file():
                entry.unlink(missing_ok=True)
            else:
                shutil.rmtree(entry, ignore_errors=True)


@contextlib.contextmanager
def _write_lock(link: Path) -> Iterator[None]:
    lock_path = link.parent / f".{link.name}.lock"
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    for directory in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---------------------------------------------------------------- reading


@dataclass
class SearchIndex:
    """A loaded index version: the corpus records plus dense and sparse retrievers."""

    path: Path  # as given (usually the symlink)
    root: Path  # the version directory it resolved to when opened
    manifest: Manifest
    documents: tuple[Document, ...]
    chunks: tuple[Chunk, ...]
    footnotes: tuple[Footnote, ...]
    references: tuple[Reference, ...]
    sources: tuple[Source, ...]
    document_texts: dict[str, str]
    errors: tuple[str, ...]
    embeddings: np.ndarray
    dense: DenseIndex
    sparse: SparseIndex
    sentences: StoredSentences | None = None  # None: an index written before they were stored
    _embedder: Embedder | None = None
    _lookup: dict[str, Any] = field(default_factory=dict, repr=False)
    _model_process: bool = False
    _model_child: ProcessEmbedder | None = None  # the child process this index started
    # One question is embedded by retrieval, then again by highlighting, the direct answer and
    # the citation trail: remembering recent query vectors saves those forward passes.
    _query_vectors: LRUCache = field(
        default_factory=lambda: LRUCache(QUERY_VECTOR_CACHE), repr=False
    )

    @classmethod
    def open(
        cls,
        index_dir: str | Path,
        embedder: Embedder | None = None,
        *,
        model_process: bool = False,
    ) -> SearchIndex:
        """Load and verify an index. Errors: `IndexMissingError`, `IndexCorruptError`,
        `IndexMismatchError` (format version, or `embedder` is not the model it was built with).

        `model_process` (for servers): when no `embedder` is given, the index's model is run
        in a child process (`index.embed_process`), out of the way of the server's threads.
        """
        path = Path(index_dir)
        for _attempt in range(OPEN_ATTEMPTS - 1):
            root = path.resolve()
            try:
                opened = cls._open_version(path, root, embedder)
                break
            except (IndexMissingError, IndexCorruptError):
                # A rebuild swapped the link and removed the version being read: read the new
                # one. Anything else (same version still linked) is a real problem.
                if path.resolve() == root:
                    raise
        else:
            opened = cls._open_version(path, path.resolve(), embedder)
        opened._model_process = model_process
        return opened

    @classmethod
    def _open_version(cls, path: Path, root: Path, embedder: Embedder | None) -> SearchIndex:
        manifest = read_manifest(root, shown=path)
        if embedder is not None:
            _check_model(path, manifest, embedder)
        verify_files(root, manifest, shown=path)
        current = ""
        try:
            current = DOCUMENTS_FILE
            documents = tuple(Document.from_dict(d) for d in read_json(root / current))
            current = FOOTNOTES_FILE
            footnotes = tuple(Footnote.from_dict(d) for d in read_json(root / current))
            current = REFERENCES_FILE
            references = tuple(Reference.from_dict(d) for d in read_json(root / current))
            current = SOURCES_FILE
            sources = tuple(Source.from_dict(d) for d in read_json(root / current))
            current = TEXTS_FILE
            texts = dict(read_json(root / current))
            current = ERRORS_FILE
            errors = tuple(read_json(root / current))
            current = CHUNKS_FILE
            chunks = read_chunk_file(root)
            with _LOAD_LOCK:  # the .npy readers (ours and bm25s's)
                current = EMBEDDINGS_FILE
                # Memory-mapped: only filtered searches read it, and only the rows they need.
                embeddings = np.load(root / current, allow_pickle=False, mmap_mode="r")
                current = DENSE_FILE
                dense = DenseIndex.load(root / current, manifest.dense_kind, manifest.dense_params)
                current = f"{BM25_DIR}/"
                sparse = SparseIndex.load(root / BM25_DIR)
                current = SENTENCES_FILE
                sentences = StoredSentences.load(root, chunks, manifest.dimension)
        except (OSError, ValueError, KeyError, TypeError, RuntimeError, AttributeError) as exc:
            raise IndexCorruptError(path, f"{current}: {type(exc).__name__}: {exc}") from exc
        sizes = {
            "manifest": manifest.chunk_count,
            CHUNKS_FILE: len(chunks),
            EMBEDDINGS_FILE: int(embeddings.shape[0]),
            DENSE_FILE: dense.size,
            "bm25": sparse.size,
        }
        if len(set(sizes.values())) != 1:
            raise IndexCorruptError(path, f"component sizes disagree: {sizes}")
        if embeddings.ndim != 2 or embeddings.shape[1] != manifest.dimension:
            raise IndexCorruptError(path, f"embeddings have shape {embeddings.shape}")
        return cls(
            path=path,
            root=root,
            manifest=manifest,
            documents=documents,
            chunks=chunks,
            footnotes=footnotes,
            references=references,
            sources=sources,
            document_texts=texts,
            errors=errors,
            embeddings=embeddings,
            dense=dense,
            sparse=sparse,
            sentences=sentences,
            _embedder=embedder,
        )

    # ---- lookups

    @property
    def embedder(self) -> Embedder:
        """The index's model, loaded on first use when none was passed to `open`."""
        if self._embedder is None:
            with _MODEL_LOCK:  # one model (and child process) however many threads ask first
                if self._embedder is None:
                    model = self.manifest.model_source or self.manifest.model
                    embedder: Embedder
                    if self._model_process:
                        from index.embed_process import ProcessEmbedder

                        embedder = ProcessEmbedder(model)
                        self._model_child = embedder
                    else:
                        embedder = load_embedder(model)
                    _check_model(self.path, self.manifest, embedder)
                    self._embedder = embedder
        return self._embedder

    def corpus(self) -> Corpus:
        """The records this index was built from (to add or remove a brief and rebuild)."""
        return Corpus(
            documents=self.documents,
            chunks=self.chunks,
            footnotes=self.footnotes,
            references=self.references,
            sources=self.sources,
            document_texts=dict(self.document_texts),
            errors=tuple(self.errors),
        )

    def reopen(self) -> SearchIndex:
        """The version `path` links to now (after a rebuild), with this index's model: a
        model process this index started is handed over to the new one, not restarted.
        `IndexMismatchError` when the new version was built with another model."""
        opened = SearchIndex.open(self.path, self._embedder, model_process=self._model_process)
        if self._embedder is not None:
            with _MODEL_LOCK:
                opened._model_child, self._model_child = self._model_child, None
        return opened

    def close(self) -> None:
        """Stop the model's child process if this index started one (`model_process`)."""
        child, self._model_child = self._model_child, None
        if child is not None:
            child.close()
            self._embedder = None

    def _table(self, name: str) -> dict[Any, Any]:
        table = self._lookup.get(name)
        if table is None:
            if name == "documents":
                table = {d.id: d for d in self.documents}
            elif name == "rows":
                table = {c.id: row for row, c in enumerate(self.chunks)}
            elif name == "footnotes":  # (brief, number): every brief has its own footnote 1
                table = {(f.document_id, f.number): f for f in self.footnotes}
            elif name == "references":
                table = {(r.document_id, r.index): r for r in self.references}
            else:  # sources by the document id their text was indexed under
                table = {s.document_id: s for s in self.sources if s.document_id}
            self._lookup[name] = table
        return table

    def document(self, document_id: str) -> Document:
        return self._table("documents")[document_id]

    def chunk(self, chunk_id: str) -> Chunk:
        return self.chunks[self._table("rows")[chunk_id]]

    def footnote(self, brief: str, number: int) -> Footnote | None:
        """Footnote `number` of the brief whose document id is `brief`."""
        return self._table("footnotes").get((brief, number))

    def reference(self, brief: str, index: int) -> Reference | None:
        """Entry `index` of the reference list of brief `brief`."""
        return self._table("references").get((brief, index))

    @property
    def briefs(self) -> tuple[Document, ...]:
        return tuple(d for d in self.documents if d.kind == "brief")

    def require_brief(self, brief: str) -> Document:
        """The brief with document id `brief`; `QueryError` naming the loaded ones otherwise."""
        document = self._table("documents").get(brief)
        if document is None or document.kind != "brief":
            valid = ", ".join(d.id for d in self.briefs) or "none"
            raise QueryError(f"unknown brief {brief!r} for --brief; loaded briefs: {valid}")
        return document

    def brief_documents(self, brief: str) -> frozenset[str]:
        """Document ids of brief `brief` and of the sources it cites."""
        self.require_brief(brief)
        cited = {
            s.document_id
            for s in self.sources
            if s.document_id and any(c.document_id == brief for c in s.cited_by)
        }
        return frozenset({brief, *cited})

    def source_for_document(self, document_id: str) -> Source | None:
        return self._table("sources").get(document_id)

    def select(self, only: str | None, brief: str | None = None) -> np.ndarray | None:
        """Rows allowed by `only` ("brief", "sources" or a document id) within `brief` (a
        brief's id: that brief and the sources it cites); None = all rows."""
        if not only and not brief:
            return None
        wanted = set(self._table("documents"))
        if brief:
            wanted &= self.brief_documents(brief)
        if only == "brief":
            wanted &= {d.id for d in self.documents if d.kind == "brief"}
        elif only == "sources":
            wanted &= {d.id for d in self.documents if d.kind == "source"}
        elif only and only in self._table("documents"):
            wanted &= {only}
        elif only:
            valid = ", ".join(["brief", "sources", *sorted(self._table("documents"))])
            raise QueryError(f"unknown document {only!r} for --only; valid: {valid}")
        return np.array(
            [row for row, c in enumerate(self.chunks) if c.document_id in wanted], dtype=np.int64
        )

    # ---- search

    def sentence_vectors(self, chunk: Chunk) -> np.ndarray | None:
        """The vectors of `chunk`'s sentences embedded at ingest, or None (not stored)."""
        return self.sentences.vectors(chunk) if self.sentences is not None else None

    def embed_query(self, query: str) -> np.ndarray:
        """The query's vector (recent ones remembered; treat it as read-only)."""
        return self._query_vectors.get_or_compute(query, lambda: self._embed_query(query))

    def _embed_query(self, query: str) -> np.ndarray:
        vector = np.array(self.embedder.embed([query])[0], dtype=np.float32)
        vector.flags.writeable = False  # shared by every caller of this query
        return vector

    def search_dense(
        self, query: str | np.ndarray, k: int, *, allowed: np.ndarray | None = None
    ) -> list[Ranked]:
        vector = self.embed_query(query) if isinstance(query, str) else query
        rows, scores = self.dense.search(vector, k, allowed=allowed, vectors=self.embeddings)
        return [Ranked(int(r), float(s)) for r, s in zip(rows, scores, strict=True)]

    def search_bm25(
        self, query: str, k: int, *, allowed: np.ndarray | None = None
    ) -> list[Ranked]:
        rows, scores = self.sparse.search(query, k, allowed=allowed)
        return [Ranked(int(r), float(s)) for r, s in zip(rows, scores, strict=True)]

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        mode: SearchMode = "hybrid",
        fusion: FusionMethod = "rrf",
        allowed: np.ndarray | None = None,
    ) -> list[Ranked]:
        """Top-`k` chunk rows with scores, near-duplicates removed.

        Scores are cosine (dense), BM25 (bm25), or the fused score (hybrid).
        """
        if mode not in ("hybrid", "dense", "bm25"):
            raise QueryError(f"unknown search mode {mode!r}; expected hybrid, dense or bm25")
        if fusion not in ("rrf", "convex"):
            raise QueryError(f"unknown fusion {fusion!r}; expected rrf or convex")
        depth = max(CANDIDATE_DEPTH, 4 * k)
        if mode == "dense":
            ranked = self.search_dense(query, depth, allowed=allowed)
        elif mode == "bm25":
            ranked = self.search_bm25(query, depth, allowed=allowed)
        else:
            dense = self.search_dense(query, depth, allowed=allowed)
            sparse = self.search_bm25(query, depth, allowed=allowed)
            if fusion == "rrf":
                ranked = rrf([[r for r, _ in dense], [r for r, _ in sparse]], k=RRF_K)
            else:
                ranked = convex(dict(dense), dict(sparse), alpha=CONVEX_ALPHA)
        texts = {row: self.chunks[row].text for row, _ in ranked}
        return suppress_near_duplicates(
            ranked, texts=texts, threshold=DUPLICATE_THRESHOLD, limit=k
        )


def _check_model(path: Path, manifest: Manifest, embedder: Embedder) -> None:
    if embedder.name != manifest.model:
        raise IndexMismatchError(path, "model", manifest.model, embedder.name)
    if embedder.dimension != manifest.dimension:
        raise IndexMismatchError(path, "dimension", manifest.dimension, embedder.dimension)

