"""Collect the sources a brief cites: one `Source` per distinct URL (or, without one, per title).

Footnotes and reference entries often cite the same page several times (a report cited for
different pages, a URL with and without a highlight fragment). They are merged into one
`Source` whose `cited_by` remembers every footnote (with its pages) and reference entry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ingest.records import Footnote, Reference, Source, SourceCitation
from ingest.sources.urls import normalise_title, normalise_url, short_hash, slugify, url_slug

_Key = tuple[str, str]  # ("url", normalised URL) or ("title", normalised title)
_Cite = tuple[int, str, int]  # (brief's position, brief's document id, footnote/entry number)


@dataclass
class _Group:
    url: str | None
    # Reference titles are the cleanest names the brief gives; footnote text is a fallback.
    reference_titles: list[str] = field(default_factory=list)
    footnote_titles: list[str] = field(default_factory=list)
    footnotes: dict[_Cite, list[str]] = field(default_factory=dict)  # → pages, in order
    references: set[_Cite] = field(default_factory=set)


def source_id(url: str | None, title: str) -> str:
    """Stable id: a readable slug plus a short hash of the normalised URL (or title)."""
    if url is not None:
        return f"{url_slug(url)}-{short_hash(url)}"
    return f"{slugify(title) or 'source'}-{short_hash(normalise_title(title))}"


def footnote_title(text: str) -> str:
    """A title for a footnote that names a work without URL or reference entry.

    Uses the emphasised title when the footnote has one (`*Title*`), else the whole text:
    the mirror lookup only needs something a mirror entry's title can match.
    """
    emphasised = re.search(r"\*([^*]+)\*", text)
    if emphasised:
        return emphasised.group(1).strip()
    return " ".join(text.replace("*", "").split())


def collect_sources(
    footnotes: Sequence[Footnote], references: Sequence[Reference]
) -> tuple[Source, ...]:
    """Merge the briefs' footnotes and reference entries into distinct cited sources.

    A source cited by several briefs is one source (fetched and indexed once) whose
    `cited_by` names each citing brief. Order: by the first footnote that cites a source
    (briefs in the order given), then sources cited only by reference lists, in list order.
    """
    groups: dict[_Key, _Group] = {}
    briefs: dict[str, int] = {}
    for brief in [*(f.document_id for f in footnotes), *(r.document_id for r in references)]:
        briefs.setdefault(brief, len(briefs))
    by_reference = {(r.document_id, r.index): r for r in references}

    def group_for(url: str | None, title: str) -> _Group:
        key: _Key = ("url", url) if url is not None else ("title", normalise_title(title))
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(url=url)
        return group

    def reference_group(ref: Reference) -> _Group:
        url = normalise_url(ref.url) if ref.url else None
        group = group_for(url, ref.title)
        if ref.title and ref.title not in group.reference_titles:
            group.reference_titles.append(ref.title)
        return group

    def cite_footnote(group: _Group, note: Footnote) -> None:
        key = (briefs[note.document_id], note.document_id, note.number)
        pages = group.footnotes.setdefault(key, [])
        pages.extend(p for p in note.pages if p not in pages)

    for note in sorted(footnotes, key=lambda f: (briefs[f.document_id], f.number)):
        linked = (
            by_reference.get((note.document_id, note.reference))
            if note.reference is not None
            else None
        )
        if note.urls:
            for url in dict.fromkeys(normalise_url(u) for u in note.urls):
                group = group_for(url, "")
                group.footnote_titles.append(footnote_title(note.text))
                cite_footnote(group, note)
        elif linked is not None:
            cite_footnote(reference_group(linked), note)
        else:
            title = footnote_title(note.text)
            group = group_for(None, title)
            group.footnote_titles.append(title)
            cite_footnote(group, note)

    for ref in sorted(references, key=lambda r: (briefs[r.document_id], r.index)):
        reference_group(ref).references.add((briefs[ref.document_id], ref.document_id, ref.index))

    sources: list[Source] = []
    for group in groups.values():
        titles = group.reference_titles + group.footnote_titles
        title = titles[0] if titles else (group.url or "")
        cited: list[SourceCitation] = [
            SourceCitation(footnote=number, pages=tuple(pages), document_id=brief)
            for (_, brief, number), pages in sorted(group.footnotes.items())
        ]
        cited.extend(
            SourceCitation(reference=index, document_id=brief)
            for _, brief, index in sorted(group.references)
        )
        sources.append(
            Source(
                id=source_id(group.url, title),
                url=group.url,
                title=title,
                cited_by=tuple(cited),
                status="pending" if group.url is not None else "no_url",
            )
        )
    return tuple(sources)
