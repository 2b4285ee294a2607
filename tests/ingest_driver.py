"""A small ingest process for the crash-safety and hostile-input tests.

`build`: `build_corpus` + `write_index` with the tests' `FakeEmbedder` (no model load, so a run
takes about a second and can be SIGKILLed many times). Prints `phase <name> <seconds>` lines as
it goes, so a test knows where its kill landed.

`probe`: `build_corpus` (then, with `--index`, `write_index` when something was read) in a
process of its own, so a hostile file that hangs, balloons or crashes the interpreter cannot
take the test run down with it. Prints one JSON object: errors, documents, chunks per document,
wall time and peak memory (RSS); `--dump FILE` also writes every document's cleaned text.

    python tests/ingest_driver.py build --index DIR [--copies N] PATH...
    python tests/ingest_driver.py probe [--index DIR] [--dump FILE] PATH...
    python tests/ingest_driver.py table LOG   # Markdown table of a BRIEF_QA_ROBUSTNESS_LOG
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.records import Corpus

sys.path.insert(0, str(Path(__file__).resolve().parent))

STARTED = time.perf_counter()


def phase(name: str) -> None:
    print(f"phase {name} {time.perf_counter() - STARTED:.4f}", flush=True)


def peak_rss_mib() -> float:
    # VmHWM belongs to this process's own address space. ru_maxrss would not do: Linux carries
    # the parent's high-water mark across fork+exec, so a child of a big pytest process would
    # report the parent's peak.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cmd_build(args: argparse.Namespace) -> int:
    from conftest import FakeEmbedder

    from index.writer import write_index
    from ingest.pipeline import build_corpus

    phase("imported")
    corpus = build_corpus(args.paths, fetch=None, progress=False, log=lambda _m: None)
    phase("corpus")
    if not corpus.documents:
        return 2
    if args.copies > 1:
        corpus = replicate(corpus, args.copies)
    write_index(corpus, args.index, FakeEmbedder(), progress=False)
    phase("done")
    return 0


def replicate(corpus: Corpus, copies: int) -> Corpus:
    """`copies` renamed copies of every document and chunk: a longer index write (the phase a
    kill must not damage) without a longer read."""
    documents, chunks, texts = [], [], {}
    for n in range(copies):
        for document in corpus.documents:
            documents.append(replace(document, id=f"{document.id}-{n}"))
            texts[f"{document.id}-{n}"] = corpus.document_texts[document.id]
        for chunk in corpus.chunks:
            chunks.append(
                replace(chunk, id=f"{chunk.id}-{n}", document_id=f"{chunk.document_id}-{n}")
            )
    return replace(
        corpus, documents=tuple(documents), chunks=tuple(chunks), document_texts=texts
    )


def cmd_probe(args: argparse.Namespace) -> int:
    from ingest.pipeline import build_corpus

    started = time.perf_counter()
    corpus = build_corpus(args.paths, fetch=None, progress=False, log=lambda _m: None)
    seconds = time.perf_counter() - started
    indexed = False
    if args.index is not None and corpus.documents:
        from conftest import FakeEmbedder

        from index.writer import write_index

        write_index(corpus, args.index, FakeEmbedder(), progress=False)
        indexed = True
    if args.dump is not None:
        args.dump.write_text(json.dumps(corpus.document_texts, ensure_ascii=False), "utf-8")
    chunks: dict[str, int] = {}
    for chunk in corpus.chunks:
        chunks[chunk.document_id] = chunks.get(chunk.document_id, 0) + 1
    result = {
        "errors": list(corpus.errors),
        "documents": [{"id": d.id, "origin": d.origin} for d in corpus.documents],
        "chunks": chunks,
        "texts": {k: len(v) for k, v in corpus.document_texts.items()},
        "seconds": round(seconds, 3),
        "indexed": indexed,
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


def cmd_table(args: argparse.Namespace) -> int:
    """Render the JSON lines `test_hostile_inputs.py` logs as the table in docs/robustness.md."""
    import re

    rows = [json.loads(line) for line in args.log.read_text("utf-8").splitlines() if line]
    print("| input | size | outcome | message (path shortened) | time | peak RSS | brief intact |")
    print("|---|---:|---|---|---:|---:|---|")
    for row in rows:
        # Absolute paths shortened to the file name; Markdown-sensitive characters escaped.
        message = re.sub(r"(?<!\S)/\S*/", "", row["message"] or "").replace("\n", "⏎")
        if len(message) > 140:
            message = message[:139] + "…"
        message = _escape(message)
        size = row["size_bytes"]
        shown = "—" if size is None else _human(size)
        outcome = "read" + (f" ({row['chunks']:,} chunks)" if row["chunks"] else "")
        outcome = outcome if row["outcome"] == "read" else "**refused**"
        rss = f"{row['peak_rss_mib']:.0f} MiB" if row["peak_rss_mib"] else "(in-process)"
        intact = row["good_brief_chunks"] == row["good_brief_expected"]
        print(
            f"| {_escape(row['case'])} | {shown} | {outcome} | {message or '—'} | "
            f"{row['seconds']:.2f} s | {rss} | "
            f"{'yes' if intact else 'NO'} ({row['good_brief_chunks']} chunks) |"
        )
    return 0


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _human(size: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ingest_driver")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build")
    build.add_argument("--index", type=Path, required=True)
    build.add_argument("--copies", type=int, default=1)
    build.add_argument("paths", nargs="+", type=Path)
    build.set_defaults(handler=cmd_build)
    probe = sub.add_parser("probe")
    probe.add_argument("--index", type=Path, default=None)
    probe.add_argument("--dump", type=Path, default=None)
    probe.add_argument("paths", nargs="+", type=Path)
    probe.set_defaults(handler=cmd_probe)
    table = sub.add_parser("table")
    table.add_argument("log", type=Path)
    table.set_defaults(handler=cmd_table)
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
