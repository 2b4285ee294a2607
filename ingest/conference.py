"""Briefs added to and removed from a corpus: a whole conference in one index.

`add_briefs` reads new briefs into an existing `Corpus` (the records of the index on disk),
`remove_brief` takes one out. Footnotes and reference entries belong to their brief (its
document id), so nothing of the other briefs changes: their chunks keep their text, and the
index reuses their vectors. A source cited by a new brief that the corpus already holds is
not fetched again: the new brief's footnotes are added to its `cited_by`, so its passages
carry them too.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.chunking import ChunkingOptions, chunk_blocks
from ingest.errors import BriefQAError, UnknownBriefError
from ingest.records import Corpus, Source

if TYPE_CHECKING:
    from ingest.sources.gather import FetchOptions


@dataclass(frozen=True)
class Added:
    """What `add_briefs` did: the new corpus and the ids of the briefs it added."""

    corpus: Corpus
    brief_ids: tuple[str, ...]


EMPTY = Corpus(documents=(), chunks=())


def add_briefs(
    corpus: Corpus,
    paths: Sequence[Path],
    *,
    fetch: FetchOptions | None = None,
    chunking: ChunkingOptions | None = None,
    progress: bool = False,
) -> Added:
    """`corpus` plus the briefs in `paths` (files or folders) and, when `fetch` is enabled,
    the sources they cite that `corpus` does not hold yet (without `fetch`, those are left
    out, as `brief-qa ingest --no-fetch` does). A file that cannot be read is an
    entry in `Corpus.errors`, naming it; the others are added."""
    from ingest.pipeline import discover, read_brief

    files, errors = discover(paths)
    taken = {d.id for d in corpus.documents}
    documents, chunks = list(corpus.documents), list(corpus.chunks)
    footnotes, references = list(corpus.footnotes), list(corpus.references)
    texts = dict(corpus.document_texts)
    furniture = list(corpus.set_aside)
    added: list[str] = []
    for path in _progress(files, progress):
        try:
            brief = read_brief(path, taken, chunking)
        except BriefQAError as exc:
            errors.append(str(exc))
            continue
        added.append(brief.document.id)
        documents.append(brief.document)
        chunks.extend(brief.chunks)
        footnotes.extend(brief.footnotes)
        references.extend(brief.references)
        texts[brief.document.id] = brief.text
        furniture.extend(brief.set_aside)
        errors.extend(brief.warnings)
    new_notes = [f for f in footnotes if f.document_id in added]
    new_refs = [r for r in references if r.document_id in added]
    sources = list(corpus.sources)
    if new_notes or new_refs:
        from ingest.sources.collect import collect_sources

        cited = collect_sources(new_notes, new_refs)
        sources, fresh = _merge_sources(sources, cited)
        if fetch is not None and fetch.enabled and fresh:
            from ingest.sources.gather import gather_sources

            for item in gather_sources(fresh, fetch, progress=progress):
                source = item.source
                if item.document is not None and item.parsed is not None:
                    chunked = chunk_blocks(item.document.id, item.parsed.blocks, chunking)
                    documents.append(item.document)
                    chunks.extend(chunked.chunks)
                    texts[item.document.id] = chunked.text
                    source = replace(source, chunk_count=len(chunked.chunks))
                sources.append(source)
    return Added(
        corpus=Corpus(
            documents=tuple(documents),
            chunks=tuple(chunks),
            footnotes=tuple(footnotes),
            references=tuple(references),
            sources=tuple(sources),
            document_texts=texts,
            errors=(*corpus.errors, *errors),
            set_aside=tuple(furniture),
        ),
        brief_ids=tuple(added),
    )


def _merge_sources(
    existing: list[Source], cited: Sequence[Source]
) -> tuple[list[Source], list[Source]]:
    """Sources already held gain the new citations; returns (all held, the ones not held)."""
    by_id = {s.id: i for i, s in enumerate(existing)}
    merged, fresh = list(existing), []
    for source in cited:
        at = by_id.get(source.id)
        if at is None:
            fresh.append(source)
            continue
        held = merged[at]
        extra = tuple(c for c in source.cited_by if c not in held.cited_by)
        merged[at] = replace(held, cited_by=held.cited_by + extra)
    return merged, fresh


def remove_brief(corpus: Corpus, brief_id: str) -> Corpus:
    """`corpus` without brief `brief_id`: its text, footnotes and reference list, its
    citations of sources, and the sources no other brief cites. `UnknownBriefError` naming the
    loaded briefs when there is no such brief."""
    briefs = [d for d in corpus.documents if d.kind == "brief"]
    if brief_id not in {d.id for d in briefs}:
        loaded = ", ".join(d.id for d in briefs) or "none"
        raise UnknownBriefError(f"unknown brief {brief_id!r}; loaded briefs: {loaded}")
    sources: list[Source] = []
    dropped = {brief_id}
    for source in corpus.sources:
        cited_by = tuple(c for c in source.cited_by if c.document_id != brief_id)
        if cited_by:
            sources.append(replace(source, cited_by=cited_by))
        elif source.document_id:
            dropped.add(source.document_id)
    return Corpus(
        documents=tuple(d for d in corpus.documents if d.id not in dropped),
        chunks=tuple(c for c in corpus.chunks if c.document_id not in dropped),
        footnotes=tuple(f for f in corpus.footnotes if f.document_id != brief_id),
        references=tuple(r for r in corpus.references if r.document_id != brief_id),
        sources=tuple(sources),
        document_texts={k: v for k, v in corpus.document_texts.items() if k not in dropped},
        errors=tuple(e for e in corpus.errors if not _names(e, corpus, brief_id)),
        set_aside=tuple(s for s in corpus.set_aside if s.document_id != brief_id),
    )


def _names(error: str, corpus: Corpus, brief_id: str) -> bool:
    """Is `error` (a warning recorded at ingest) about the brief being removed?"""
    origin = next((d.origin for d in corpus.documents if d.id == brief_id), None)
    return origin is not None and error.startswith(origin)


def _progress(items: list[Path], enabled: bool) -> Iterable[Path]:
    if not enabled or len(items) < 2 or not sys.stderr.isatty():
        return items
    from tqdm import tqdm

    return tqdm(items, desc="reading", unit="doc", file=sys.stderr)
