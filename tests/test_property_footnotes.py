"""Property-based tests: the footnote parser and the text reader on generated input.

The parser functions take arbitrary printed text (any brief, any language, OCR noise), so they
must never raise, and what they report must come from the text: a URL is in the text (modulo
the documented clean-ups: whitespace a line wrap put inside it, `https://` before a bare
`www.`), a cited page is printed there (or lies inside a printed range).
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingest.footnotes import (
    MAX_RANGE,
    extract_pages,
    extract_urls,
    link_footnotes,
    loose_url,
    parse_footnote,
    parse_references,
)
from ingest.readers.text import TextReader
from ingest.records import Block, Footnote, Marker, RawFootnote, Reference, superscript

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# The composite strategies are costlier per example; fewer examples keep the file under ~10 s.
FEWER = settings(SETTINGS, max_examples=60)

# Text that looks like footnotes: words, URLs (bare, <wrapped>, www.), page citations,
# punctuation, brackets, line breaks, unicode; plus fully arbitrary text.
_WORD = st.text(alphabet=string.ascii_letters + "áéíñü", min_size=1, max_size=10)
_HOST = st.from_regex(r"[a-z]{1,10}\.(org|int|com|net)", fullmatch=True)
_PATH = st.from_regex(r"(/[A-Za-z0-9_\-.%~]{0,12}){0,3}(\?[a-z]=[0-9]{1,3})?(#[a-z:~=]{0,8})?",
                      fullmatch=True)
_URL = st.builds(lambda s, h, p: f"{s}{h}{p}", st.sampled_from(["https://", "http://", "www."]),
                 _HOST, _PATH)
_PAGE = st.builds(
    lambda kw, a, b: f"{kw}{a}" + (f"-{b}" if b is not None else ""),
    st.sampled_from(["p. ", "pp. ", "p.", "page ", "pages ", "P. ", "pág. "]),
    st.integers(0, 99999),
    st.none() | st.integers(0, 99999),
)
_PIECE = st.one_of(
    _WORD,
    _URL,
    _URL.map(lambda u: f"<{u}>"),
    _URL.map(lambda u: f"<{u[: len(u) // 2]}\n{u[len(u) // 2 :]}>"),  # wrapped inside <>
    _PAGE,
    st.sampled_from([".", ",", ";", ":", "(", ")", "[", "]", "\"", "“", "”", "*", "\n", "-",
                     "/", "In:", "(14/01/2025)", "No. 5", "U.S.", "¹", "²³", "…"]),
    st.text(max_size=6),
)
FOOTNOTE_TEXT = st.one_of(
    st.lists(_PIECE, max_size=25).map(" ".join),
    st.lists(_PIECE, max_size=25).map("".join),
    st.text(max_size=300),
)


def _squeeze(text: str) -> str:
    return "".join(text.split())


def url_comes_from(url: str, text: str) -> bool:
    """`url` is printed in `text`, allowing for the documented clean-ups."""
    squeezed = _squeeze(text)
    if url in text or url in squeezed:
        return True
    # A bare "www." address is reported with "https://" in front.
    return url.lower().startswith("https://www.") and url[len("https://") :] in squeezed


def page_comes_from(page: str, text: str) -> bool:
    """A cited page is printed in `text`, or lies in a printed numeric range."""
    if page.lower() in text.lower():
        return True
    if not page.isdigit():
        return False
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    # Range expansion ("pp. 42-45" → 43, 44; "142-45" → 143, 144, 145) never reaches further
    # than MAX_RANGE past a printed number.
    return any(n < int(page) <= n + MAX_RANGE for n in numbers)


@SETTINGS
@given(text=FOOTNOTE_TEXT, number=st.integers(1, 999))
@example(text="See <https://www.unodc.org/a b\nc.html> (14/01/2025).", number=1)
@example(text="www.worldbank.org/en/topic/safetynets#:~:text=a%20b, p. 42-45.", number=2)
@example(text="pp. 142-45 and p. iv", number=3)
def test_parse_footnote_reports_only_what_is_printed(text: str, number: int) -> None:
    footnote = parse_footnote(RawFootnote(number=number, text=text), "doc")
    assert footnote.text == text and footnote.number == number
    assert len(set(footnote.urls)) == len(footnote.urls)
    for url in footnote.urls:
        assert url_comes_from(url, text), (url, text)
    assert len(set(footnote.pages)) == len(footnote.pages)
    for page in footnote.pages:
        assert page and page_comes_from(page, text), (page, text)


@SETTINGS
@given(
    before=st.lists(_WORD, max_size=5).map(" ".join),
    url=st.builds(lambda s, h, p: f"{s}{h}{p}", st.sampled_from(["https://", "http://"]),
                  _HOST, st.from_regex(r"(/[A-Za-z0-9_\-%~]{1,12}){0,3}", fullmatch=True)),
    after=st.lists(_WORD, max_size=5).map(" ".join),
    page=st.integers(1, 9999),
)
def test_a_plainly_printed_url_and_page_are_found(
    before: str, url: str, after: str, page: int
) -> None:
    """Completeness: a URL set off by spaces and a "p. N" citation are always found."""
    text = f"{before} In: {url} {after}, p. {page}."
    footnote = parse_footnote(RawFootnote(number=1, text=text), "doc")
    assert url in footnote.urls, (url, footnote.urls)
    assert str(page) in footnote.pages, (page, footnote.pages)


@SETTINGS
@given(
    text=FOOTNOTE_TEXT,
    links=st.lists(st.one_of(_URL, st.text(max_size=20)), max_size=4),
)
def test_parse_footnote_link_targets_are_added_once(text: str, links: list[str]) -> None:
    """Hyperlink targets the text does not show are appended, once per (loose) URL."""
    from_text = parse_footnote(RawFootnote(number=1, text=text), "doc").urls
    footnote = parse_footnote(RawFootnote(number=1, text=text, links=tuple(links)), "doc")
    assert footnote.urls[: len(from_text)] == from_text
    extra = footnote.urls[len(from_text) :]
    assert all(url in links for url in extra), (extra, links)
    loose = [loose_url(u) for u in footnote.urls]
    assert len({loose_url(u) for u in extra}) == len(extra)
    assert not {loose_url(u) for u in extra} & {loose_url(u) for u in from_text}
    for link in links:
        if re.match(r"https?://", link, re.I):
            assert loose_url(link) in loose, (link, footnote.urls)


_BLOCK = st.builds(
    Block,
    kind=st.sampled_from(["paragraph", "heading", "list_item", "caption"]),
    text=FOOTNOTE_TEXT,
)


@FEWER
@given(blocks=st.lists(_BLOCK, max_size=12))
def test_parse_references_never_raises_and_stays_verbatim(blocks: list[Block]) -> None:
    references = parse_references(blocks)
    assert [r.index for r in references] == list(range(1, len(references) + 1))
    # Entries are block texts (an entry cut by a page break is re-joined with one space).
    joined = _squeeze("".join(b.text for b in blocks))
    for reference in references:
        assert reference.text.strip() and _squeeze(reference.text) in joined, reference
        if reference.url is not None:
            assert url_comes_from(reference.url, reference.text), reference
        if reference.accessed is not None:
            assert reference.accessed in reference.text, reference


@FEWER
@given(
    notes=st.lists(st.tuples(st.integers(1, 50), FOOTNOTE_TEXT), max_size=8),
    refs=st.lists(st.lists(_BLOCK, min_size=1, max_size=3), max_size=6),
)
def test_link_footnotes_never_raises_and_links_to_real_entries(
    notes: list[tuple[int, str]], refs: list[list[Block]]
) -> None:
    references: tuple[Reference, ...] = parse_references([b for group in refs for b in group])
    footnotes = [parse_footnote(RawFootnote(number=n, text=t), "doc") for n, t in notes]
    linked = link_footnotes(footnotes, references)
    assert len(linked) == len(footnotes)
    valid = {r.index for r in references}
    for before, after in zip(footnotes, linked, strict=True):
        assert after.reference is None or after.reference in valid
        assert after == Footnote(**{**before.__dict__, "reference": after.reference})


def test_link_footnotes_same_url_links() -> None:
    """Sanity anchor for the property above: a shared URL does link."""
    ref_text = "UNODC. *Explainer*. United Nations. In: <https://www.unodc.org/x.html> (1/1/2025)."
    references = parse_references([Block(kind="paragraph", text=ref_text)])
    note = parse_footnote(RawFootnote(number=1, text="UNODC. Explainer. https://unodc.org/x.html"),
                          "doc")
    assert link_footnotes([note], references)[0].reference == 1


@SETTINGS
@given(text=st.text(max_size=400))
def test_extract_helpers_never_raise(text: str) -> None:
    for url in extract_urls(text):
        assert url_comes_from(url, text)
    for page in extract_pages(text):
        assert page_comes_from(page, text)


# ------------------------------------------------------------------------- text reader

# Lower-case words only: no accidental headings ("Title:"), list items ("- x", "1. x"),
# captions ("Figure 1."), Markdown emphasis or URLs.
_BODY_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9)
_MARK = st.none() | st.integers(1, 40)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[tuple[str, list[Marker]]], dict[int, str],
                                        set[int]]:
    """A text file: paragraphs whose words may carry superscript markers, and footnote
    definition lines (after a paragraph or at the end). Returns the file's text, each
    paragraph's expected clean text and markers, the definitions and the undefined numbers."""
    paragraphs: list[tuple[str, list[Marker]]] = []
    printed: list[str] = []
    used: set[int] = set()
    for _ in range(draw(st.integers(1, 6))):
        tokens = draw(st.lists(st.tuples(_BODY_WORD, _MARK, st.sampled_from(["", ",", "."])),
                               min_size=6, max_size=30))
        clean_parts, shown_parts, markers = [], [], []
        offset = 0
        for i, (word, mark, punct) in enumerate(tokens):
            word = word.capitalize() if i == 0 else word
            last = i == len(tokens) - 1
            punct = "." if last else punct
            clean = word + punct
            if offset:
                offset += 1  # the space before it
            offset += len(clean)
            clean_parts.append(clean)
            if mark is not None:
                markers.append(Marker(offset=offset, number=mark))
                used.add(mark)
                shown_parts.append(clean + superscript(mark))
            else:
                shown_parts.append(clean)
        paragraphs.append((" ".join(clean_parts), markers))
        printed.append(" ".join(shown_parts))
    defined_numbers = draw(st.sets(st.integers(1, 40), max_size=12)) | (
        used if draw(st.booleans()) else set()
    )
    definitions: dict[int, str] = {}
    for number in sorted(defined_numbers):
        words = draw(st.lists(_BODY_WORD, min_size=2, max_size=12))
        definitions[number] = " ".join(words).capitalize() + "."
    lines: list[str] = []
    pending = sorted(definitions)
    for text in printed:
        lines += [text, ""]
        # Some definitions right after the paragraph that uses them, the rest at the end.
        split_here: bool = draw(st.booleans())
        if pending and split_here:
            take = draw(st.integers(1, len(pending)))
            lines += [f"{superscript(n)} {definitions[n]}" for n in pending[:take]] + [""]
            pending = pending[take:]
    lines += [f"{superscript(n)} {definitions[n]}" for n in pending]
    return "\n".join(lines) + "\n", paragraphs, definitions, used - set(definitions)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generated") / "generated.txt"


@settings(SETTINGS, max_examples=120)
@given(doc=documents())
def test_text_reader_markers_map_to_footnotes_or_warnings(
    doc: tuple[str, list[tuple[str, list[Marker]]], dict[int, str], set[int]], scratch: Path
) -> None:
    text, paragraphs, definitions, undefined = doc
    scratch.write_text(text, encoding="utf-8")
    parsed = TextReader().read(scratch)

    numbers = {f.number for f in parsed.footnotes}
    assert numbers <= set(definitions)
    for footnote in parsed.footnotes:
        assert footnote.text == definitions[footnote.number], footnote
    body_markers = [m for b in parsed.blocks for m in b.markers]
    for marker in body_markers:
        assert marker.number in numbers, marker  # a marker always points at a footnote
    for number in undefined:  # a superscript without a definition is reported
        assert any(
            superscript(number) in w or re.search(rf"\b{number}\b", w) for w in parsed.warnings
        ), (number, parsed.warnings)
    texts = [b.text for b in parsed.blocks]
    # A note's text never leaks into the body, unless the generated body happens to contain
    # the same words itself ("Aa aa." is both a note and the start of a paragraph).
    bodies = [body for body, _ in paragraphs]
    assert not any(
        definitions[n] in t and not any(definitions[n] in body for body in bodies)
        for n in definitions
        for t in texts
    )
    if not undefined:
        for block in parsed.blocks:
            assert not re.search("[⁰¹²³⁴⁵⁶⁷⁸⁹]", block.text), block.text
        # Each paragraph comes back verbatim, markers at the right offsets.
        got = [(b.text, list(b.markers)) for b in parsed.blocks]
        assert got == paragraphs


def test_documents_strategy_covers_undefined_markers() -> None:
    """Guard that the generator really produces both branches of the property above."""
    seen = {"defined": False, "undefined": False}

    @settings(max_examples=40, deadline=None, database=None)
    @given(doc=documents())
    def probe(doc: tuple[str, list[tuple[str, list[Marker]]], dict[int, str], set[int]]) -> None:
        seen["undefined" if doc[3] else "defined"] = True

    probe()
    assert seen == {"defined": True, "undefined": True}


# ---------------------------------------------------------------- pathological input

# Regex-heavy parsers and difflib can go quadratic on long runs of the characters their
# patterns pivot on. Each input is 20-40 KB (a footnote or reference entry a broken PDF or
# HTML page can produce when its layout defeats the reader); a linear pass takes milliseconds.
# Each case runs in a subprocess with a hard timeout, so a regression costs seconds, not hours.
PATHOLOGICAL = {
    "unclosed <URL": '"<https://" + "a" * 20_000',
    "many <URL starts": '"<https://a " * 2_000',
    "www. repeated": '"www." * 5_000',
    "page list": '"pp. " + ", ".join(str(i) for i in range(4_000))',
    "initials": '"U.S. " * 4_000',
    "open parentheses": '"(" * 20_000 + "14/01/2025"',
    "asterisk emphasis starts": '"*a " * 14_000',
    "underscore emphasis starts": '"_a " * 14_000',
    "underscore rule": '"_" * 20_000',
}
TIME_LIMIT_S = 1.0
HARD_TIMEOUT_S = 30
_TIMER = """
import json, sys, time
from ingest.footnotes import link_footnotes, parse_footnote, parse_references
from ingest.records import Block, RawFootnote
text = eval(sys.argv[1])
timings = {}
started = time.perf_counter()
footnote = parse_footnote(RawFootnote(number=1, text=text), "doc")
timings["parse_footnote"] = time.perf_counter() - started
started = time.perf_counter()
references = parse_references([Block(kind="paragraph", text=text)])
timings["parse_references"] = time.perf_counter() - started
started = time.perf_counter()
link_footnotes([footnote], references)
timings["link_footnotes"] = time.perf_counter() - started
print(json.dumps({"chars": len(text), "timings": timings}))
"""


@pytest.mark.parametrize("case", list(PATHOLOGICAL))
def test_parsers_stay_fast_on_pathological_text(case: str) -> None:
    import json
    import subprocess
    import sys

    try:
        run = subprocess.run(
            [sys.executable, "-c", _TIMER, PATHOLOGICAL[case]],
            capture_output=True,
            text=True,
            timeout=HARD_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{case}: the footnote parser did not finish in {HARD_TIMEOUT_S} s")
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout)
    slow = {name: round(t, 2) for name, t in result["timings"].items() if t > TIME_LIMIT_S}
    assert not slow, f"{case} ({result['chars']:,} chars): {slow}"
