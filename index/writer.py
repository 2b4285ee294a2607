"""Writing the on-disk index: atomic versioned builds and the embedding cache.

Layout: `index_dir` is a symlink to a sibling `<name>-<build-id>/` directory. A build is written
to a hidden temporary sibling, fsynced, renamed to its final name, and only then does a fresh
symlink replace `index_dir` with `os.replace` (atomic on POSIX). A crash or SIGKILL at any point
therefore leaves either the previous index or the new one, never a mix; leftovers are removed
by the next build. One writer at a time per `index_dir` (an `flock` on a lock file beside it).
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
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from index.dense import KINDS, DenseIndex, DenseKind
from index.embedder import Embedder, content_hash, model_info
from index.errors import (
    IndexLocationError,
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
    write_json,
)
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
from index.sentence_store import (
    build_sentences,
    previous_sentences,
    write_sentences,
)
from index.sparse import BM25Params, SparseIndex, sparse_texts
from ingest.errors import BriefQAError
from ingest.records import Corpus

if TYPE_CHECKING:
    pass


EMBED_BATCH = 256


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
        with LOAD_LOCK:
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
