"""The `brief-qa` command. Domain errors become one-line messages here, at the edge."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from assistant.cli import ask, briefs, claims, evaluate, ingest, inspect_file, sources
from ingest.errors import BriefQAError


def _offline_environment() -> None:
    # Models ship inside packages; nothing may be downloaded or reported at run time.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


# ---------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="brief-qa",
        description="Ask questions of a Model UN brief and its cited sources; every answer is a "
        "real passage with its original footnote citation.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    ingest.register_ingest(sub)
    ingest.register_chunks(sub)
    for command_group in (sources, briefs, ask, claims, evaluate, inspect_file):
        command_group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _offline_environment()
    args = build_parser().parse_args(argv)
    from assistant.serve.requests import InvalidRequest

    try:
        return int(args.handler(args) or 0)
    except InvalidRequest as exc:  # one line per bad argument
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        return 2
    except BriefQAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
