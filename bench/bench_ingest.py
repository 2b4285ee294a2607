"""Index-build throughput: `write_index` (embed + FAISS + bm25s + JSON, fresh directory, so every
chunk and sentence is embedded) in chunks/s, against raw `model.encode` throughput on the same
texts (the chunks, and the sentences that are not a chunk of their own).

Target: write_index ≥ 0.9× raw encode. Also times a rebuild of the unchanged corpus, where the
embedding cache reuses every vector.

    python bench/bench_ingest.py [--quick] [--repeat N] [--copies N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from common import machine, shipped_corpus, table  # isort: skip
from index.embedder import SentenceTransformerEmbedder, load_embedder  # isort: skip
from index.sentence_store import sentence_rows  # isort: skip
from index.writer import write_index  # isort: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one repetition")
    parser.add_argument("--repeat", type=int, default=None, help="timed repetitions (median)")
    parser.add_argument(
        "--copies", type=int, default=4,
        help="the brief has few chunks; index N distinct variants of each for steadier timing",
    )
    args = parser.parse_args()
    repeat = args.repeat or (1 if args.quick else 3)

    print(f"machine: {machine()}")
    embedder = load_embedder(None)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    corpus = shipped_corpus()
    # Distinct texts (a copy number appended) so the build cannot dedupe identical chunks.
    chunks = tuple(
        replace(chunk, id=f"{chunk.id}-v{copy}", text=f"{chunk.text} ({copy})")
        for copy in range(args.copies)
        for chunk in corpus.chunks
    )
    corpus = replace(corpus, chunks=chunks)
    texts = [c.text for c in chunks]
    # write_index also embeds every chunk's sentences (for highlights, index/sentence_store.py);
    # a one-sentence chunk reuses its chunk vector. The floor encodes the same texts.
    held = set(texts)
    sentences = list(dict.fromkeys(t for t in sentence_rows(chunks).texts if t not in held))
    print(f"{len(texts)} chunks ({args.copies} variants of each shipped chunk), "
          f"{statistics.mean(len(t.split()) for t in texts):.0f} words on average, "
          f"+ {len(sentences)} sentences\n")
    embedder.model.encode(texts[:64], batch_size=embedder.batch_size)  # warm-up

    raw, build, rebuild = [], [], []
    for _ in range(repeat):
        start = time.perf_counter()
        embedder.model.encode(texts, batch_size=embedder.batch_size, normalize_embeddings=True)
        embedder.model.encode(sentences, batch_size=embedder.batch_size, normalize_embeddings=True)
        raw.append(time.perf_counter() - start)
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            manifest = write_index(corpus, Path(tmp) / "index", embedder, progress=False)
            build.append(time.perf_counter() - start)
            assert manifest.embedded_count == len(texts)
            start = time.perf_counter()
            manifest = write_index(corpus, Path(tmp) / "index", embedder, progress=False)
            rebuild.append(time.perf_counter() - start)
            assert manifest.embedded_count == 0

    raw_rate = len(texts) / statistics.median(raw)
    build_rate = len(texts) / statistics.median(build)
    rebuild_rate = len(texts) / statistics.median(rebuild)
    print(table(
        ["step", "median s", "chunks/s", "vs raw encode (chunks + sentences)"],
        [
            ["raw model.encode", statistics.median(raw), raw_rate, "1.00×"],
            ["write_index (all embedded)", statistics.median(build), build_rate,
             f"{build_rate / raw_rate:.2f}×"],
            ["write_index (unchanged, cache)", statistics.median(rebuild), rebuild_rate,
             f"{rebuild_rate / raw_rate:.2f}×"],
        ],
    ))


if __name__ == "__main__":
    main()
