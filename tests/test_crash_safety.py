"""Crash safety: a killed ingest never costs the previous index; a damaged index is detected.

The SIGKILL loop runs `tests/ingest_driver.py build` (real readers, pipeline and `write_index`,
fake embedder) so twenty kills take seconds; a few kills of the real `brief-qa ingest` (real
model) check the shipped command the same way. Kill delays are stratified over the measured
length of a run and drawn from a seeded RNG: set `BRIEF_QA_CRASH_SEED` to replay a failure.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import BRIEF_PDF, BRIEF_TXT, REPO, FakeEmbedder
from hostile_factory import text_corpus

from assistant.assistant import Assistant
from index.embedder import Embedder
from index.errors import IndexCorruptError, IndexMissingError
from index.manifest import read_manifest
from index.store import SearchIndex
from index.writer import write_index

SEED = int(os.environ.get("BRIEF_QA_CRASH_SEED", "20250114"))
DRIVER = REPO / "tests" / "ingest_driver.py"
BRIEF_QA = Path(sys.executable).with_name("brief-qa")
QUERY = "child trafficking victims protection"
REBUILD_HINT = "re-run `brief-qa ingest`"


def assert_answers(index_dir: Path, embedder: Embedder | None = None, context: str = "") -> str:
    """Open the index, run a search with hits; return its fingerprint."""
    index = SearchIndex.open(index_dir, embedder=embedder)
    hits = index.search(QUERY, 5)
    assert hits, f"index at {index_dir} opened but a search found nothing {context}"
    assert all(0 <= row < len(index.chunks) for row, _ in hits)
    return index.manifest.fingerprint


@pytest.fixture
def built(tmp_path: Path, fake_embedder: FakeEmbedder) -> Path:
    link = tmp_path / "index"
    write_index(
        text_corpus({"brief": BRIEF_TXT.read_text(encoding="utf-8")}),
        link,
        fake_embedder,
        progress=False,
    )
    return link


# ------------------------------------------------------------------ detecting damage


def _flip_bytes(path: Path, count: int = 16) -> None:
    """Invert `count` bytes in the second half of `path` (keeps the size: only a checksum
    notices)."""
    data = bytearray(path.read_bytes())
    start = len(data) // 2
    for i in range(start, min(len(data), start + count)):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _expect_corrupt(link: Path, fake_embedder: FakeEmbedder, names: str) -> str:
    with pytest.raises(IndexCorruptError) as caught:
        SearchIndex.open(link, embedder=fake_embedder)
    message = str(caught.value)
    assert names in message, message
    assert REBUILD_HINT in message, message
    assert str(link) in message, message
    return message


def test_flipped_bytes_in_embeddings_are_detected(built: Path, fake_embedder: FakeEmbedder) -> None:
    _flip_bytes(built.resolve() / "embeddings.npy")
    _expect_corrupt(built, fake_embedder, "embeddings.npy")


def test_truncated_chunks_are_detected(built: Path, fake_embedder: FakeEmbedder) -> None:
    path = built.resolve() / "chunks.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    _expect_corrupt(built, fake_embedder, "chunks.jsonl")


def test_deleted_dense_index_is_detected(built: Path, fake_embedder: FakeEmbedder) -> None:
    (built.resolve() / "dense.faiss").unlink()
    _expect_corrupt(built, fake_embedder, "dense.faiss")


def test_a_version_removed_while_its_files_are_checked_is_retried_on_the_new_one(
    built: Path, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race CI once hit: a rebuild swaps the link and deletes the version a reader is
    checksumming. The reader must open the new version, not fail with FileNotFoundError."""
    import index.manifest as manifest_module

    old_root = built.resolve()
    new_root = built.parent / "index-copy"
    shutil.copytree(old_root, new_root)
    real_hash = manifest_module.sha256_file
    calls = {"n": 0}

    def hash_while_rebuilt(path: Path) -> str:
        calls["n"] += 1
        if calls["n"] == 2:  # mid-check: swap the link and remove the version being read
            built.unlink()
            built.symlink_to(new_root.name)
            shutil.rmtree(old_root)
        return real_hash(path)

    monkeypatch.setattr(manifest_module, "sha256_file", hash_while_rebuilt)
    index = SearchIndex.open(built, embedder=fake_embedder)
    assert index.root == new_root.resolve()
    assert index.search(QUERY, 3)


def test_every_indexed_file_is_covered_by_a_checksum(
    built: Path, fake_embedder: FakeEmbedder
) -> None:
    """Flip bytes in each file the manifest lists, one at a time: each is caught on load."""
    root = built.resolve()
    names = sorted(read_manifest(root).files)
    assert {"embeddings.npy", "chunks.jsonl", "dense.faiss", "documents.json"} <= set(names)
    assert any(name.startswith("bm25/") for name in names), names
    for name in names:
        path = root / name
        original = path.read_bytes()
        if not original:
            continue
        _flip_bytes(path, count=4)
        try:
            _expect_corrupt(built, fake_embedder, name)
        finally:
            path.write_bytes(original)
    assert_answers(built, fake_embedder)  # restored: loads again


def test_unlisted_and_garbage_manifest(built: Path, fake_embedder: FakeEmbedder) -> None:
    manifest = built.resolve() / "manifest.json"
    manifest.write_text('{"format_version": 1, "files": {', encoding="utf-8")
    _expect_corrupt(built, fake_embedder, "manifest.json")
    manifest.write_bytes(b"\xff\xfe\x00garbage")
    _expect_corrupt(built, fake_embedder, "manifest.json")


def test_missing_manifest_or_version_directory_says_to_ingest(
    built: Path, fake_embedder: FakeEmbedder
) -> None:
    root = built.resolve()
    (root / "manifest.json").unlink()
    with pytest.raises(IndexMissingError, match="brief-qa ingest"):
        SearchIndex.open(built, embedder=fake_embedder)
    shutil.rmtree(root)  # the symlink now dangles
    with pytest.raises(IndexMissingError, match="brief-qa ingest"):
        Assistant.open(built, embedder=fake_embedder)


def test_assistant_open_reports_corruption(built: Path, fake_embedder: FakeEmbedder) -> None:
    _flip_bytes(built.resolve() / "embeddings.npy")
    with pytest.raises(IndexCorruptError, match="re-run `brief-qa ingest`"):
        Assistant.open(built, embedder=fake_embedder)


def test_cli_reports_corruption_in_one_line(built: Path) -> None:
    (built.resolve() / "dense.faiss").unlink()
    run = subprocess.run(
        [str(BRIEF_QA), "ask", "--index", str(built), QUERY],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=built.parent,
    )
    assert run.returncode == 2, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr, run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("error: "), run.stderr
    assert "dense.faiss" in lines[-1] and REBUILD_HINT in lines[-1], run.stderr


def test_reingest_repairs_a_corrupt_index(built: Path, fake_embedder: FakeEmbedder) -> None:
    _flip_bytes(built.resolve() / "embeddings.npy")
    write_index(
        text_corpus({"brief": BRIEF_TXT.read_text(encoding="utf-8")}),
        built,
        fake_embedder,
        progress=False,
    )
    assert_answers(built, fake_embedder)
    # The corrupt vectors must not have been reused as an "embedding cache".
    manifest = read_manifest(built.resolve())
    assert manifest.reused_count == 0, manifest


def test_leftovers_of_a_killed_build_do_not_disturb_reading_or_the_next_build(
    built: Path, fake_embedder: FakeEmbedder
) -> None:
    parent = built.parent
    # What a build killed mid-way leaves: a half-written temporary version and a stray link.
    half = parent / f".{built.name}-20990101T000000Z-abcdef.tmp"
    half.mkdir()
    (half / "chunks.jsonl").write_text('{"id": "half', encoding="utf-8")
    os.symlink("nowhere", parent / f".{built.name}.link-0badc0de")
    before = assert_answers(built, fake_embedder)
    write_index(
        text_corpus({"other": "A different document about border cooperation.\n\nMore text."}),
        built,
        fake_embedder,
        progress=False,
    )
    after = assert_answers(built, fake_embedder)
    assert after != before
    leftovers = sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{built.name}"))
    assert leftovers == [f".{built.name}.lock"], leftovers


# ------------------------------------------------------------------ SIGKILL during ingest


def _run_to_completion(cmd: list[str], cwd: Path, timeout: float) -> tuple[float, str]:
    started = time.perf_counter()
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    elapsed = time.perf_counter() - started
    assert run.returncode in (0, 1), (cmd, run.returncode, run.stderr[-3000:])
    return elapsed, run.stdout


def _kill_after(cmd: list[str], cwd: Path, delay: float) -> tuple[int | None, str]:
    """Start `cmd`, SIGKILL it `delay` seconds later (unless it ended); (returncode, stdout)."""
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        proc.wait(timeout=delay)
        finished: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        finished = None
    assert proc.stdout is not None
    return finished, proc.stdout.read()


def _stratified_delays(rng: random.Random, count: int, span: float) -> list[float]:
    """One uniform draw in each of `count` equal slices of `[0, span)`, shuffled."""
    delays = [span * (i + rng.random()) / count for i in range(count)]
    rng.shuffle(delays)
    return delays


@pytest.mark.slow
def test_sigkill_at_random_points_keeps_an_answering_index(tmp_path: Path) -> None:
    """20 SIGKILLs spread over whole ingest runs: the index always opens and answers, and it is
    always either the previous build or the new one (never a mix)."""
    rng = random.Random(SEED)
    work = tmp_path / "work"
    work.mkdir()
    # Two corpora, so every completed run changes the index and a mix would show.
    variant_b = work / "variant-b.txt"
    variant_b.write_text(
        BRIEF_TXT.read_text(encoding="utf-8").replace("child", "minor"), encoding="utf-8"
    )
    link = work / "index"
    # --copies: 60 renamed copies of the corpus make the index write about half of a run.
    build = [sys.executable, str(DRIVER), "build", "--index", str(link), "--copies", "60"]
    runs = {"a": [*build, str(BRIEF_PDF)], "b": [*build, str(BRIEF_PDF), str(variant_b)]}
    fake = FakeEmbedder()
    durations, fingerprints, phases = {}, {}, {}
    # Twice each, timing the second: the first build has no embedding cache and OS caches
    # are cold, so it is slower than the runs the kills interrupt. Ends on "a".
    for name in ("b", "a", "b", "a"):
        durations[name], out = _run_to_completion(runs[name], work, timeout=300)
        fingerprints[name] = assert_answers(link, fake)
        phases[name] = {
            line.split()[1]: float(line.split()[2])
            for line in out.splitlines()
            if line.startswith("phase ")
        }
    assert fingerprints["a"] != fingerprints["b"]
    span = 1.1 * max(durations.values())
    landed: dict[str, int] = {}

    def kill_and_check(attempt: int, target: str, delay: float) -> None:
        finished, out = _kill_after(runs[target], work, delay)
        seen = [line.split()[1] for line in out.splitlines() if line.startswith("phase ")]
        where = "finished" if finished is not None else (seen[-1] if seen else "starting")
        landed[where] = landed.get(where, 0) + 1
        context = f"(seed {SEED}, attempt {attempt}, kill after {delay:.3f}s, phase {where})"
        fingerprint = assert_answers(link, fake, context)
        assert fingerprint in fingerprints.values(), context
        if finished is not None:
            assert finished == 0, context
            assert fingerprint == fingerprints[target], context

    for attempt, delay in enumerate(_stratified_delays(rng, 20, span)):
        kill_and_check(attempt, "b" if attempt % 2 == 0 else "a", delay)
    # Under load the write window can be missed by chance: aim further kills into it (from
    # the calibrated phase times) until at least 3 have landed there.
    extra = 0
    while landed.get("corpus", 0) < 3 and extra < 20:
        target = "b" if extra % 2 == 0 else "a"
        window = phases[target]
        kill_and_check(20 + extra, target, rng.uniform(window["corpus"], window["done"]))
        extra += 1
    # The loop must actually have hit the index write (between "corpus" and "done").
    assert landed.get("corpus", 0) >= 3, landed
    _run_to_completion(runs["a"], work, timeout=300)
    assert assert_answers(link, fake) == fingerprints["a"]
    leftovers = sorted(p.name for p in work.iterdir() if p.name.startswith(".index"))
    assert leftovers == [".index.lock"], leftovers
    versions = [p for p in work.iterdir() if p.name.startswith("index-")]
    assert len(versions) == 1, versions
    print(f"kills by phase: {json.dumps(landed)}; run lengths: {durations}; phases: {phases}")


@pytest.mark.model
@pytest.mark.slow
def test_sigkill_of_the_real_cli_keeps_an_answering_index(tmp_path: Path) -> None:
    from index.embedder import load_embedder

    rng = random.Random(SEED + 1)
    link = tmp_path / "index"
    inputs = [[str(BRIEF_PDF)], [str(BRIEF_TXT)]]

    def cli(paths: list[str]) -> list[str]:
        return [str(BRIEF_QA), "ingest", "--index", str(link), "--no-fetch", "--quiet", *paths]

    embedder = load_embedder()
    durations, fingerprints = [], []
    for paths in (inputs[1], inputs[0]):  # ends on the PDF: the state before the first kill
        elapsed, _ = _run_to_completion(cli(paths), tmp_path, timeout=600)
        durations.append(elapsed)
        fingerprints.append(assert_answers(link, embedder))
    assert len(set(fingerprints)) == 2
    # The shorter calibration run bounds the span: runs with a warm embedding cache are
    # quicker than the first, and a kill after the end tests nothing.
    span = 0.95 * min(durations)
    killed = 0
    for attempt, delay in enumerate(_stratified_delays(rng, 3, span)):
        finished, _ = _kill_after(cli(inputs[(attempt + 1) % 2]), tmp_path, delay)
        context = f"(seed {SEED + 1}, attempt {attempt}, kill after {delay:.2f}s of {span:.2f}s)"
        assert finished in (None, 0), context
        killed += finished is None
        assert assert_answers(link, embedder, context) in fingerprints, context
    assert killed >= 2  # the kills really interrupted runs
