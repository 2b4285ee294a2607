"""`brief-qa ask`: print the best passages for a question, with their footnote citations."""

from __future__ import annotations

import argparse
import json
import textwrap
from typing import Any

from assistant.records import Answer, Citation, Hit
from ingest.records import superscript


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    from assistant.cli.briefs import add_brief_argument
    from assistant.cli.options import add_index_argument

    p = subparsers.add_parser(
        "ask",
        help="answer a question with passages from the brief and its sources",
        description="Print the passages that best answer QUESTION, each with where it comes "
        "from and the footnotes it carries, exactly as the brief prints them.",
    )
    p.add_argument("question", metavar="QUESTION")
    # Checked by `assistant.serve.requests`, as the API checks them: one message per bad argument.
    p.add_argument("-k", default=5, help="number of passages, 1 to 10 (default 5)")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument(
        "--mode", default="hybrid", metavar="hybrid|dense|bm25",
        help="retrieval: dense + BM25 fused (default), embeddings only, or BM25 only",
    )
    p.add_argument(
        "--fusion", choices=["rrf", "convex"], default="rrf",
        help="how hybrid mode combines rankings (default: reciprocal rank fusion)",
    )
    p.add_argument(
        "--only", default=None, metavar="brief|sources|DOC_ID",
        help="search only the brief, only the cited sources, or one document",
    )
    add_brief_argument(p)
    add_index_argument(p)
    p.set_defaults(handler=cmd_ask)


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.assistant import Assistant
    from assistant.cli.options import index_dir_from
    from assistant.serve.requests import cli_ask_request

    request = cli_ask_request(args.question, args.k, args.mode, args.only, args.brief)
    assistant = Assistant.open(index_dir_from(args))
    answer = assistant.ask(
        request.query, request.k, mode=request.mode, only=request.only, fusion=args.fusion,
        brief=request.brief,
    )
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_answer(answer))
    return 0


def format_answer(answer: Answer, width: int = 100) -> str:
    """Plain-text rendering: passage, where it is from, then its citations like footnotes."""
    lines: list[str] = []
    if answer.notice:
        lines.append(f"note: {answer.notice}")
    if not answer.hits and answer.notice != "empty question":
        lines.append("no passages found")
    if answer.direct_answer:
        source = f" [passage {answer.direct_answer_hit}]" if answer.direct_answer_hit else ""
        lines.append(textwrap.fill(f"Answer: {answer.direct_answer}{source}", width=width,
                                   subsequent_indent="        "))
    for hit in answer.hits:
        lines.append("")
        lines.extend(_hit_lines(hit, width))
        for quote in answer.trail.get(hit.rank, ()):
            pages = f", p. {quote.chunk.pages}" if quote.chunk.pages else ""
            lines.append(textwrap.fill(
                f"cited source ({quote.document.title}{pages}): {quote.chunk.text}",
                width=width, initial_indent="   ↳ ", subsequent_indent="     ",
            ))
    return "\n".join(lines).strip("\n")


def _hit_lines(hit: Hit, width: int) -> list[str]:
    # A chunk may merge several paragraphs (blank-line separated): wrap each on its own.
    paragraphs = [p for p in hit.chunk.text_with_markers().split("\n\n") if p.strip()]
    body = "\n\n".join(
        textwrap.fill(
            paragraph, width=width, initial_indent=f"{hit.rank}. " if i == 0 else "   ",
            subsequent_indent="   ",
        )
        for i, paragraph in enumerate(paragraphs)
    )
    where = [hit.document.title or hit.document.id, hit.chunk.section_path]
    if hit.chunk.pages:
        where.append(f"p. {hit.chunk.pages}")
    lines = [body, "   " + " · ".join(part for part in where if part)]
    lines.extend("   " + _citation_line(c) for c in hit.citations)
    return lines


def _citation_line(citation: Citation) -> str:
    mark = superscript(citation.number) if citation.number is not None else "•"
    text = f"{mark} {citation.text}"
    if citation.url and citation.url not in citation.text:
        text += f" <{citation.url}>"
    return text
