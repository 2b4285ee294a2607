"""Retrieval and answer records: `Citation` → `Hit` → `Answer` / `Verdict` / `CitationLookup`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ingest.records import Chunk, Document

VerdictLabel = Literal["supported", "contradicted", "not_found"]


@dataclass(frozen=True)
class Citation:
    """A citation attached from provenance: a brief footnote (number) or a reference (None)."""

    number: int | None
    text: str  # verbatim from the brief
    url: str | None = None
    page: str | None = None
    brief_id: str | None = None  # the brief whose footnote or reference list this is
    brief_title: str | None = None

    def to_dict(self) -> dict[str, Any]:
        brief = {"id": self.brief_id, "title": self.brief_title} if self.brief_id else None
        return {
            "number": self.number,
            "text": self.text,
            "url": self.url,
            "page": self.page,
            "brief": brief,
        }


@dataclass(frozen=True)
class Hit:
    rank: int
    score: float
    chunk: Chunk
    document: Document
    citations: tuple[Citation, ...] = ()
    # (start, end) char spans into chunk.text of the sentences that best match the query.
    highlights: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "score": round(float(self.score), 6),
            "text": self.chunk.text,
            "document": {
                "id": self.document.id,
                "title": self.document.title,
                "kind": self.document.kind,
                "url": self.document.url,
            },
            "section": self.chunk.section_path,
            "pages": self.chunk.pages,
            "citations": [c.to_dict() for c in self.citations],
            "chunk_id": self.chunk.id,
            "footnotes": list(self.chunk.footnotes),
            "highlights": [list(span) for span in self.highlights],
        }


@dataclass(frozen=True)
class Answer:
    query: str
    hits: tuple[Hit, ...]
    direct_answer: str | None = None  # best sentence, with superscript markers
    direct_answer_hit: int | None = None  # rank of the hit it came from
    # brief hit rank → source hits from the page its footnote cites (claim ↔ source quote)
    trail: dict[int, tuple[Hit, ...]] = field(default_factory=dict)
    notice: str | None = None  # e.g. "empty question", "query truncated to 2,000 chars"

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "direct_answer": self.direct_answer,
            "direct_answer_hit": self.direct_answer_hit,
            "notice": self.notice,
            "hits": [h.to_dict() for h in self.hits],
            "trail": {str(k): [h.to_dict() for h in v] for k, v in self.trail.items()},
        }


@dataclass(frozen=True)
class Verdict:
    claim: str
    verdict: VerdictLabel
    reason: str
    evidence: tuple[Hit, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "verdict": self.verdict,
            "reason": self.reason,
            "evidence": [h.to_dict() for h in self.evidence],
        }


@dataclass(frozen=True)
class CitationLookup:
    """Everything about one footnote of one brief: `Assistant.cite(n)` and "footnote 5" queries.

    `text`, `reference` and the passages are verbatim; `citation` is the footnote as the brief
    prints it (superscript number first), ready to paste.
    """

    number: int
    text: str  # the footnote, verbatim
    citation: str  # copyable: "⁵ UNODC. Global Report on Trafficking in Persons 2024. … p. 42"
    brief_id: str = ""  # the brief whose footnote it is
    brief_title: str = ""
    url: str | None = None
    pages: tuple[str, ...] = ()  # pages it cites, as printed
    reference: str | None = None  # the matching entry of the reference list, verbatim
    reference_index: int | None = None
    brief_passages: tuple[Hit, ...] = ()  # passages of the brief that carry this marker
    source_passages: tuple[Hit, ...] = ()  # passages of the cited source on the cited page(s)
    source_title: str | None = None
    source_status: str | None = None  # "indexed", "offline: <why>", ... None: no source known

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "brief": {"id": self.brief_id, "title": self.brief_title},
            "text": self.text,
            "citation": self.citation,
            "url": self.url,
            "pages": list(self.pages),
            "reference": self.reference,
            "reference_index": self.reference_index,
            "source_title": self.source_title,
            "source_status": self.source_status,
            "brief_passages": [h.to_dict() for h in self.brief_passages],
            "source_passages": [h.to_dict() for h in self.source_passages],
        }


def lookups_dict(
    number: int, brief: str | None, lookups: tuple[CitationLookup, ...]
) -> dict[str, Any]:
    """The JSON of a footnote lookup (CLI `cite --json`, the app's /cite): one entry per brief
    that has footnote `number` (`brief`: the scope asked for, None = every brief)."""
    return {"number": number, "brief": brief, "lookups": [x.to_dict() for x in lookups]}
