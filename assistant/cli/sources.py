"""CLI pieces for cited sources: `brief-qa sources`, `brief-qa pack`, and the fetch flags
that `brief-qa ingest` takes (`add_fetch_arguments` / `fetch_options_from_args`)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.cli.options import add_index_argument, index_dir_from
from index.errors import IndexCorruptError, IndexMissingError
from ingest.errors import MirrorError
from ingest.records import Source
from ingest.sources.cache import default_cache_dir
from ingest.sources.fetch import MB
from ingest.sources.gather import FetchOptions
from ingest.sources.mirror import write_mirror_zip

SOURCES_FILE = "sources.json"


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def add_fetch_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that control fetching the brief's cited sources."""
    group = parser.add_argument_group("cited sources")
    group.add_argument(
        "--mirror",
        type=Path,
        metavar="DIR",
        help="offline mirror: a directory or .zip with manifest.json (see `brief-qa pack`)",
    )
    group.add_argument(
        "--offline", action="store_true", help="send nothing: use the fetch cache and mirror only"
    )
    group.add_argument(
        "--allow-private",
        action="store_true",
        help="allow sources on private, loopback or link-local addresses (refused by default)",
    )
    group.add_argument(
        "--no-fetch", action="store_true", help="do not read cited sources at all (brief only)"
    )
    group.add_argument(
        "--fetch-timeout",
        type=_positive_float,
        default=15.0,
        metavar="SECONDS",
        help="read timeout per request (default 15; connecting waits at most 5)",
    )
    group.add_argument(
        "--max-source-mb",
        type=_positive_float,
        default=50.0,
        metavar="MB",
        help="skip a source larger than this (default 50)",
    )
    group.add_argument(
        "--cache",
        type=Path,
        metavar="DIR",
        help="fetch cache directory (default: $BRIEF_QA_CACHE or .brief-qa/cache)",
    )


def fetch_options_from_args(args: argparse.Namespace) -> FetchOptions:
    mirror: Path | None = args.mirror
    if mirror is not None and not mirror.exists():
        raise MirrorError(mirror, "no such directory or zip file")
    timeout = float(args.fetch_timeout)
    return FetchOptions(
        enabled=not args.no_fetch,
        offline=bool(args.offline),
        mirror=mirror,
        allow_private=bool(args.allow_private),
        cache_dir=args.cache or default_cache_dir(),
        connect_timeout=min(5.0, timeout),
        read_timeout=timeout,
        max_bytes=int(args.max_source_mb * MB),
    )


# ------------------------------------------------------------------ brief-qa sources


def _index_dir(args: argparse.Namespace) -> Path:
    return index_dir_from(args)


def load_sources(index_dir: Path) -> list[Source]:
    """The sources recorded in an index (`sources.json`, a list of `Source.to_dict()`)."""
    path = index_dir / SOURCES_FILE
    if not index_dir.exists():
        raise IndexMissingError(index_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCorruptError(index_dir, f"{SOURCES_FILE} is missing") from None
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(index_dir, f"{SOURCES_FILE} is unreadable: {exc}") from exc
    if not isinstance(data, list):
        raise IndexCorruptError(index_dir, f"{SOURCES_FILE} is not a JSON list")
    try:
        return [Source.from_dict(item) for item in data]
    except (TypeError, AttributeError) as exc:
        raise IndexCorruptError(index_dir, f"{SOURCES_FILE} has a bad entry: {exc}") from exc


def cited_by_label(source: Source) -> str:
    """"fn 4–9, ref 13": footnote numbers (consecutive runs joined) and reference entries.

    A source cited by several briefs names each: "unicef: fn 4; disec: fn 2, ref 3".
    """
    briefs = list(dict.fromkeys(c.document_id for c in source.cited_by))
    labels = []
    for brief in briefs:
        cites = [c for c in source.cited_by if c.document_id == brief]
        notes = sorted({c.footnote for c in cites if c.footnote is not None})
        refs = sorted({c.reference for c in cites if c.reference is not None})
        parts = []
        if notes:
            parts.append("fn " + _runs(notes))
        if refs:
            parts.append("ref " + _runs(refs))
        label = ", ".join(parts)
        labels.append(f"{brief}: {label}" if len(briefs) > 1 and brief else label)
    return "; ".join(label for label in labels if label) or "-"


def _runs(numbers: Sequence[int]) -> str:
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ",".join(f"{r[0]}–{r[-1]}" if len(r) > 2 else ",".join(map(str, r)) for r in runs)


def status_label(source: Source) -> str:
    if source.status == "failed":
        return f"failed: {source.reason or 'unknown reason'}"
    if source.status == "no_url":
        return "no URL"
    return source.status


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_sources_table(sources: Sequence[Source], *, url_width: int = 60) -> str:
    """A plain-text table, one row per source."""
    header = ("cited by", "URL", "status", "type", "pages", "chunks")
    rows = [
        (
            cited_by_label(s),
            _shorten(s.url or f"({s.title})", url_width),
            status_label(s),
            s.content_type or "-",
            str(s.page_count) if s.page_count else "-",
            str(s.chunk_count),
        )
        for s in sources
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    fetched = sum(1 for s in sources if s.document_id)
    lines.append(f"{len(sources)} source(s), {fetched} with text in the index")
    return "\n".join(lines)


def cmd_sources(args: argparse.Namespace) -> int:
    sources = load_sources(_index_dir(args))
    if args.json:
        payload: list[dict[str, Any]] = [s.to_dict() for s in sources]
        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(format_sources_table(sources))
    return 0


def cmd_pack(args: argparse.Namespace) -> int:
    cache_dir: Path = args.cache or default_cache_dir()
    count = write_mirror_zip(cache_dir, args.out)
    print(f"packed {count} cached source(s) into {args.out}; use it with --mirror {args.out}")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `sources` and `pack` to the `brief-qa` command."""
    p = subparsers.add_parser(
        "sources",
        help="the brief's cited sources and what became of each (fetched, cached, failed...)",
        description="List the sources the indexed brief cites: which footnotes/references "
        "cite them, their URL, fetch status (with the reason when it failed), content type, "
        "pages and indexed chunks.",
    )
    p.add_argument("--json", action="store_true", help="print sources.json as JSON")
    add_index_argument(p)
    p.set_defaults(handler=cmd_sources)

    p = subparsers.add_parser(
        "pack",
        help="write the fetched sources as an offline mirror zip",
        description="Write every source in the fetch cache, with a manifest.json, to OUT.zip. "
        "`brief-qa ingest --mirror OUT.zip` then works without network.",
    )
    p.add_argument("out", type=Path, metavar="OUT.zip", help="the zip file to write")
    p.add_argument(
        "--cache",
        type=Path,
        default=None,
        metavar="DIR",
        help="fetch cache directory (default: $BRIEF_QA_CACHE or .brief-qa/cache)",
    )
    p.set_defaults(handler=cmd_pack)
