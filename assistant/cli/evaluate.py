"""`brief-qa eval`: the gold-set report (GOLD.jsonl) or a BEIR retrieval benchmark (--beir DIR)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.cli.options import add_index_argument
from assistant.evaluation.gold import MODES

if TYPE_CHECKING:
    from assistant.assistant import Assistant
    from index.embedder import Embedder


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "eval",
        help="score retrieval, citations, verdicts and lookups on a gold file (or a BEIR set)",
        description="Run a gold file against the index and print hit@1, hit@k, MRR, citation, "
        "verdict and lookup accuracy and latency per kind and retrieval mode; or, with --beir, "
        "index a BEIR-format dataset and print nDCG@10, recall@100 and MRR@10 per mode.",
    )
    p.add_argument("gold", nargs="?", type=Path, metavar="GOLD.jsonl", help="gold file")
    p.add_argument("--beir", type=Path, metavar="DIR", help="BEIR dataset directory instead")
    add_index_argument(p, "index to evaluate")
    p.add_argument(
        "--index-dir", type=Path, default=None, metavar="DIR",
        help="with --beir: where to build the dataset's index (default: a temporary directory)",
    )
    p.add_argument(
        "--modes", type=_modes, default=MODES, metavar="M[,M...]",
        help="retrieval modes, comma-separated (default: bm25,dense,hybrid)",
    )
    p.add_argument("-k", type=_positive, default=5, help="hits per question (default: 5)")
    p.add_argument("--model", default=None, help="with --beir: embedding model (default: packaged)")
    p.add_argument("--split", default="test", help="with --beir: qrels split (default: test)")
    p.add_argument(
        "--fusion", choices=("rrf", "convex"), default="rrf",
        help="with --beir: how hybrid mode fuses dense and BM25 (default: rrf, as `ask`)",
    )
    p.add_argument(
        "--part", choices=("all", "tune", "heldout"), default="all",
        help="gold items to run: all (default), the tuning part, or the held-out part "
        "(one in three, fixed by a hash of the item id)",
    )
    p.add_argument("--json", action="store_true", help="print a machine-readable JSON report")
    p.set_defaults(handler=cmd_eval)


def _modes(text: str) -> tuple[str, ...]:
    modes = tuple(dict.fromkeys(m.strip() for m in text.split(",") if m.strip()))
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise argparse.ArgumentTypeError(
            f"unknown mode(s) {', '.join(bad) or '(none)'}; choose from {', '.join(MODES)}"
        )
    return modes


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def cmd_eval(args: argparse.Namespace) -> int:
    if (args.gold is None) == (args.beir is None):
        print("error: give either a GOLD.jsonl file or --beir DIR", file=sys.stderr)
        return 2
    if args.beir is not None:
        return _run_beir(args)
    return _run_gold(args)


def machine() -> dict[str, Any]:
    """What the numbers were measured on, recorded with every report."""
    from index.embedder import cpu_threads

    memory = None
    with contextlib.suppress(ValueError, OSError, AttributeError):
        memory = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    return {
        "cpus": cpu_threads(),
        "memory_gib": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def open_assistant(index_dir: Path) -> Assistant:
    """The assistant to evaluate (tests replace this to inject a fake embedder)."""
    from assistant.assistant import Assistant

    return Assistant.open(index_dir)


def load_beir_embedder(model: str | None) -> Embedder:
    """The embedder for --beir (tests replace this with the fake one)."""
    from index.embedder import load_embedder

    return load_embedder(model)


def _run_gold(args: argparse.Namespace) -> int:
    from assistant.cli.options import index_dir_from
    from assistant.evaluation.gold import evaluate, format_report
    from assistant.evaluation.goldfile import load_gold, select_part

    items = select_part(load_gold(args.gold), getattr(args, "part", "all"))
    index_dir = index_dir_from(args)
    assistant = open_assistant(index_dir)
    print(
        f"evaluating {len(items)} gold items from {args.gold} on {index_dir} "
        f"(questions × {len(args.modes)} mode(s), k={args.k})",
        file=sys.stderr,
    )
    report = evaluate(assistant, items, args.modes, args.k)
    meta: dict[str, Any] = {
        "gold": str(args.gold),
        "part": getattr(args, "part", "all"),
        "index": str(index_dir),
        "model": assistant.index.manifest.model,
        "chunks": assistant.index.manifest.chunk_count,
        "machine": machine(),
    }
    report = replace(report, meta=meta)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
    return 0


def _run_beir(args: argparse.Namespace) -> int:
    from assistant.evaluation.beir import format_beir_report, load_beir, run_beir

    dataset = load_beir(args.beir, args.split)
    embedder = load_beir_embedder(args.model)
    report = run_beir(
        dataset,
        embedder,
        args.modes,
        index_dir=args.index_dir,
        fusion=args.fusion,
        progress=lambda message: print(message, file=sys.stderr),
    )
    report = replace(report, meta={**report.meta, "machine": machine()})
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_beir_report(report))
    return 0
