"""`brief-qa briefs` and `brief-qa footnotes`: what is loaded, brief by brief."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from ingest.records import superscript

if TYPE_CHECKING:
    from index.store import SearchIndex


def add_brief_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--brief",
        default=None,
        metavar="ID",
        help="only this brief (and the sources it cites); `brief-qa briefs` lists the ids",
    )


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    from assistant.cli.options import add_index_argument

    p = subparsers.add_parser(
        "briefs",
        help="list the loaded briefs: id, title, committee/topic, pages, footnotes, sources",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    add_index_argument(p)
    p.set_defaults(handler=cmd_briefs)

    p = subparsers.add_parser(
        "footnotes", help="list each brief's footnotes with references and URLs"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    add_brief_argument(p)
    add_index_argument(p)
    p.set_defaults(handler=cmd_footnotes)


def _open(args: argparse.Namespace) -> SearchIndex:
    from assistant.cli.options import index_dir_from
    from index.store import SearchIndex

    return SearchIndex.open(index_dir_from(args))  # the model is loaded only to embed


def brief_rows(index: SearchIndex) -> list[dict[str, Any]]:
    """One row per loaded brief, in ingest order."""
    rows = []
    for brief in index.briefs:
        sources = [
            s for s in index.sources if any(c.document_id == brief.id for c in s.cited_by)
        ]
        rows.append(
            {
                "id": brief.id,
                "title": brief.title,
                "masthead": list(brief.masthead),
                "pages": brief.page_count,
                "footnotes": sum(1 for f in index.footnotes if f.document_id == brief.id),
                "sources": len(sources),
                "sources_indexed": sum(1 for s in sources if s.document_id),
                "file": brief.origin,
            }
        )
    return rows


def cmd_briefs(args: argparse.Namespace) -> int:
    rows = brief_rows(_open(args))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("no briefs are loaded: run `brief-qa ingest`")
    for row in rows:
        print(f"{row['id']}: {row['title']}")
        for line in row["masthead"]:
            if line != row["title"]:
                print(f"    {line}")
        print(
            f"    {row['pages']} pages · {row['footnotes']} footnotes · {row['sources']} "
            f"sources ({row['sources_indexed']} indexed) · {row['file']}"
        )
    return 0


def cmd_footnotes(args: argparse.Namespace) -> int:
    index = _open(args)
    briefs = [index.require_brief(args.brief)] if args.brief else list(index.briefs)
    out: list[dict[str, Any]] = []
    lines: list[str] = []
    for brief in briefs:
        notes = [f for f in index.footnotes if f.document_id == brief.id]
        if len(briefs) > 1:
            lines.append(f"== {brief.id}: {brief.title}")
        for note in notes:
            ref = (
                index.reference(brief.id, note.reference)
                if note.reference is not None
                else None
            )
            out.append(
                {**note.to_dict(), "brief": brief.id, "reference_text": ref.text if ref else None}
            )
            lines.append(f"{superscript(note.number)} {note.text}")
            details = [f"p. {', '.join(note.pages)}" if note.pages else ""]
            details.append(f"reference #{ref.index}" if ref else "")
            details += list(note.urls)
            detail = " · ".join(d for d in details if d)
            if detail:
                lines.append(f"    {detail}")
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print("\n".join(lines))
    return 0
