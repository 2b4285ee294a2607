"""A small ingest process for the crash-safety and hostile-input tests.

`build`: `build_corpus` + `write_index` with the tests' `FakeEmbedder` (no model load, so a run
takes about a second and can be SIGKILLed many times). Prints `phase <name> <seconds>` lines as
it goes, so a test knows where its kill landed.

`probe`: `build_corpus` only, in a process of its own so a hostile file that hangs or balloons
cannot take the test run down with it. Prints one JSON object: errors, documents, chunks per
document, wall time and peak memory (RSS).

    python tests/ingest_driver.py build --index DIR PATH...
    python tests/ingest_driver.py probe PATH...
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

STARTED = time.perf_counter()


def phase(name: str) -> None:
    print(f"phase {name} {time.perf_counter() - STARTED:.4f}", flush=True)


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cmd_build(args: argparse.Namespace) -> int:
    from conftest import FakeEmbedder

    from index.store import write_index
    from ingest.pipeline import build_corpus

    phase("imported")
    corpus = build_corpus(args.paths, fetch=None, progress=False, log=lambda _m: None)
    phase("corpus")
    if not corpus.documents:
        return 2
    write_index(corpus, args.index, FakeEmbedder(), progress=False)
    phase("done")
    return 0


def cmd_probe(args: argparse.Namespace) -> int:
    from ingest.pipeline import build_corpus

    started = time.perf_counter()
    corpus = build_corpus(args.paths, fetch=None, progress=False, log=lambda _m: None)
    chunks: dict[str, int] = {}
    for chunk in corpus.chunks:
        chunks[chunk.document_id] = chunks.get(chunk.document_id, 0) + 1
    result = {
        "errors": list(corpus.errors),
        "documents": [{"id": d.id, "origin": d.origin} for d in corpus.documents],
        "chunks": chunks,
        "texts": {k: len(v) for k, v in corpus.document_texts.items()},
        "seconds": round(time.perf_counter() - started, 3),
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ingest_driver")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build")
    build.add_argument("--index", type=Path, required=True)
    build.add_argument("paths", nargs="+", type=Path)
    build.set_defaults(handler=cmd_build)
    probe = sub.add_parser("probe")
    probe.add_argument("paths", nargs="+", type=Path)
    probe.set_defaults(handler=cmd_probe)
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
