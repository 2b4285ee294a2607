"""Footnotes and the reference list: URLs, cited pages, entry fields, and which reference each
footnote cites. Pure functions over reader output; nothing here knows a particular brief.

Conventions:

* URLs are returned as printed (a `#:~:text=` fragment included; normalisation for fetching
  happens in the sources stage). `<…>`-wrapped URLs are taken whole, with any whitespace a
  line wrap put inside removed; bare URLs lose trailing sentence punctuation and unbalanced
  closing brackets; a bare `www.` address gets `https://`.
* Cited pages are printed labels. A range is expanded: "pp. 42-45" → ("42","43","44","45")
  (abbreviated "pp. 142-45" too), because each label is a page a reader can open; a range over
  `MAX_RANGE` pages, or of roman numerals, keeps only its two ends.
* A reference entry reads `ORG. Title. Publisher, place, date. In: <URL> (accessed).`:
  organisation = text before the first ". " that does not end an initial ("U.S."), title = the
  `*italic*` part when the text still has one, else the next sentence; accessed = the last
  parenthesised date. An entry cut by a page break (a block holding only its URL, a block
  after one ending in ':', or one starting in lower case) is joined back.
* Linking: a footnote cites the reference with the same URL (loosely: scheme, `www.`, case,
  trailing slash, query-less fragment ignored); if several share it, the best title match wins.
  Without a URL match, the organisation must agree and the titles be ≥ 0.9 similar (difflib,
  case/space/punctuation-insensitive); a title ≥ `TITLE_ONLY` similar also links when the
  organisation is written differently ("OHCHR" vs "United Nations Human Rights").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from difflib import SequenceMatcher
from urllib.parse import unquote, urlsplit

from ingest.records import Block, Footnote, RawFootnote, Reference

MAX_RANGE = 100
TITLE_MATCH = 0.9
TITLE_ONLY = 0.97

REFERENCE_HEADINGS = frozenset(
    {
        "references", "reference list", "bibliography", "sources", "sources consulted",
        "works cited", "literature cited", "cited works", "referencias",
        "referencias bibliograficas", "bibliografia", "fuentes", "fuentes consultadas",
        "references bibliographiques", "bibliographie", "quellen", "literaturverzeichnis",
    }
)

# --- URLs ----------------------------------------------------------------------------------

_WRAPPED = re.compile(r"<\s*((?:https?|ftp)://[^<>]{1,2000}?|www\.[^<>\s]{1,2000}?)\s*>", re.I)
_BARE = re.compile(r"(?<![\w@/])(?:(?:https?|ftp)://|www\.)[^\s<>\"'“”‘’]+", re.I)
_TRAILING = ".,;:!?'\"»”’"
_PAIRS = {")": "(", "]": "[", "}": "{"}
# A bare URL cut at a line wrap right after "/" or "-", continued by a path-like token.
_WRAP_TAIL = re.compile(r"^\s([\w%~.\-/]*[./_%~\-][\w%~.\-/?=&#]*)")


def _trim(url: str) -> str:
    """Drop trailing punctuation that belongs to the sentence, not the URL."""
    while url:
        last = url[-1]
        unbalanced = last in _PAIRS and url.count(last) > url.count(_PAIRS[last])
        if last not in _TRAILING and not unbalanced:
            break
        url = url[:-1]
    return url


def extract_urls(text: str) -> tuple[str, ...]:
    """Every URL printed in `text`, in order of appearance, without duplicates."""
    found: list[tuple[int, str]] = []
    spans: list[tuple[int, int]] = []
    for match in _WRAPPED.finditer(text):
        found.append((match.start(), _scheme("".join(match.group(1).split()))))
        spans.append(match.span())
    for match in _BARE.finditer(text):
        if any(start <= match.start() < end for start, end in spans):
            continue
        url = match.group(0)
        if url[-1] in "/-":
            tail = _WRAP_TAIL.match(text[match.end() :])
            if tail and not _BARE.match(tail.group(1)):
                url += tail.group(1)
        found.append((match.start(), _scheme(_trim(url))))
    return tuple(dict.fromkeys(url for _, url in sorted(found) if url))


def _scheme(url: str) -> str:
    return f"https://{url}" if url.lower().startswith("www.") else url


def loose_url(url: str) -> str:
    """A URL's comparable form for matching citations: scheme, `www.`, case, trailing slash
    and fragment do not matter."""
    raw = "".join(url.split()).strip("<>")
    try:
        parts = urlsplit(raw if "://" in raw else f"https://{raw}")
    except ValueError:
        return raw.lower()
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = unquote(parts.path).rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{path}{query}"


# --- cited pages ---------------------------------------------------------------------------

_ROMAN = r"(?=[ivxlcdm])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_LABEL = rf"(?:\d{{1,5}}|{_ROMAN})"
_RANGE = rf"{_LABEL}(?:\s*(?:-|–|—|to|a)\s*{_LABEL})?"
_PAGES = re.compile(
    rf"(?<![A-Za-z])(?:pp?\.|pages?|págs?\.?|pags?\.|p(?=\d))\s*"
    rf"({_RANGE}(?:\s*(?:,|&|and|y)\s*{_RANGE})*)(?![\w/])",
    re.IGNORECASE,
)
_LOWER_P = re.compile(r"pp?\.|p(?=\d)")


def extract_pages(text: str) -> tuple[str, ...]:
    """Cited page labels: "p. 42" → ("42",); "pp. 42-45" → ("42", "43", "44", "45")."""
    for url in extract_urls(text):  # "…/p.42/…" inside a URL is not a page citation
        text = text.replace(url, " ")
    pages: list[str] = []
    for match in _PAGES.finditer(text):
        # "P. 42" is more likely an initial than a page: only lower-case "p." counts.
        keyword = text[match.start() : match.start(1)].strip()
        if keyword[:1] == "P" and _LOWER_P.fullmatch(keyword.lower()):
            continue
        for part in re.split(r"\s*(?:,|&|\band\b|\by\b)\s*", match.group(1)):
            pages.extend(_expand(part.strip()))
    return tuple(dict.fromkeys(p for p in pages if p))


def _expand(part: str) -> list[str]:
    ends = re.split(r"\s*(?:-|–|—|\bto\b|\ba\b)\s*", part)
    if len(ends) != 2:
        return [part]
    first, last = ends
    if not (first.isdigit() and last.isdigit()):
        return [first, last]
    start, stop = int(first), int(last)
    if stop < start and len(last) < len(first):  # "142-45" means 142 to 145
        stop = int(first[: len(first) - len(last)] + last)
    if stop < start or stop - start > MAX_RANGE:
        return [first, last]
    return [str(n) for n in range(start, stop + 1)]


def parse_footnote(raw: RawFootnote, document_id: str) -> Footnote:
    """A reader's footnote → `Footnote` with its URLs and cited pages (not yet linked)."""
    urls = list(extract_urls(raw.text))
    seen = {loose_url(u) for u in urls}
    for link in raw.links:  # link targets the text does not show
        if loose_url(link) not in seen and re.match(r"https?://", link, re.I):
            seen.add(loose_url(link))
            urls.append(link)
    return Footnote(
        number=raw.number,
        text=raw.text,
        urls=tuple(urls),
        pages=extract_pages(raw.text),
        document_id=document_id,
        printed_on_page=raw.page,
    )


# --- reference list ------------------------------------------------------------------------

# An optional section number ("7.", "VII)", "2.1 ") before the name, a colon or dot after it.
_SECTION_LABEL = re.compile(
    r"^\s*(?:(?:\d+(?:\.\d+)*|[ivxlcdm]+)[.)]?\s+)?(.*?)\s*[:.]?\s*$", re.I
)
_ONLY_URL = re.compile(
    r"^\s*<?\s*(?:(?:https?|ftp)://|www\.)\S+\s*>?\s*[.,;]?\s*(?:\([^()]{0,40}\)\s*\.?)?\s*$",
    re.I,
)
_ENTRY_LABEL = re.compile(r"^\s*(?:\[\d{1,3}\]|\d{1,3}[.)])\s+")
_ACCESSED = re.compile(
    r"\(\s*(?:(?:accessed|retrieved|consulted|consultado|visitado|recuperado)"
    r"(?:\s+(?:on|el|en))?:?\s*)?"
    r"(\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{4}-\d{2}-\d{2}|"
    r"\d{1,2}\s+(?:de\s+)?[A-Za-zÀ-ÿ]+\.?\s+(?:de\s+)?\d{4}|[A-Za-z]+\.?\s+\d{1,2},\s*\d{4})\s*\)",
    re.I,
)
# The span is bounded: an unbounded lazy `.+?` rescans to the end of the text for every
# unmatched `*`/`_`, which is quadratic on hostile input.
_ITALIC = re.compile(r"(?<![\w*])[*_](?=\S)([^*_\n]{1,400}?)(?<=\S)[*_](?![\w*])")
# A sentence end: ". " "? " "! " not closing a one-letter initial ("U.S. ", "J. ").
_SENTENCE_END = re.compile(r"(?<!\b[A-Z])(?<!\b[A-Z]\.[A-Z])[.?!]\s+")


def _fold(text: str) -> str:
    """Case/accent/punctuation/space-insensitive form for comparing names and titles."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def find_reference_section(blocks: Sequence[Block]) -> tuple[int, int] | None:
    """Block index range `(start, end)` of the reference list: the blocks after the last
    heading named like "References" / "Bibliography" / "Works cited" / "Referencias", up to
    the next heading. A short paragraph holding only such a name counts as the heading."""
    found: int | None = None
    for index, block in enumerate(blocks):
        if block.kind not in ("heading", "paragraph") or len(block.text) > 60:
            continue
        label = _SECTION_LABEL.match(block.text)
        if label and _fold(label.group(1)) in REFERENCE_HEADINGS:
            found = index
    if found is None:
        return None
    end = next(
        (i for i in range(found + 1, len(blocks)) if blocks[i].kind == "heading"), len(blocks)
    )
    return found + 1, end


def _is_continuation(previous: str, block: Block) -> bool:
    text = block.text.strip()
    return bool(
        _ONLY_URL.match(text)
        or previous.rstrip().endswith(":")
        or (text[:1].islower() and not re.match(r"(?:https?|ftp)://|www\.", text, re.I))
    )


def split_entry(text: str) -> tuple[str, str]:
    """(organisation, title) of a citation `ORG. *Title*. Publisher…` (either may be "")."""
    text = _ENTRY_LABEL.sub("", text).strip()
    italic = _ITALIC.search(text)
    first = _SENTENCE_END.search(text)
    if first is None:
        return "", (italic.group(1).strip() if italic else "")
    organisation = _ITALIC.sub(r"\1", text[: first.start()]).strip()
    if italic and italic.start() >= first.start():
        return organisation, italic.group(1).strip()
    rest = text[first.end() :]
    second = _SENTENCE_END.search(rest)
    title = rest[: second.start() + 1 if second else len(rest)].strip()
    title = title.rstrip(".").strip() if title.endswith(".") else title
    return organisation, _ITALIC.sub(r"\1", title)


def parse_references(blocks: Sequence[Block], document_id: str = "") -> tuple[Reference, ...]:
    """Entries of the reference list of brief `document_id` (the blocks
    `find_reference_section` points at)."""
    entries: list[str] = []
    for block in blocks:
        if block.kind == "heading":
            break
        text = block.text.strip()
        if not text:
            continue
        if entries and _is_continuation(entries[-1], block):
            entries[-1] = f"{entries[-1]} {text}"
        else:
            entries.append(text)
    references: list[Reference] = []
    for index, text in enumerate(entries, start=1):
        organisation, title = split_entry(text)
        urls = extract_urls(text)
        accessed = _ACCESSED.findall(text)
        references.append(
            Reference(
                index=index,
                text=text,
                title=title,
                organisation=organisation,
                url=urls[0] if urls else None,
                accessed=accessed[-1] if accessed else None,
                document_id=document_id,
            )
        )
    return tuple(references)


# --- linking -------------------------------------------------------------------------------


_TITLE_COMPARE_CHARS = 300  # titles are short; difflib is quadratic on long hostile strings


def _title_score(a: str, b: str) -> float:
    a, b = _fold(a)[:_TITLE_COMPARE_CHARS], _fold(b)[:_TITLE_COMPARE_CHARS]
    if not a or not b:
        return 0.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    # The cheap upper bounds rule out most pairs before the quadratic ratio().
    if matcher.real_quick_ratio() < TITLE_MATCH or matcher.quick_ratio() < TITLE_MATCH:
        return matcher.quick_ratio() * 0.5
    return matcher.ratio()


def _same_organisation(a: str, b: str) -> bool:
    """"ICAT" agrees with "Inter-Agency Coordination Group … (ICAT)"; case/punctuation free."""
    a, b = _fold(a), _fold(b)
    if not a or not b:
        return False
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return re.search(rf"\b{re.escape(short)}\b", long) is not None


def link_footnotes(
    footnotes: Sequence[Footnote], references: Sequence[Reference]
) -> tuple[Footnote, ...]:
    """Set each footnote's `reference` to the `Reference.index` it cites (None if none does)."""
    by_url: dict[str, list[Reference]] = {}
    for reference in references:
        if reference.url:
            by_url.setdefault(loose_url(reference.url), []).append(reference)
    linked: list[Footnote] = []
    for footnote in footnotes:
        organisation, title = split_entry(footnote.text)
        candidates = [r for u in footnote.urls for r in by_url.get(loose_url(u), [])]
        match: Reference | None = None
        if candidates:
            match = max(candidates, key=lambda r: (_title_score(title, r.title), -r.index))
        else:
            best = 0.0
            for reference in references:
                score = _title_score(title, reference.title)
                agrees = _same_organisation(organisation, reference.organisation)
                good = (score >= TITLE_MATCH and agrees) or score >= TITLE_ONLY
                if good and score > best:
                    best, match = score, reference
        linked.append(replace(footnote, reference=match.index if match else None))
    return tuple(linked)
