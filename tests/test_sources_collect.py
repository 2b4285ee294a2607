"""URL normalisation and source collection (merging, cited_by, no-URL sources, stable ids)."""

from __future__ import annotations

import pytest

from ingest.records import Footnote, Reference, SourceCitation
from ingest.sources.collect import collect_sources, footnote_title, source_id
from ingest.sources.urls import normalise_title, normalise_url, slugify, url_slug


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Chrome text fragments and ordinary fragments go.
        (
            "https://www.worldbank.org/en/topic/safetynets#:~:text=Social%20safety%20nets",
            "https://www.worldbank.org/en/topic/safetynets",
        ),
        ("https://example.org/page#section-2", "https://example.org/page"),
        # Scheme and host case, default ports, empty path.
        ("HTTPS://Example.ORG:443", "https://example.org/"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("http://example.org:8080/a", "http://example.org:8080/a"),
        # Tracking parameters go, the others stay byte for byte and in order.
        (
            "https://example.org/r?utm_source=x&id=2&fbclid=abc&q=a%20b&gclid=1&UTM_Medium=m",
            "https://example.org/r?id=2&q=a%20b",
        ),
        ("https://example.org/r?utm_source=x", "https://example.org/r"),
        # Path case and percent-encoding are significant.
        ("https://example.org/pdf/gift%20brochure.pdf", "https://example.org/pdf/gift%20brochure.pdf"),
        ("https://example.org/A/B", "https://example.org/A/B"),
        # Angle brackets and whitespace from the citation text.
        ("  <https://icat.un.org/>  ", "https://icat.un.org/"),
        ("http://[::1]:8000/x", "http://[::1]:8000/x"),
        # Not an absolute URL: only trimmed.
        ("not a url", "not a url"),
    ],
)
def test_normalise_url(raw: str, expected: str) -> None:
    assert normalise_url(raw) == expected


def test_normalise_url_is_idempotent() -> None:
    for url in (
        "HTTPS://A.example:443/x?utm_campaign=1&b=2#frag",
        "http://example.org/a?x=1&&y=2",
    ):
        once = normalise_url(url)
        assert normalise_url(once) == once


def test_slugs_and_titles() -> None:
    assert slugify("Protección de la infancia: ¿qué hacer?") == (
        "proteccion-de-la-infancia-que-hacer"
    )
    assert len(slugify("word " * 50)) <= 40
    glotip = "https://www.unodc.org/unodc/en/data-and-analysis/glotip.html"
    assert url_slug(glotip) == "unodc-glotip"
    assert normalise_title("*Global Report*  on “Trafficking”.") == "global report on trafficking"
    assert footnote_title("OHCHR. *Convention on the Rights of the Child*. UN, 1989.") == (
        "Convention on the Rights of the Child"
    )


def _ref(index: int, title: str, url: str | None) -> Reference:
    return Reference(index=index, text=f"{title}. {url or ''}", title=title, organisation="Org",
                     url=url)


REPORT = "https://www.example.org/en/data/report.html"

REFERENCES = [
    _ref(1, "Explainer", "https://example.org/explainer.html"),
    _ref(2, "Convention on the Rights of the Child", None),
    _ref(3, "Global Report 2024", REPORT),
    _ref(4, "Portal (es)", "https://portal.example.org/"),
    _ref(5, "Portal (en)", "https://portal.example.org/"),
    _ref(6, "Safety Nets", "https://example.org/topic/safetynets#:~:text=nets"),
]

FOOTNOTES = [
    Footnote(number=1, text="Org. *Explainer*.", urls=("https://example.org/explainer.html",),
             reference=1),
    Footnote(number=2, text="Org. *Convention on the Rights of the Child*.", reference=2),
    Footnote(number=3, text="Org. *Safety Nets*.",
             urls=("https://EXAMPLE.org/topic/safetynets#:~:text=other%20words",), reference=6),
    # One report, cited for several pages: footnote 5 carries the URL, the rest only link to
    # the reference entry (or repeat a page).
    Footnote(number=4, text="Org. *Global Report 2024*. p. 46", pages=("46",), reference=3),
    Footnote(number=5, text="Org. *Global Report 2024*. In: <url>. p. 42",
             urls=(REPORT + "?utm_source=brief",), pages=("42",), reference=3),
    Footnote(number=6, text="Org. *Global Report 2024*. p. 43", pages=("43",), reference=3),
    Footnote(number=7, text="Org. *Global Report 2024*. p. 46", pages=("46",), reference=3),
    # A footnote with neither URL nor reference link.
    Footnote(number=8, text="Someone. *An Unlisted Pamphlet*. 2001."),
]


def test_collect_merges_duplicates_and_keeps_every_citation() -> None:
    sources = collect_sources(FOOTNOTES, REFERENCES)
    by_url = {s.url: s for s in sources}

    report = by_url[REPORT]
    assert report.title == "Global Report 2024"
    assert report.cited_by == (
        SourceCitation(footnote=4, pages=("46",)),
        SourceCitation(footnote=5, pages=("42",)),
        SourceCitation(footnote=6, pages=("43",)),
        SourceCitation(footnote=7, pages=("46",)),
        SourceCitation(reference=3),
    )
    # The highlight fragment and host case differ between footnote and reference: one source.
    nets = by_url["https://example.org/topic/safetynets"]
    assert [c.footnote or c.reference for c in nets.cited_by] == [3, 6]
    # Two reference entries with one URL: one source, the first entry's title.
    portal = by_url["https://portal.example.org/"]
    assert portal.title == "Portal (es)"
    assert portal.cited_by == (SourceCitation(reference=4), SourceCitation(reference=5))
    assert len(sources) == len({s.id for s in sources}) == 6


def test_sources_without_url_are_kept_with_their_title() -> None:
    sources = collect_sources(FOOTNOTES, REFERENCES)
    no_url = [s for s in sources if s.url is None]
    assert {s.title for s in no_url} == {
        "Convention on the Rights of the Child",
        "An Unlisted Pamphlet",
    }
    assert all(s.status == "no_url" for s in no_url)
    convention = next(s for s in no_url if s.title.startswith("Convention"))
    # The footnote without URL joined the source of the reference entry it links to.
    assert convention.cited_by == (SourceCitation(footnote=2), SourceCitation(reference=2))
    assert all(s.status == "pending" for s in sources if s.url is not None)


def test_order_follows_first_citation() -> None:
    sources = collect_sources(FOOTNOTES, REFERENCES)
    assert [s.title for s in sources][:3] == [
        "Explainer",
        "Convention on the Rights of the Child",
        "Safety Nets",
    ]
    assert sources[-1].title == "Portal (es)"  # cited by the reference list only


def test_ids_are_stable_and_depend_on_the_normalised_url() -> None:
    first = collect_sources(FOOTNOTES, REFERENCES)
    again = collect_sources(list(reversed(FOOTNOTES)), list(reversed(REFERENCES)))
    assert {s.url: s.id for s in first} == {s.url: s.id for s in again}
    assert source_id(REPORT, "x") == source_id(REPORT, "another title")
    assert source_id(REPORT, "x").startswith("example-report-")
    assert source_id(None, "A Title") == source_id(None, "a  title")
    assert source_id(None, "A Title") != source_id(None, "Another Title")


def test_nothing_cited_gives_no_sources() -> None:
    assert collect_sources([], []) == ()


def test_collect_from_the_shipped_brief(brief_paths: dict) -> None:
    """The brief's 12 footnotes and 16 references name 15 distinct works, 13 with a URL."""
    from ingest.footnotes import (
        find_reference_section,
        link_footnotes,
        parse_footnote,
        parse_references,
    )
    from ingest.pipeline import read_document

    parsed = read_document(brief_paths["txt"])
    section = find_reference_section(parsed.blocks)
    assert section is not None
    references = parse_references(parsed.blocks[section[0] : section[1]], "brief")
    notes = link_footnotes([parse_footnote(r, "brief") for r in parsed.footnotes], references)

    sources = collect_sources(notes, references)
    assert len(sources) == 15
    assert sum(1 for s in sources if s.url is None) == 2
    glotip = next(s for s in sources if s.url and s.url.endswith("/glotip.html"))
    assert [(c.footnote, c.pages) for c in glotip.cited_by if c.footnote] == [
        (4, ("46",)), (5, ("42",)), (6, ("43",)), (7, ("45",)), (8, ("46",)), (9, ("48",)),
    ]
    assert "https://www.worldbank.org/en/topic/safetynets" in {s.url for s in sources}
    icat = next(s for s in sources if s.url == "https://icat.un.org/")
    assert {c.reference for c in icat.cited_by if c.reference} == {2, 3}
