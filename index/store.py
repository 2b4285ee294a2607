"""`SearchIndex`: the on-disk index opened for search (`index.writer` builds it).

Reading resolves the `index_dir` symlink once, so a query process keeps a consistent version
while a new build is swapped in; `reopen` follows the link to a newer one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from index.dense import DenseIndex
from index.embedder import Embedder, load_embedder
from index.errors import (
    IndexCorruptError,
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
    LOAD_LOCK,
    REFERENCES_FILE,
    SOURCES_FILE,
    TEXTS_FILE,
    read_chunk_file,
    read_json,
)
from index.fusion import Ranked, convex, rrf, suppress_near_duplicates
from index.lru import LRUCache
from index.manifest import (
    Manifest,
    read_manifest,
    verify_files,
)
from index.modes import SearchMode
from index.sentence_store import (
    SENTENCES_FILE,
    StoredSentences,
)
from index.sparse import SparseIndex
from ingest.records import Chunk, Corpus, Document, Footnote, Reference, Source

if TYPE_CHECKING:
    from index.embed_process import ProcessEmbedder

FusionMethod = Literal["rrf", "convex"]

QUERY_VECTOR_CACHE = 512
RRF_K = 60
CONVEX_ALPHA = 0.5
# Each retriever contributes this many candidates (at least) to fusion.
CANDIDATE_DEPTH = 50
DUPLICATE_THRESHOLD = 0.8

# `SearchIndex.open` retries when a concurrent rebuild replaced the version it was reading.
OPEN_ATTEMPTS = 5
_MODEL_LOCK = threading.Lock()


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
            with LOAD_LOCK:  # the .npy readers (ours and bm25s's)
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

