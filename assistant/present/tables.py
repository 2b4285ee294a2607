"""The Footnotes & sources tab's Markdown and tables: one row per footnote and reference entry,
the search scopes, the index line, and footnote lookups (pure functions, no Gradio import).
Everything taken from a record is escaped with `assistant.present.markdown`'s helpers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assistant.present.markdown import (
    code_block,
    escape_markdown,
    hit_markdown,
    is_pdf,
    markdown_link,
    page_url,
    short_title,
)
from assistant.records import CitationLookup, Hit
from ingest.records import Document, Footnote, Reference, Source, note_label, superscript

# ------------------------------------------------------------------ footnotes & sources

STATUS_LABELS: dict[str, str] = {
    "fetched": "fetched",
    "cached": "cached",
    "mirror": "mirror",
    "offline": "offline",
    "failed": "failed",
    "no_url": "no URL",
    "pending": "not fetched",
}

CITATION_HEADERS = ["Cited as", "Text (verbatim)", "URL", "Status", "Detail"]


@dataclass(frozen=True)
class CitationRow:
    """One row of the footnotes & sources table; `footnote` is set for footnote rows."""

    label: str
    text: str
    url: str
    status: str
    detail: str
    footnote: int | None = None
    reference: int | None = None
    brief: str = ""  # the brief whose footnote or reference entry this is

    @property
    def footnote_key(self) -> str | None:
        """The footnote picker's value for this row ("brief-id:5")."""
        return footnote_key(self.brief, self.footnote) if self.footnote is not None else None

    def cells(self) -> list[str]:
        return [self.label, self.text, self.url, self.status, self.detail]


def footnote_key(brief: str, number: int) -> str:
    return f"{brief}:{number}"


def citation_rows(
    footnotes: Iterable[Footnote],
    references: Iterable[Reference],
    sources: Iterable[Source],
    briefs: Sequence[Document] = (),
) -> list[CitationRow]:
    """Every footnote, then every reference entry, with the fetch status of what it cites;
    brief by brief (labelled with the brief when `briefs` holds more than one)."""
    by_footnote: dict[tuple[str, int], list[Source]] = {}
    by_reference: dict[tuple[str, int], list[Source]] = {}
    for source in sources:
        for cite in source.cited_by:
            if cite.footnote is not None:
                by_footnote.setdefault((cite.document_id, cite.footnote), []).append(source)
            if cite.reference is not None:
                by_reference.setdefault((cite.document_id, cite.reference), []).append(source)
    order = {d.id: i for i, d in enumerate(briefs)}
    titles = {d.id: short_title(d.title or d.id, 40) for d in briefs} if len(briefs) > 1 else {}

    def of(brief: str) -> str:
        return f" · {titles[brief]}" if brief in titles else ""

    rows: list[CitationRow] = []
    for note in sorted(footnotes, key=lambda f: (order.get(f.document_id, 0), f.number)):
        key = (note.document_id, note.number)
        cited = by_footnote.get(key) or (
            by_reference.get((note.document_id, note.reference), [])
            if note.reference is not None
            else []
        )
        url = note.urls[0] if note.urls else _first_url(cited)
        status, detail = _status(cited, url)
        if note.pages:
            detail = "; ".join(x for x in (f"p. {', '.join(note.pages)}", detail) if x)
        rows.append(
            CitationRow(
                label=f"Footnote {note_label(note.number)}{of(note.document_id)}",
                text=note.text,
                url=url or "",
                status=status,
                detail=detail,
                footnote=note.number,
                reference=note.reference,
                brief=note.document_id,
            )
        )
    for ref in sorted(references, key=lambda r: (order.get(r.document_id, 0), r.index)):
        cited = by_reference.get((ref.document_id, ref.index), [])
        url = ref.url or _first_url(cited)
        status, detail = _status(cited, url)
        rows.append(
            CitationRow(
                label=f"Reference {ref.index}{of(ref.document_id)}",
                text=ref.text,
                url=url or "",
                status=status,
                detail=detail,
                reference=ref.index,
                brief=ref.document_id,
            )
        )
    return rows


def _first_url(sources: Sequence[Source]) -> str | None:
    return next((s.url for s in sources if s.url), None)


def _status(sources: Sequence[Source], url: str | None) -> tuple[str, str]:
    if not sources:
        # Sources are only collected when ingest fetched; say why there is no status.
        return ("no URL", "") if not url else ("not fetched", "")
    labels = sorted({STATUS_LABELS.get(s.status, s.status) for s in sources})
    details = [s.reason for s in sources if s.reason]
    details += [
        f"{s.chunk_count} passage{'s' if s.chunk_count != 1 else ''} indexed"
        for s in sources
        if s.chunk_count
    ]
    return " / ".join(labels), "; ".join(dict.fromkeys(details))


def footnote_choices(
    footnotes: Iterable[Footnote], briefs: Sequence[Document] = ()
) -> list[tuple[str, str]]:
    """(label, "brief-id:number") pairs for a footnote picker, brief by brief; labels name
    the brief when `briefs` holds more than one."""
    order = {d.id: i for i, d in enumerate(briefs)}
    titles = {d.id: short_title(d.title or d.id, 30) for d in briefs} if len(briefs) > 1 else {}
    out = []
    for note in sorted(footnotes, key=lambda f: (order.get(f.document_id, 0), f.number)):
        text = " ".join(note.text.split())
        prefix = f"{titles[note.document_id]}: " if note.document_id in titles else ""
        label = f"{prefix}{superscript(note.number)} {text[:70]}{'…' if len(text) > 70 else ''}"
        out.append((label, footnote_key(note.document_id, note.number)))
    return out


def hits_section(title: str, hits: Sequence[Hit], empty: str) -> str:
    """A titled list of passages (escaped), used by the footnote lookup."""
    if not hits:
        return f"#### {title}\n\n_{empty}_"
    body = "\n\n---\n\n".join(hit_markdown(h, number=i) for i, h in enumerate(hits, 1))
    return f"#### {title}\n\n{body}"


def documents_choices(
    documents: Iterable[Document], sources: Iterable[Source] = ()
) -> list[tuple[str, str]]:
    """"Search in" choices: everything, the briefs, the sources, then each brief followed by
    the sources it cites. With several briefs, each also gets "<brief> and its sources"
    (value `brief:<id>`, the same scope as `--brief`)."""
    docs = list(documents)
    by_id = {d.id: d for d in docs}
    briefs = sorted((d for d in docs if d.kind == "brief"), key=lambda d: _title(d).lower())
    cited: dict[str, list[Document]] = {b.id: [] for b in briefs}
    listed: set[str] = set()
    for source in sources:
        doc = by_id.get(source.document_id or "")
        if doc is None:
            continue
        for citing in dict.fromkeys(c.document_id for c in source.cited_by):
            if citing in cited and doc not in cited[citing]:
                cited[citing].append(doc)
    several = len(briefs) > 1
    choices = [("Everything (briefs and cited sources)" if several
                else "Everything (brief and cited sources)", "all"),
               ("The briefs only" if several else "The brief only", "brief")]
    if any(d.kind == "source" for d in docs):
        choices.append(("Cited sources only", "sources"))
    for brief in briefs:
        own = sorted(cited[brief.id], key=lambda d: _title(d).lower())
        if several and own:  # without sources, "the brief and its sources" is the brief
            plural = "s" if len(own) > 1 else ""
            label = f"{_title(brief)[:66]} and the {len(own)} source{plural} it cites"
            choices.append((label, f"brief:{brief.id}"))
        choices.append((f"Brief: {_title(brief)[:80]}", f"doc:{brief.id}"))
        for doc in own:
            if doc.id in listed:  # a source two briefs cite is listed under the first
                continue
            listed.add(doc.id)
            choices.append((f"↳ Source: {_title(doc)[:76]}", f"doc:{doc.id}"))
    for doc in sorted(docs, key=lambda d: _title(d).lower()):
        if doc.kind == "source" and doc.id not in listed:  # indexed, cited by no loaded brief
            choices.append((f"Source: {_title(doc)[:80]}", f"doc:{doc.id}"))
    return choices


def _title(doc: Document) -> str:
    return " ".join((doc.title or doc.id).split())


def index_status(
    documents: Sequence[Document],
    footnotes: Sequence[Footnote],
    references: Sequence[Reference],
    sources: Sequence[Source],
    chunk_count: int,
) -> str:
    """One line under the title saying what the index holds."""
    briefs = [d for d in documents if d.kind == "brief"]
    names = ", ".join(escape_markdown(" ".join((d.title or d.id).split())) for d in briefs)
    indexed = sum(1 for s in sources if s.document_id)
    fetched = (
        f"{indexed} of {len(sources)} cited sources indexed"
        if sources
        else "cited sources not fetched"
    )
    return (
        f"_Index: {names or 'no brief'} — {len(footnotes)} footnotes, {len(references)} "
        f"references, {fetched}, {chunk_count} passages._"
    )


def reference_markdown(row: CitationRow, citing_footnotes: Sequence[int]) -> str:
    """A reference-list entry: verbatim text, link, status and the footnotes that cite it."""
    lines = [f"### {escape_markdown(row.label)}", "", code_block(row.text)]
    if row.url:
        lines += ["", markdown_link(row.url, row.url)]
    lines += ["", f"Status: **{escape_markdown(row.status)}**"]
    if row.detail:
        lines[-1] += f" — {escape_markdown(row.detail)}"
    if citing_footnotes:
        marks = ", ".join(superscript(n) for n in citing_footnotes)
        lines += ["", f"Cited in the text by footnote(s) {marks}: pick one above to see where."]
    else:
        lines += ["", "_No footnote of the brief points to this entry._"]
    return "\n".join(lines)


def lookups_markdown(lookups: Sequence[CitationLookup]) -> str:
    """Each brief's footnote N (several briefs loaded), one after the other, labelled."""
    labelled = len(lookups) > 1
    return "\n\n---\n\n".join(lookup_markdown(lookup, labelled=labelled) for lookup in lookups)


def lookup_markdown(lookup: CitationLookup, *, labelled: bool = False) -> str:
    """A footnote in full: copyable citation, cited pages and source, the passages citing it,
    and what the source says on the cited page(s). `labelled`: name its brief."""
    of = f" of {escape_markdown(lookup.brief_title)}" if labelled and lookup.brief_title else ""
    lines = [f"### Footnote {superscript(lookup.number)}{of}", "", code_block(lookup.citation)]
    facts: list[str] = []
    if lookup.pages:
        facts.append("cites p. " + escape_markdown(", ".join(lookup.pages)))
    first_page = lookup.pages[0] if lookup.pages else None
    link = page_url(lookup.url, first_page, pdf=is_pdf(lookup.url))
    if link is not None:
        label = f"cited source, p. {first_page}" if "#page=" in link else "cited source"
        facts.append(f"[{escape_markdown(label)}]({link})")
    if lookup.source_title:
        facts.append("source: " + escape_markdown(lookup.source_title))
    if lookup.source_status:
        facts.append("status: **" + escape_markdown(lookup.source_status) + "**")
    if facts:
        lines += ["", " · ".join(facts)]
    if lookup.reference:
        number = f" {lookup.reference_index}" if lookup.reference_index is not None else ""
        lines += ["", f"Reference list entry{number}:", "", code_block(lookup.reference)]
    lines += [
        "",
        hits_section(
            f"Passages of the brief that cite it ({len(lookup.brief_passages)})",
            lookup.brief_passages,
            "No passage of the brief carries this marker.",
        ),
    ]
    where_cited = f" on p. {escape_markdown(', '.join(lookup.pages))}" if lookup.pages else ""
    lines += [
        "",
        hits_section(
            f"What the source says{where_cited}",
            lookup.source_passages,
            "The cited source is not indexed (see its status), so there is nothing to show.",
        ),
    ]
    return "\n".join(lines)

