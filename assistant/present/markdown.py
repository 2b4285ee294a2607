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
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from assistant.records import Answer, Citation, Hit, Verdict
from ingest.records import Chunk, Document, note_label, superscript

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
    label = (f"Footnote {note_label(citation.number)}" if citation.number is not None
             else "Reference")
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
