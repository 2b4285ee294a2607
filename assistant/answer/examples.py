"""Example questions for the app, taken from the briefs that are loaded, never a fixed list.

Per brief, in order of preference: its own guiding questions (a "Questions to consider"
list, or any question it prints), then the terms it defines ("**Term:** meaning"), then its
section headings. Briefs take turns, so every loaded brief is represented.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import zip_longest

from ingest.records import Chunk, Document

MAX_EXAMPLES = 6
MAX_QUESTION_CHARS = 160
_QUESTION = re.compile(rf"(?:^|(?<=[.!?:]\s))([A-Z][^.!?]{{15,{MAX_QUESTION_CHARS}}}\?)")
# "Trafficking networks: organized groups…" or "**Victim protection:** set of measures…"
_DEFINED = re.compile(r"^\W{0,3}([A-Z][\w'’ -]{2,50}?)\s*:\s+\S")
_GENERIC_HEADINGS = re.compile(
    r"^(introduction|references|bibliography|works cited|sources|notes|endnotes|table of "
    r"contents|contents|letter from|dear|conclusion|appendix|glossary|definitions|key terms|"
    r"questions|guiding questions|questions to consider|qarma|further reading|annex)",
    re.IGNORECASE,
)


def example_questions(
    briefs: Sequence[Document], chunks: Sequence[Chunk], limit: int = MAX_EXAMPLES
) -> list[str]:
    """Up to `limit` questions a user could ask of the loaded briefs, briefs taking turns."""
    per_brief = [_brief_examples(brief, [c for c in chunks if c.document_id == brief.id])
                 for brief in briefs]
    out: list[str] = []
    for round_ in zip_longest(*per_brief):
        for question in round_:
            if question is not None and question not in out:
                out.append(question)
    return out[:limit]


def _brief_examples(brief: Document, chunks: Sequence[Chunk]) -> list[str]:
    questions: list[str] = []
    definitions: list[str] = []
    headings: list[str] = []
    for chunk in chunks:
        text = " ".join(chunk.text.split())
        questions.extend(m.group(1) for m in _QUESTION.finditer(text))
        if chunk.kind == "list_item" or chunk.kind == "paragraph":
            defined = _DEFINED.match(text)
            if defined and len(defined.group(1).split()) <= 5:
                definitions.append(f"What is {_article(defined.group(1).strip())}?")
        if chunk.section and _topic_heading(chunk.section[-1]):
            heading = chunk.section[-1].strip().rstrip(":")
            heading = heading.title() if heading.isupper() else heading
            headings.append(f"What does the brief say about {heading}?")
    ordered = questions[:3] + definitions[:2] + headings
    return list(dict.fromkeys(ordered))[:MAX_EXAMPLES]


def _topic_heading(heading: str) -> bool:
    """A heading that names a topic: short, capitalised, not a sentence cut by a line break
    (a reader may take a bold line for one) and not a part every brief has."""
    text = heading.strip().rstrip(":")
    words = text.split()
    return (
        1 <= len(words) <= 8
        and text[:1].isupper() | text[:1].isdigit()
        and text[-1:] not in ",;-–"
        and "http" not in text and "www." not in text
        and not _GENERIC_HEADINGS.match(text)
    )


def _article(term: str) -> str:
    """ "Trafficking networks" → "trafficking networks"; acronyms and names keep their case."""
    first, _, rest = term.partition(" ")
    if first.isupper() or (first[:1].isupper() and first[1:].islower() and not rest):
        return term if first.isupper() else term.lower()
    return term[0].lower() + term[1:]
