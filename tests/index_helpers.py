"""A small synthetic corpus and embedder wrappers for the index/assistant tests.

The corpus mimics the real shape: a brief whose chunks carry footnote markers, a cited source
with chunks on printed pages "7", "42" and "48", footnotes citing pages 42 and 48 of it, and a
reference-list entry for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from ingest.records import (
    Chunk,
    Corpus,
    Document,
    Footnote,
    Marker,
    Reference,
    Source,
    SourceCitation,
)

REPORT_URL = "https://example.org/global-report.html"
EXPLAINER_URL = "https://example.org/explainer.html"

BRIEF_PARAGRAPHS: tuple[tuple[str, tuple[str, ...], str, tuple[int, ...]], ...] = (
    (
        "Child trafficking is the recruitment, transportation and exploitation of minors "
        "for forced labour, sexual abuse or domestic servitude.",
        ("Introduction",), "1", (1,),
    ),
    (
        "Poverty, lack of education, armed conflict and irregular migration increase the "
        "risk of children falling into trafficking networks.",
        ("Introduction",), "1", (),
    ),
    (
        "In 2022 children accounted for 38% of detected victims; girls were trafficked mostly "
        "for sexual exploitation and boys for forced labour.",
        ("Current issue",), "2", (5,),
    ),
    (
        "Court cases suggest institutions fail to identify victims, who often must contact "
        "the authorities themselves.",
        ("Current issue",), "3", (9,),
    ),
    (
        "The Palermo Protocol, adopted in 2000, sets minimum standards to prevent and punish "
        "trafficking in persons.",
        ("Initiatives", "Legal frameworks"), "4", (2,),
    ),
    (
        "Interpol and Europol operations identified trafficking networks and released "
        "thousands of children.",
        ("Initiatives", "Cooperation"), "4", (),
    ),
)

SOURCE_PAGES: tuple[tuple[str, str], ...] = (
    ("7", "This report is the eighth of its kind mandated by the General Assembly and covers "
     "data from 141 countries."),
    ("42", "Children account for 38 per cent of the detected victims; girls 22 per cent and "
           "boys 16 per cent of the total."),
    ("48", "Female victims more often come forward by their own action, while male victims "
           "emerge from proactive police investigation."),
)


def laid_out_chunks(
    document_id: str, passages: Sequence[tuple[str, tuple[str, ...], str | None, tuple[int, ...]]]
) -> tuple[tuple[Chunk, ...], str]:
    """Chunks laid out as the pipeline lays them out (blocks joined by blank lines, exact
    offsets), one per `(text, section, page, footnotes)` passage, with the document's text."""
    chunks: list[Chunk] = []
    offset = 0
    for i, (text, section, page, notes) in enumerate(passages):
        chunks.append(
            Chunk(
                id=f"{document_id}-{i:03d}",
                document_id=document_id,
                text=text,
                section=section,
                page_start=page,
                page_end=page,
                char_start=offset,
                char_end=offset + len(text),
                footnotes=notes,
                markers=tuple(Marker(offset=len(text), number=n) for n in notes),
            )
        )
        offset += len(text) + 2
    return tuple(chunks), "\n\n".join(text for text, *_ in passages)


def brief_chunks(document_id: str = "brief") -> tuple[Chunk, ...]:
    return laid_out_chunks(document_id, BRIEF_PARAGRAPHS)[0]


def source_chunks(document_id: str = "src-report") -> tuple[Chunk, ...]:
    return tuple(
        Chunk(
            id=f"{document_id}-{i:03d}",
            document_id=document_id,
            text=text,
            section=("Global Report",),
            page_start=page,
            page_end=page,
        )
        for i, (page, text) in enumerate(SOURCE_PAGES)
    )


def make_corpus(*, brief_texts: Sequence[str] | None = None) -> Corpus:
    """The synthetic corpus; `brief_texts` replaces the brief's chunk texts (same count)."""
    briefs = brief_chunks()
    if brief_texts is not None:
        briefs = tuple(
            replace(chunk, text=text, markers=(), footnotes=())
            for chunk, text in zip(briefs, brief_texts, strict=True)
        )
    documents = (
        Document(id="brief", title="UNICEF Topic B", kind="brief", origin="brief.pdf",
                 sha256="0" * 64, page_count=4),
        Document(id="src-report", title="Global Report", kind="source", origin=REPORT_URL,
                 sha256="1" * 64, page_count=60, url=REPORT_URL),
    )
    footnotes = (
        Footnote(number=1, text=f"UNODC. Explainer. In: <{EXPLAINER_URL}> (14/01/2025).",
                 urls=(EXPLAINER_URL,), document_id="brief"),
        Footnote(number=2, text="OHCHR. Protocol to Prevent, Suppress and Punish Trafficking.",
                 document_id="brief"),
        Footnote(number=5, text=f"UNODC. Global Report 2024. In: <{REPORT_URL}>. p. 42",
                 urls=(REPORT_URL,), pages=("42",), reference=1, document_id="brief"),
        Footnote(number=9, text="UNODC. Global Report 2024. (11/02/2025). p. 48",
                 pages=("48",), reference=1, document_id="brief"),
    )
    references = (
        Reference(index=1, text=f"UNODC. Global Report on Trafficking in Persons 2024. "
                                f"In: {REPORT_URL}", title="Global Report",
                  organisation="UNODC", url=REPORT_URL, document_id="brief"),
    )
    sources = (
        Source(
            id="s1",
            url=REPORT_URL,
            title="Global Report",
            cited_by=(
                SourceCitation(footnote=5, pages=("42",), document_id="brief"),
                SourceCitation(footnote=9, pages=("48",), document_id="brief"),
                SourceCitation(reference=1, document_id="brief"),
            ),
            status="fetched",
            document_id="src-report",
            chunk_count=3,
        ),
    )
    chunks = briefs + source_chunks()
    texts = {
        "brief": "\n\n".join(c.text for c in briefs),
        "src-report": "\n\n".join(c.text for c in source_chunks()),
    }
    return Corpus(
        documents=documents,
        chunks=chunks,
        footnotes=footnotes,
        references=references,
        sources=sources,
        document_texts=texts,
        errors=("https://example.org/dead.pdf: HTTP 404",),
    )


class CountingEmbedder:
    """Wraps an embedder and counts the texts it was asked to embed."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.name: str = inner.name  # type: ignore[attr-defined]
        self.dimension: int = inner.dimension  # type: ignore[attr-defined]
        self.calls: list[list[str]] = []

    @property
    def count(self) -> int:
        return sum(len(batch) for batch in self.calls)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return self.inner.embed(texts)  # type: ignore[attr-defined,no-any-return]


class FailingEmbedder(CountingEmbedder):
    """Raises after embedding `fail_after` texts: a build that dies midway."""

    def __init__(self, inner: object, fail_after: int = 0) -> None:
        super().__init__(inner)
        self.fail_after = fail_after

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self.count + len(texts) > self.fail_after:
            raise RuntimeError("simulated crash while embedding")
        return super().embed(texts)
