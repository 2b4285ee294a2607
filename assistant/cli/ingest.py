"""`brief-qa ingest` and `brief-qa chunks`: build the index, and list what it holds."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from assistant.cli.options import add_index_argument, index_dir_from
from ingest.records import SetAside

DEFAULT_CORPUS = Path("corpus")


# ---------------------------------------------------------------- ingest


def register_ingest(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from assistant.cli.sources import add_fetch_arguments

    p = sub.add_parser(
        "ingest",
        help="read the brief(s), fetch cited sources, chunk and index everything",
        description="Read documents (default: everything in corpus/), fetch the sources they "
        "cite, chunk, embed and write the index atomically: a failed run leaves the previous "
        "index untouched.",
    )
    p.add_argument("paths", nargs="*", type=Path, help="files or folders (default: corpus/)")
    add_index_argument(p)
    p.add_argument("--model", default=None, help="sentence-transformers model name or directory")
    p.add_argument(
        "--dense",
        choices=["auto", "flat", "hnsw", "ivf"],
        default="auto",
        help="dense index kind (auto: exact for small corpora, approximate above a threshold)",
    )
    p.add_argument("--chunk-words", type=int, default=150, help="target chunk size in words")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    add_fetch_arguments(p)
    p.set_defaults(handler=cmd_ingest)


def cmd_ingest(args: argparse.Namespace) -> int:
    from assistant.cli.sources import fetch_options_from_args
    from index.embedder import load_embedder
    from index.writer import write_index
    from ingest.chunking import ChunkingOptions
    from ingest.pipeline import build_corpus

    paths = args.paths or [DEFAULT_CORPUS]
    started = time.perf_counter()
    corpus = build_corpus(
        paths,
        fetch=fetch_options_from_args(args),
        chunking=ChunkingOptions(target_words=args.chunk_words, max_words=args.chunk_words + 50),
        progress=not args.quiet,
    )
    for error in corpus.errors:
        print(f"error: {error}", file=sys.stderr)
    if not corpus.documents:
        print(
            f"error: nothing ingested from {', '.join(map(str, paths))}; "
            f"the previous index (if any) is untouched",
            file=sys.stderr,
        )
        return 2
    index_dir = index_dir_from(args)
    embedder = load_embedder(args.model)
    stats = write_index(
        corpus, index_dir, embedder, dense_kind=args.dense, progress=not args.quiet
    )
    elapsed = time.perf_counter() - started
    briefs = [d for d in corpus.documents if d.kind == "brief"]
    urls = {u for f in corpus.footnotes for u in f.urls} | {
        r.url for r in corpus.references if r.url
    }
    fetched = [s for s in corpus.sources if s.document_id]
    print(
        f"ingested {len(briefs)} brief document(s), {sum(d.page_count for d in briefs)} pages, "
        f"{len(corpus.footnotes)} footnotes, {len(corpus.references)} references, "
        f"{len(urls)} URLs; {len(corpus.sources)} cited sources ({len(fetched)} indexed); "
        f"{len(corpus.chunks)} chunks in {elapsed:.1f} s → {index_dir}"
    )
    if corpus.set_aside:
        print(set_aside_line(corpus.set_aside))
    embedded = getattr(stats, "embedded_count", None)
    if embedded is not None:
        reused = len(corpus.chunks) - embedded
        print(f"embedded {embedded} new or changed chunk(s), reused {reused}")
    return 1 if corpus.errors else 0


_FURNITURE_NAMES = {"header": "running header", "footer": "running footer", "folio": "folio"}


def set_aside_line(counts: Sequence[SetAside]) -> str:
    """The ingest summary's line for page furniture: what the readers kept out of the
    passages, by kind, and where to see it."""
    total: dict[str, int] = {}
    for each in counts:
        total[each.kind] = total.get(each.kind, 0) + each.count
    parts = [f"{n} {_FURNITURE_NAMES[k]}{'s' if n != 1 else ''}" for k, n in sorted(total.items())]
    return (f"set aside as page furniture (not indexed): {', '.join(parts)}; "
            f"`brief-qa inspect FILE` lists them")


# ------------------------------------------------------- footnotes / chunks


def register_chunks(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("chunks", help="print the indexed chunks as JSON lines or text")
    add_index_argument(p)
    p.add_argument("--json", action="store_true", help="print JSON lines")
    p.add_argument("--document", default=None, help="only chunks of this document id")
    p.set_defaults(handler=cmd_chunks)


def cmd_chunks(args: argparse.Namespace) -> int:
    from index.files import read_chunks

    for chunk in read_chunks(index_dir_from(args)):
        if args.document and chunk.document_id != args.document:
            continue
        record = {
            "id": chunk.id,
            "document": chunk.document_id,
            "section": chunk.section_path,
            "pages": chunk.pages,
            "text": chunk.text,
            "footnotes": list(chunk.footnotes),
        }
        if args.json:
            print(json.dumps(record, ensure_ascii=False))
        else:
            where = " · ".join(x for x in (chunk.document_id, chunk.section_path, chunk.pages) if x)
            print(f"[{chunk.id}] {where}\n{chunk.text_with_markers()}\n")
    return 0
