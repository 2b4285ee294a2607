"""Where brief-qa keeps its index: one definition for the CLI, the app and the API."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

INDEX_ENV = "BRIEF_QA_INDEX"
DEFAULT_INDEX_DIR = Path(".brief-qa/index")


def default_index_dir() -> Path:
    return Path(os.environ.get(INDEX_ENV, DEFAULT_INDEX_DIR))


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
