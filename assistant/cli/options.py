"""Options every command that opens the index shares: `--index DIR`, and where it points."""

from __future__ import annotations

import argparse
from pathlib import Path

from ingest.config import DEFAULT_INDEX_DIR, INDEX_ENV, default_index_dir


def add_index_argument(parser: argparse.ArgumentParser, what: str = "index directory") -> None:
    parser.add_argument(
        "--index",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"{what} (default: ${INDEX_ENV} or {DEFAULT_INDEX_DIR})",
    )


def index_dir_from(args: argparse.Namespace) -> Path:
    return args.index if getattr(args, "index", None) else default_index_dir()
