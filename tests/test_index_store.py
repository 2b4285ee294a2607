"""The on-disk index (index/store.py, index/manifest.py): layout, atomic swap, embedding cache,
corruption and mismatch detection."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from index_helpers import CountingEmbedder, FailingEmbedder, make_corpus

import index.store as store
from index.errors import (
    IndexCorruptError,
    IndexLocationError,
    IndexMismatchError,
    IndexMissingError,
)
from index.files import MANIFEST_FILE
from index.manifest import FORMAT_VERSION, Manifest
from index.store import SearchIndex
from index.writer import write_index

EXPECTED_FILES = {
    "documents.json", "footnotes.json", "references.json", "sources.json", "chunks.jsonl",
    "texts.json", "errors.json", "embeddings.npy", "dense.faiss",
}


def versions(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.parent.iterdir() if p.name.startswith("index-"))


@pytest.fixture
def built(tmp_path: Path, fake_embedder: object) -> Path:
    index_dir = tmp_path / "idx" / "index"
    write_index(make_corpus(), index_dir, fake_embedder, progress=False)  # type: ignore[arg-type]
    return index_dir


def test_layout_is_a_symlink_to_a_versioned_directory(built: Path) -> None:
    assert built.is_symlink()
    target = os.readlink(built)
    assert not os.path.isabs(target) and target.startswith("index-")
    root = built.resolve()
    names = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert EXPECTED_FILES | {MANIFEST_FILE} <= names
    assert any(n.startswith("bm25/") for n in names)
    assert not any(n.endswith((".pkl", ".pickle")) for n in names)


def test_manifest_describes_the_build(built: Path) -> None:
    data = json.loads((built / MANIFEST_FILE).read_text())
    manifest = Manifest.from_dict(data)
    corpus = make_corpus()
    assert manifest.format_version == FORMAT_VERSION
    assert manifest.model == "fake-hash-64" and manifest.dimension == 64
    assert manifest.chunk_count == len(corpus.chunks)
    assert manifest.document_count == len(corpus.documents)
    assert manifest.dense_kind == "flat"
    assert manifest.bm25["stemmer"] == "english"
    assert len(manifest.fingerprint) == 64
    assert set(manifest.files) >= EXPECTED_FILES
    assert all(len(entry.sha256) == 64 and entry.bytes > 0 for entry in manifest.files.values())
    assert manifest.built_at.endswith("+00:00")


def test_round_trip_restores_every_record(built: Path, fake_embedder: object) -> None:
    corpus = make_corpus()
    index = SearchIndex.open(built, embedder=fake_embedder)  # type: ignore[arg-type]
    assert index.chunks == corpus.chunks
    assert index.documents == corpus.documents
    assert index.footnotes == corpus.footnotes
    assert index.references == corpus.references
    assert index.sources == corpus.sources
    assert index.document_texts == corpus.document_texts
    assert index.errors == corpus.errors
    assert index.embeddings.shape == (len(corpus.chunks), 64)
    assert index.embeddings.dtype == np.float32
    expected = fake_embedder.embed([c.text for c in corpus.chunks])  # type: ignore[attr-defined]
    np.testing.assert_allclose(index.embeddings, expected, rtol=1e-6)


def test_search_finds_the_passage(built: Path, fake_embedder: object) -> None:
    index = SearchIndex.open(built, embedder=fake_embedder)  # type: ignore[arg-type]
    for mode in ("hybrid", "dense", "bm25"):
        rows = index.search("Palermo Protocol adopted 2000", 3, mode=mode)  # type: ignore[arg-type]
        assert index.chunks[rows[0][0]].id == "brief-004", mode
    rows = index.search("Palermo Protocol adopted 2000", 3, fusion="convex")
    assert index.chunks[rows[0][0]].id == "brief-004"


def test_rewriting_an_unchanged_corpus_embeds_nothing(built: Path, fake_embedder: object) -> None:
    counting = CountingEmbedder(fake_embedder)
    manifest = write_index(make_corpus(), built, counting, progress=False)  # type: ignore[arg-type]
    assert counting.count == 0
    assert manifest.embedded_count == 0
    assert manifest.reused_count == len(make_corpus().chunks)
    before = SearchIndex.open(built, embedder=fake_embedder)  # type: ignore[arg-type]
    np.testing.assert_array_equal(
        before.embeddings, fake_embedder.embed([c.text for c in make_corpus().chunks])  # type: ignore[attr-defined]
    )


def test_changing_one_document_embeds_only_its_chunks(built: Path, fake_embedder: object) -> None:
    corpus = make_corpus()
    changed_texts = [f"Rewritten passage number {i} about safety nets." for i in range(6)]
    changed = make_corpus(brief_texts=changed_texts)
    counting = CountingEmbedder(fake_embedder)
    manifest = write_index(changed, built, counting, progress=False)  # type: ignore[arg-type]
    assert counting.count == 6
    assert sorted(t for batch in counting.calls for t in batch) == sorted(changed_texts)
    assert manifest.embedded_count == 6
    assert manifest.reused_count == len(corpus.chunks) - 6
    index = SearchIndex.open(built, embedder=fake_embedder)  # type: ignore[arg-type]
    np.testing.assert_allclose(
        index.embeddings, fake_embedder.embed([c.text for c in changed.chunks]), rtol=1e-6  # type: ignore[attr-defined]
    )


def test_identical_texts_are_embedded_once(tmp_path: Path, fake_embedder: object) -> None:
    corpus = make_corpus()
    twice = replace(corpus, chunks=corpus.chunks + tuple(
        replace(c, id=c.id + "-copy") for c in corpus.chunks[:2]
    ))
    counting = CountingEmbedder(fake_embedder)
    manifest = write_index(twice, tmp_path / "index", counting, progress=False)  # type: ignore[arg-type]
    assert counting.count == len(corpus.chunks)
    assert manifest.chunk_count == len(corpus.chunks) + 2


def test_another_model_does_not_reuse_vectors(built: Path, fake_embedder: object) -> None:
    other = CountingEmbedder(fake_embedder)
    other.name = "another-model"
    manifest = write_index(make_corpus(), built, other, progress=False)  # type: ignore[arg-type]
    assert other.count == len(make_corpus().chunks)
    assert manifest.model == "another-model"


def test_a_failed_write_leaves_the_previous_index(built: Path, fake_embedder: object) -> None:
    before = SearchIndex.open(built, embedder=fake_embedder)  # type: ignore[arg-type]
    old_versions = versions(built)
    changed = make_corpus(brief_texts=[f"new text {i}" for i in range(6)])
    with pytest.raises(RuntimeError, match="simulated crash"):
        write_index(changed, built, FailingEmbedder(fake_embedder, fail_after=0), progress=False)  # type: ignore[arg-type]
    after = SearchIndex.open(built, embedder=fake_embedder)  # type: ignore[arg-type]
    assert after.manifest == before.manifest
    assert versions(built) == old_versions
    assert not [p for p in built.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_crash_while_writing_files_leaves_the_previous_index(
    built: Path, fake_embedder: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = SearchIndex.open(built, embedder=fake_embedder)  # type: ignore[arg-type]

    def broken_save(self: object, path: Path) -> None:
        path.write_bytes(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(store.DenseIndex, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_index(make_corpus(), built, fake_embedder, progress=False)  # type: ignore[arg-type]
    after = SearchIndex.open(built, embedder=fake_embedder)  # type: ignore[arg-type]
    assert after.manifest.build_id == before.manifest.build_id


def test_old_versions_are_garbage_collected(built: Path, fake_embedder: object) -> None:
    first = os.readlink(built)
    write_index(make_corpus(), built, fake_embedder, progress=False)  # type: ignore[arg-type]
    second = os.readlink(built)
    assert second != first
    assert versions(built) == [second]
    # Leftovers of an interrupted build are removed by the next one.
    (built.parent / ".index-20200101T000000Z-abcdef.tmp").mkdir()
    write_index(make_corpus(), built, fake_embedder, progress=False)  # type: ignore[arg-type]
    assert not [p for p in built.parent.iterdir() if p.name.endswith(".tmp")]
    assert len(versions(built)) == 1


def test_refuses_a_directory_that_is_not_an_index(tmp_path: Path, fake_embedder: object) -> None:
    foreign = tmp_path / "index"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    with pytest.raises(IndexLocationError, match="without a brief-qa manifest"):
        write_index(make_corpus(), foreign, fake_embedder, progress=False)  # type: ignore[arg-type]
    assert (foreign / "thesis.tex").read_text() == "precious"
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(IndexLocationError, match="is a file"):
        write_index(make_corpus(), a_file, fake_embedder, progress=False)  # type: ignore[arg-type]


def test_replaces_an_empty_directory(tmp_path: Path, fake_embedder: object) -> None:
    target = tmp_path / "index"
    target.mkdir()
    write_index(make_corpus(), target, fake_embedder, progress=False)  # type: ignore[arg-type]
    assert target.is_symlink()
    SearchIndex.open(target, embedder=fake_embedder)  # type: ignore[arg-type]


def test_replaces_an_older_plain_directory_index(built: Path, fake_embedder: object) -> None:
    plain = built.parent / "plain"
    plain.mkdir()
    for path in built.resolve().rglob("*"):
        dest = plain / path.relative_to(built.resolve())
        if path.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(path.read_bytes())
    SearchIndex.open(plain, embedder=fake_embedder)  # type: ignore[arg-type]
    counting = CountingEmbedder(fake_embedder)
    write_index(make_corpus(), plain, counting, progress=False)  # type: ignore[arg-type]
    assert plain.is_symlink() and counting.count == 0  # its vectors were reused
    assert not [p for p in plain.parent.iterdir() if p.name.startswith(".plain-")
                and p.name.endswith(".tmp")]


# ------------------------------------------------------------------ errors on open


def test_missing_directory_or_manifest(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="brief-qa ingest"):
        SearchIndex.open(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexMissingError):
        SearchIndex.open(tmp_path / "empty")


def test_dangling_symlink_is_missing(tmp_path: Path) -> None:
    (tmp_path / "index").symlink_to("index-gone")
    with pytest.raises(IndexMissingError):
        SearchIndex.open(tmp_path / "index")


def test_truncated_file_is_corrupt(built: Path) -> None:
    path = built.resolve() / "embeddings.npy"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(IndexCorruptError, match=r"embeddings\.npy.*truncated") as info:
        SearchIndex.open(built)
    assert "re-run `brief-qa ingest`" in str(info.value)


def test_checksum_mismatch_is_corrupt(built: Path) -> None:
    path = built.resolve() / "chunks.jsonl"
    data = bytearray(path.read_bytes())
    data[10] ^= 0x01  # same size, one bit flipped
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match=r"chunks\.jsonl does not match its checksum"):
        SearchIndex.open(built)


def test_missing_file_is_corrupt(built: Path) -> None:
    (built.resolve() / "dense.faiss").unlink()
    with pytest.raises(IndexCorruptError, match=r"dense\.faiss is missing"):
        SearchIndex.open(built)


def test_unreadable_manifest_is_corrupt(built: Path) -> None:
    manifest = built.resolve() / MANIFEST_FILE
    manifest.write_text(manifest.read_text()[:50])
    with pytest.raises(IndexCorruptError, match=r"manifest\.json is unreadable"):
        SearchIndex.open(built)


def test_consistent_checksums_but_bad_content_is_corrupt(built: Path) -> None:
    """A file rewritten *with* a matching manifest entry still fails to parse cleanly."""
    root = built.resolve()
    (root / "documents.json").write_text("{not json")
    data = json.loads((root / MANIFEST_FILE).read_text())
    from index.manifest import sha256_file

    data["files"]["documents.json"] = {
        "sha256": sha256_file(root / "documents.json"),
        "bytes": (root / "documents.json").stat().st_size,
    }
    (root / MANIFEST_FILE).write_text(json.dumps(data))
    with pytest.raises(IndexCorruptError, match=r"documents\.json: JSONDecodeError"):
        SearchIndex.open(built)


def test_other_model_is_a_mismatch(built: Path, fake_embedder: object) -> None:
    other = CountingEmbedder(fake_embedder)
    other.name = "sentence-transformers/all-mpnet-base-v2"
    with pytest.raises(IndexMismatchError, match="model='fake-hash-64'") as info:
        SearchIndex.open(built, embedder=other)  # type: ignore[arg-type]
    assert "--model" in str(info.value)


def test_other_format_version_is_a_mismatch(built: Path) -> None:
    manifest = built.resolve() / MANIFEST_FILE
    data = json.loads(manifest.read_text())
    data["format_version"] = FORMAT_VERSION + 1
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexMismatchError, match="format_version"):
        SearchIndex.open(built)


def test_an_open_index_survives_a_rebuild(built: Path, fake_embedder: object) -> None:
    """A running app keeps serving the version it opened while `ingest` swaps in a new one."""
    index = SearchIndex.open(built, embedder=fake_embedder)  # type: ignore[arg-type]
    write_index(make_corpus(), built, fake_embedder, progress=False)  # type: ignore[arg-type]
    assert not index.root.exists()  # its version directory was garbage-collected...
    # ...but the memory-mapped embeddings it holds stay readable (filtered search uses them).
    rows = index.search("Palermo Protocol", 1, mode="dense", allowed=index.select("brief"))
    assert index.chunks[rows[0][0]].id == "brief-004"
    expected = fake_embedder.embed([c.text for c in make_corpus().chunks])  # type: ignore[attr-defined]
    np.testing.assert_allclose(np.asarray(index.embeddings), expected, rtol=1e-6)


# ------------------------------------------------------------------ SIGKILL


KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    sys.path[:0] = [{tests!r}, {repo!r}]
    from conftest import FakeEmbedder
    from index_helpers import make_corpus
    from index.writer import write_index

    class Slow(FakeEmbedder):
        def embed(self, texts):
            print("embedding", flush=True)
            time.sleep(0.02)
            return super().embed(texts)

    corpus = make_corpus(brief_texts=[f"changed {{i}}" for i in range(6)])
    import index.writer as writer
    writer.EMBED_BATCH = 1  # many small batches: plenty of points to be killed at
    write_index(corpus, sys.argv[1], Slow(), progress=False)
    print("done", flush=True)
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.05, 0.1, 0.15, 0.2, 0.3])
def test_sigkill_at_any_point_leaves_a_loadable_index(
    built: Path, fake_embedder: object, tmp_path: Path, delay: float
) -> None:
    before = SearchIndex.open(built, embedder=fake_embedder)  # type: ignore[arg-type]
    tests_dir = Path(__file__).resolve().parent
    script = tmp_path / "writer.py"
    script.write_text(KILL_SCRIPT.format(tests=str(tests_dir), repo=str(tests_dir.parent)))
    proc = subprocess.Popen(
        [sys.executable, str(script), str(built)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "embedding"  # it is past start-up
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    index = SearchIndex.open(built, embedder=fake_embedder)  # type: ignore[arg-type]
    # Either the old version or the complete new one; never a mix.
    assert index.manifest.build_id == before.manifest.build_id or index.manifest.chunk_count == 9
    assert index.search("children", 3)
    # The next build cleans up whatever the killed one left behind.
    write_index(make_corpus(), built, fake_embedder, progress=False)  # type: ignore[arg-type]
    assert len(versions(built)) == 1
    assert not [p for p in built.parent.iterdir() if p.name.endswith(".tmp")]


def test_open_retries_when_a_rebuild_removes_the_version_being_read(
    built: Path, fake_embedder: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = store.read_manifest
    rebuilt: list[str] = []
    armed = [True]

    def read_then_rebuild(directory: Path, *, shown: object = None) -> Manifest:
        manifest = original(directory, shown=shown)  # type: ignore[arg-type]
        if armed[0]:  # the first open resolved the old version; swap and delete it now
            armed[0] = False  # (write_index reads the manifest too)
            new = write_index(make_corpus(), built, fake_embedder, progress=False)  # type: ignore[arg-type]
            rebuilt.append(new.build_id)
        return manifest

    monkeypatch.setattr(store, "read_manifest", read_then_rebuild)
    index = SearchIndex.open(built, embedder=fake_embedder)  # type: ignore[arg-type]
    assert index.manifest.build_id == rebuilt[0]
    assert index.search("Palermo Protocol", 1)


def test_open_concurrently_from_threads(built: Path, fake_embedder: object) -> None:
    """np.load's header parser is not thread-safe on CPython 3.11; opens are serialised.

    The race is timing-dependent: without the lock this fails in some runs, not every run
    (tests/test_concurrency.py hammers the same path through `Assistant`)."""
    import threading

    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def opener() -> None:
        barrier.wait()
        try:
            for _ in range(25):
                index = SearchIndex.open(built, embedder=fake_embedder)  # type: ignore[arg-type]
                assert index.search("child victims", 3)
        except BaseException as exc:  # collected and re-raised by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def test_an_empty_corpus_gives_an_empty_but_valid_index(
    tmp_path: Path, fake_embedder: object
) -> None:
    from ingest.records import Corpus

    manifest = write_index(Corpus(documents=(), chunks=()), tmp_path / "index", fake_embedder,  # type: ignore[arg-type]
                           progress=False)
    assert manifest.chunk_count == 0 and manifest.embedded_count == 0
    index = SearchIndex.open(tmp_path / "index", embedder=fake_embedder)  # type: ignore[arg-type]
    assert index.chunks == () and index.embeddings.shape == (0, 64)
    for mode in ("hybrid", "dense", "bm25"):
        assert index.search("anything at all", 5, mode=mode) == []  # type: ignore[arg-type]
