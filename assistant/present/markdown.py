"""Turn answer records into safe Markdown for the web UI (pure functions, no Gradio import).

Passage text comes from fetched web pages and is untrusted. Everything taken from a record is
escaped before it reaches Markdown: HTML-active characters become entities, Markdown-active
characters are backslash-escaped, so a passage can never open a tag, a link or an image.
The only HTML emitted (`<details>`/`<summary>`) is built here from fixed strings and numbers.
Links are emitted only for `http`/`https` URLs, percent-encoded so they cannot break out of
the Markdown link syntax. Verbatim citation texts go into fenced code blocks, which render
literally and give the reader a copy button.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from assistant.records import Answer, Citation, CitationLookup, Hit, Verdict
from ingest.records import Chunk, Document, Footnote, Reference, Source, superscript

ChatMessage = dict[str, Any]

# Characters that can start Markdown syntax anywhere in a line. `.`/`-`/`+`/`#`/`=` only matter
# at the start of a line and are handled by _LINE_START below, which keeps copied text readable.
_INLINE_ACTIVE = re.compile(r"([\\`*_\[\]|~$])")
_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])", re.MULTILINE)
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
# What Gradio's Markdown renderer (marked, GitHub-flavoured) turns into a link by itself: a
# bare `http://`, `https://`, `ftp://` or `www.`, and an e-mail address. Backslash-escaping
# one punctuation character of each (`https\://`, `www\.`, `a\@b.org`) leaves the rendered
# and copied text exactly as it was, but no longer matches: only citations carry links.
_AUTOLINK = re.compile(r"(?i)(https?|ftp)(:)(?=//)|(www)(\.)|(@)")
_MARK_OPEN, _MARK_CLOSE = "<mark>", "</mark>"

# Glyphs from common text fonts (DejaVu, Segoe UI Symbol): colour emoji are missing on many
# Linux desktops and headless browsers, where they show as empty boxes.
VERDICT_BADGES: dict[str, str] = {
    "supported": "✔ **Supported**",
    "contradicted": "✘ **Contradicted**",
    "not_found": "⊘ **Not found**",
}
WARNING = "⚠"
NOTICE = "ℹ"

STATUS_LABELS: dict[str, str] = {
    "fetched": "fetched",
    "cached": "cached",
    "mirror": "mirror",
    "offline": "offline",
    "failed": "failed",
    "no_url": "no URL",
    "pending": "not fetched",
}


def escape_markdown(text: str) -> str:
    """Make `text` render literally in Markdown (and as inert text if parsed as HTML)."""
    text = "".join(_HTML.get(ch, ch) for ch in text)
    text = _INLINE_ACTIVE.sub(r"\\\1", text)
    text = _AUTOLINK.sub(_break_autolink, text)
    # "1. " or "- " at a line start would become a list; "# " a heading; "> " a quote.
    return _LINE_START.sub(lambda m: m.group(1) + _escape_line_start(m.group(2)), text)


def _break_autolink(match: re.Match[str]) -> str:
    if match.group(1):
        return match.group(1) + "\\:"
    if match.group(3):
        return match.group(3) + "\\."
    return "\\@"


def _escape_line_start(token: str) -> str:
    if token[:1].isdigit():
        return token[:-1] + "\\" + token[-1]
    return "\\" + token


def safe_url(url: str | None) -> str | None:
    """`url` percent-encoded for a Markdown link, or None unless it is plain http(s)."""
    if not url:
        return None
    url = url.strip()
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if any(ch.isspace() for ch in parts.netloc):
        return None
    # Keep URL syntax and existing %-escapes; encode what could end the Markdown link or quote.
    return quote(url, safe=":/?#@!$&*+,;=%~-._")


def page_url(url: str | None, page: str | None, *, pdf: bool) -> str | None:
    """A safe link to `url`, opened at `page` when it is a PDF and the page is a number."""
    link = safe_url(url)
    if link is None:
        return None
    if pdf and page and page.strip().isdigit():
        parts = urlsplit(link)
        link = urlunsplit(parts._replace(fragment=f"page={int(page)}"))
    return link


def is_pdf(url: str | None, content_type: str | None = None) -> bool:
    if content_type and "pdf" in content_type.lower():
        return True
    return bool(url) and urlsplit(url or "").path.lower().endswith(".pdf")


def markdown_link(label: str, url: str | None) -> str:
    """`[label](url)` for a safe URL; the escaped label alone otherwise."""
    link = safe_url(url)
    if link is None:
        return escape_markdown(label)
    return f"[{escape_markdown(label)}]({link})"


def code_block(text: str, info: str = "text") -> str:
    """A fenced code block that shows `text` verbatim, whatever backticks it contains."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"


def _quote(text: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in text.split("\n"))


# ------------------------------------------------------------------ passages


def passage_markdown(chunk: Chunk, highlights: Sequence[tuple[int, int]] = ()) -> str:
    """The passage escaped, with superscript footnote markers and best-matching sentences marked.

    Highlights use `<mark>` rather than `**`: Markdown emphasis fails next to punctuation and
    superscripts ("victims.**⁵"), and the tag is ours, around already-escaped text.
    """
    events: list[tuple[int, int, str]] = []  # (offset, order, what)
    for start, end in highlights:
        start, end = _trim(chunk.text, start, end)
        if start < end:
            events.append((start, 2, _MARK_OPEN))
            events.append((end, 1, _MARK_CLOSE))
    for marker in chunk.markers:
        # A marker right after a highlighted sentence stays inside the highlight.
        events.append((marker.offset, 0, superscript(marker.number)))
    events.sort(key=lambda e: (e[0], e[1]))
    out: list[str] = []
    last, depth = 0, 0
    for offset, _order, what in events:
        offset = max(last, min(offset, len(chunk.text)))
        out.append(escape_markdown(chunk.text[last:offset]))
        last = offset
        # Overlapping highlight spans must not produce nested or unbalanced tags.
        if what == _MARK_OPEN:
            depth += 1
            if depth > 1:
                continue
        elif what == _MARK_CLOSE:
            depth -= 1
            if depth > 0:
                continue
        out.append(what)
    out.append(escape_markdown(chunk.text[last:]))
    return "".join(out)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    start, end = max(0, start), min(len(text), end)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def short_title(title: str, limit: int = 60) -> str:
    """`title` cut at a word boundary to about `limit` characters (headers repeat it often)."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[:limit].rsplit(" ", 1)[0] if " " in title[:limit] else title[:limit]
    return cut.rstrip(" ,.;:—-") + "…"


def where(hit: Hit) -> str:
    """"Brief title · Section › Sub · p. 3", escaped."""
    parts = [escape_markdown(short_title(hit.document.title or hit.document.id))]
    if hit.chunk.section:
        # Headings are printed with a trailing colon ("Current issue:"); not in a breadcrumb.
        path = " › ".join(part.rstrip(" :") for part in hit.chunk.section)
        parts.append(escape_markdown(path))
    if hit.chunk.pages:
        parts.append("p. " + escape_markdown(hit.chunk.pages))
    return " · ".join(parts)


def document_link(document: Document, page: str | None) -> str | None:
    """Link to the document's public URL at `page`, when it has one."""
    pdf = is_pdf(document.url, document.content_type)
    link = page_url(document.url, page, pdf=pdf)
    if link is None:
        return None
    label = f"open source, p. {page}" if pdf and page and page.isdigit() else "open source"
    return f"[{label}]({link})"


def citation_label(citation: Citation, own_brief: str | None = None) -> str:
    """"Footnote 5", or "Footnote 5 of <brief>" when the citation is not `own_brief`'s (a
    source passage, which every citing brief cites with its own numbers)."""
    label = f"Footnote {citation.number}" if citation.number is not None else "Reference"
    if citation.brief_id and citation.brief_id != own_brief:
        label += f" of {short_title(citation.brief_title or citation.brief_id)}"
    return label


def citation_markdown(citation: Citation, own_brief: str | None = None) -> str:
    """One citation: its label, the verbatim text in a copyable code block, and its link."""
    head = f"**{escape_markdown(citation_label(citation, own_brief))}**"
    if citation.page:
        head += f" · cited page {escape_markdown(citation.page)}"
    lines = [head, "", code_block(citation.text)]
    link = page_url(citation.url, citation.page, pdf=is_pdf(citation.url))
    if link is not None:
        label = f"cited source, p. {citation.page}" if "#page=" in link else "cited source"
        lines += ["", f"[{escape_markdown(label)}]({link})"]
    return "\n".join(lines)


def _details(summary: str, body: str) -> str:
    # `summary` is always built from fixed strings and numbers; blank lines let Markdown
    # inside the HTML block render.
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


def citations_summary(citations: Sequence[Citation]) -> str:
    numbers = [superscript(c.number) for c in citations if c.number is not None]
    references = sum(1 for c in citations if c.number is None)
    parts = []
    if numbers:
        parts.append(("Footnote " if len(numbers) == 1 else "Footnotes ") + " ".join(numbers))
    if references:
        parts.append("reference" if references == 1 else f"{references} references")
    return " and ".join(parts) + " (verbatim)"


def hit_markdown(hit: Hit, trail: Sequence[Hit] = (), *, number: int | None = None) -> str:
    """A retrieved passage: where it is from, the passage, its citations, the cited source."""
    n = hit.rank if number is None else number
    kind = "Brief" if hit.document.kind == "brief" else "Source"
    head = f"**[{n}] {kind}** · {where(hit)}"
    link = document_link(hit.document, hit.chunk.page_start)
    if link:
        head += f" · {link}"
    parts = [head, "", _quote(passage_markdown(hit.chunk, hit.highlights))]
    if hit.citations:
        # A brief passage cites its own brief's notes; a source passage names the citing brief.
        own = hit.document.id if hit.document.kind == "brief" else None
        body = "\n\n".join(citation_markdown(c, own) for c in hit.citations)
        parts += ["", _details(citations_summary(hit.citations), body)]
    if trail:
        body = "\n\n".join(_trail_markdown(t) for t in trail)
        label = "What the cited source says"
        if len(trail) > 1:
            label += f" ({len(trail)} passages)"
        parts += ["", _details(label, body)]
    return "\n".join(parts)


def _trail_markdown(hit: Hit) -> str:
    head = f"_{where(hit)}_"
    link = document_link(hit.document, hit.chunk.page_start)
    if link:
        head += f" · {link}"
    return head + "\n\n" + _quote(passage_markdown(hit.chunk, hit.highlights))


# ------------------------------------------------------------------ answers


def answer_summary(answer: Answer) -> str:
    """The reply's first message: the direct answer (or why there is none) and any notice."""
    lines: list[str] = []
    if answer.notice:
        lines += [f"{NOTICE} _{escape_markdown(answer.notice)}_", ""]
    if not answer.hits:
        lines.append("No passage in the index matches this question.")
        return "\n".join(lines).strip()
    if answer.direct_answer:
        lines.append(f"**Answer:** {escape_markdown(answer.direct_answer)}")
        source = next((h for h in answer.hits if h.rank == answer.direct_answer_hit), None)
        if source is not None:
            lines += ["", f"_— from passage [{source.rank}]: {where(source)}_"]
    else:
        lines.append("No single sentence answers this; the closest passages are below.")
    lines += ["", f"{len(answer.hits)} passage(s) below, each with its footnotes."]
    return "\n".join(lines).strip()


def answer_messages(answer: Answer) -> list[ChatMessage]:
    """Chat messages for one reply: the direct answer, then one message per passage."""
    messages: list[ChatMessage] = [{"role": "assistant", "content": answer_summary(answer)}]
    for hit in answer.hits:
        trail = answer.trail.get(hit.rank, ())
        messages.append({"role": "assistant", "content": hit_markdown(hit, trail)})
    return messages


def error_message(text: str) -> ChatMessage:
    return {"role": "assistant", "content": warning(text)}


def warning(text: str) -> str:
    """An error or problem, escaped, for any Markdown output."""
    return f"{WARNING} {escape_markdown(text)}"


# ------------------------------------------------------------------ verdicts


def verdict_badge(verdict: Verdict) -> str:
    return VERDICT_BADGES.get(verdict.verdict, "⊘ **" + escape_markdown(verdict.verdict) + "**")


def verdict_markdown(verdict: Verdict) -> tuple[str, str, str]:
    """(badge, reason, evidence) Markdown for the claim-check tab."""
    reason = escape_markdown(verdict.reason)
    if verdict.evidence:
        evidence = "\n\n---\n\n".join(
            hit_markdown(h, number=i) for i, h in enumerate(verdict.evidence, 1)
        )
    else:
        evidence = "_No passage in the index bears on this claim._"
    return verdict_badge(verdict), reason, evidence


# ------------------------------------------------------------------ footnotes & sources

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
                label=f"Footnote {note.number}{of(note.document_id)}",
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

