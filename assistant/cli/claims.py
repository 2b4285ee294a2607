"""`brief-qa check "CLAIM"` and `brief-qa cite N`: claim verdicts and footnote lookups."""

from __future__ import annotations

import argparse
import json
import textwrap
from typing import Any

from assistant.records import CitationLookup, Hit, Verdict, lookups_dict


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    from assistant.cli.briefs import add_brief_argument
    from assistant.cli.options import add_index_argument

    p = subparsers.add_parser(
        "check",
        help="check a claim against the brief: supported, contradicted or not found",
        description="Judge CLAIM against the brief and its indexed sources. Figures are compared "
        "with the figure the brief gives for the same thing (girls vs boys, year, region); the "
        "evidence passages are printed with the deciding sentence. Exit status: 0 supported, "
        "1 contradicted or not found, 2 error (e.g. an empty claim).",
    )
    p.add_argument("claim", metavar="CLAIM")
    p.add_argument("-k", default=5, help="evidence passages to show, 1 to 10 (default 5)")
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")
    add_brief_argument(p)
    add_index_argument(p)
    p.set_defaults(handler=cmd_check)

    p = subparsers.add_parser(
        "cite",
        help="everything about footnote N: text, reference, URL, page, passages",
        description="Print footnote N verbatim with a copyable citation, its reference-list "
        "entry, URL and cited page, the brief passages that carry it and (when the source is "
        "indexed) the source passages on the cited page. With several briefs loaded, each "
        "brief's footnote N is printed, labelled by brief, unless --brief picks one.",
    )
    p.add_argument("number", metavar="N")  # checked by `assistant.serve.requests`
    p.add_argument(
        "--json", action="store_true", help="print JSON: {number, brief, lookups: [one per brief]}"
    )
    add_brief_argument(p)
    add_index_argument(p)
    p.set_defaults(handler=cmd_cite)


def cmd_check(args: argparse.Namespace) -> int:
    from assistant.assistant import Assistant
    from assistant.cli.options import index_dir_from
    from assistant.serve.requests import cli_check_request

    claim, k, brief = cli_check_request(args.claim, args.k, args.brief)
    verdict = Assistant.open(index_dir_from(args)).check(claim, k=k, brief=brief)
    if args.json:
        print(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_verdict(verdict))
    return 0 if verdict.verdict == "supported" else 1


def cmd_cite(args: argparse.Namespace) -> int:
    from assistant.assistant import Assistant
    from assistant.cli.options import index_dir_from
    from assistant.serve.requests import cli_cite_request

    number, brief = cli_cite_request(args.number, args.brief)
    lookups = Assistant.open(index_dir_from(args)).cite(number, brief=brief)
    if args.json:
        data = lookups_dict(number, brief, lookups)
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(format_lookup(lookup, labelled=len(lookups) > 1) for lookup in lookups))
    return 0


_LABELS = {"supported": "SUPPORTED", "contradicted": "CONTRADICTED", "not_found": "NOT FOUND"}


def format_verdict(verdict: Verdict, width: int = 100) -> str:
    lines = [f"{_LABELS[verdict.verdict]}: {verdict.claim}", textwrap.fill(
        verdict.reason, width=width, initial_indent="  ", subsequent_indent="  ")]
    if verdict.evidence:
        lines += ["", "evidence:"]
        for hit in verdict.evidence:
            lines.extend(_passage_lines(hit, width))
    return "\n".join(lines)


def format_lookup(lookup: CitationLookup, width: int = 100, *, labelled: bool = False) -> str:
    lines = [f"== {lookup.brief_id}: {lookup.brief_title}"] if labelled else []
    lines += [lookup.citation, ""]
    facts = []
    if lookup.pages:
        facts.append("cites p. " + ", ".join(lookup.pages))
    if lookup.url:
        facts.append(lookup.url)
    if lookup.source_status:
        facts.append(f"source {lookup.source_status}")
    if facts:
        lines.append(" · ".join(facts))
    if lookup.reference:
        number = f" {lookup.reference_index}" if lookup.reference_index is not None else ""
        lines += ["", f"reference list entry{number}:", "  " + lookup.reference]
    lines += ["", f"passages of the brief that cite it ({len(lookup.brief_passages)}):"]
    for hit in lookup.brief_passages:
        lines.extend(_passage_lines(hit, width))
    if lookup.source_passages:
        where = f" on p. {', '.join(lookup.pages)}" if lookup.pages else ""
        lines += ["", f"what {lookup.source_title or 'the source'} says{where}:"]
        for hit in lookup.source_passages:
            lines.extend(_passage_lines(hit, width))
    elif lookup.source_status:
        lines += ["", "the cited source is not indexed: no source passages to show"]
    return "\n".join(lines)


def _passage_lines(hit: Hit, width: int) -> list[str]:
    """The passage as printed (superscripts), the highlighted sentence marked with »…«."""
    text = _marked(hit)
    body = textwrap.fill(text, width=width, initial_indent=f"{hit.rank}. ",
                         subsequent_indent="   ")
    where = [hit.document.title or hit.document.id, hit.chunk.section_path]
    if hit.chunk.pages:
        where.append(f"p. {hit.chunk.pages}")
    return [body, "   " + " · ".join(w for w in where if w)]


def _marked(hit: Hit) -> str:
    """Chunk text with markers as superscripts and highlights wrapped in »…«."""
    from ingest.records import superscript

    chunk = hit.chunk
    # At one offset: a marker first (it ends the sentence before), then «, then ».
    inserts: list[tuple[int, int, str]] = [(m.offset, 0, superscript(m.number))
                                           for m in chunk.markers]
    for start, end in hit.highlights:
        inserts += [(start, 2, "»"), (end, 1, "«")]
    out, last = [], 0
    for offset, _, text in sorted(inserts):
        out.append(chunk.text[last:offset])
        out.append(text)
        last = offset
    out.append(chunk.text[last:])
    return " ".join("".join(out).split())
