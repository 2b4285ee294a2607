"""ingest.footnotes: URLs, cited pages, reference lists and footnote → reference linking."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import BRIEF_DOCX, BRIEF_TXT

from ingest.footnotes import (
    extract_pages,
    extract_urls,
    find_reference_section,
    link_footnotes,
    loose_url,
    parse_footnote,
    parse_references,
    split_entry,
)
from ingest.readers.docx import DocxReader
from ingest.readers.text import TextReader
from ingest.records import Block, Footnote, RawFootnote, Reference

# --- URLs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        ("In: <https://a.org/x.html> (14/01/2025).", ("https://a.org/x.html",)),
        ("In: https://a.org/x.html. (14/01/2025).", ("https://a.org/x.html",)),
        ("See https://a.org/x, and https://b.org/y;", ("https://a.org/x", "https://b.org/y")),
        (
            "(see https://en.wikipedia.org/wiki/Foo_(bar))",
            ("https://en.wikipedia.org/wiki/Foo_(bar)",),
        ),
        ("(see https://a.org/page)", ("https://a.org/page",)),
        ("Visit www.example.org/path.", ("https://www.example.org/path",)),
        ("“https://a.org/q?x=1&y=2”", ("https://a.org/q?x=1&y=2",)),
        # A PDF line wrap inside <…>: the URL is whole again.
        (
            "In: <https://a.org/long-\npath/file.pdf> (1/2/2024)",
            ("https://a.org/long-path/file.pdf",),
        ),
        # A bare URL wrapped after "/" continues with a path-like token.
        ("In: https://a.org/Docs/\nFile_2014.pdf", ("https://a.org/Docs/File_2014.pdf",)),
        ("ends with https://a.org/ (14/01/2025)", ("https://a.org/",)),
        ("twice <https://a.org/> and https://a.org/", ("https://a.org/",)),
        ("No link here, p. 5.", ()),
        (
            "<https://w.org/t#:~:text=Social%20safety%20nets%20can%20be,them%20to%20>. (1/1/2025)",
            ("https://w.org/t#:~:text=Social%20safety%20nets%20can%20be,them%20to%20",),
        ),
    ],
)
def test_extract_urls(text: str, urls: tuple[str, ...]) -> None:
    assert extract_urls(text) == urls


def test_loose_url_ignores_scheme_www_case_slash_and_fragment() -> None:
    assert loose_url("https://www.Example.org/a/#:~:text=x") == loose_url("http://example.org/a")
    assert loose_url("https://a.org/x?q=1") != loose_url("https://a.org/x?q=2")
    assert loose_url("https://a.org/caf%C3%A9/") == loose_url("https://a.org/café")


# --- cited pages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "pages"),
    [
        ("Report. (11/02/2025). p. 46", ("46",)),
        ("Report, p.42.", ("42",)),
        ("Report, pp. 42-45.", ("42", "43", "44", "45")),
        ("Report, pp. 42–45.", ("42", "43", "44", "45")),
        ("Report, pp. 142-45.", ("142", "143", "144", "145")),
        ("Report, page 7.", ("7",)),
        ("Report, pages 3–4.", ("3", "4")),
        ("Report, Page 12.", ("12",)),
        ("Report, pp. 3, 5 and 7-8.", ("3", "5", "7", "8")),
        ("Informe, pág. 12.", ("12",)),
        ("Preface, p. iv.", ("iv",)),
        ("Preface, pp. iv-vii.", ("iv", "vii")),
        ("Whole report, pp. 1-500.", ("1", "500")),
        ("Smith, P. 2020. A study.", ()),
        ("World Bank Group. 42 countries.", ()),
        ("In: https://a.org/p.42/report (p. 3)", ("3",)),
        ("No pages at all.", ()),
    ],
)
def test_extract_pages(text: str, pages: tuple[str, ...]) -> None:
    assert extract_pages(text) == pages


def test_parse_footnote_merges_link_targets_the_text_does_not_show() -> None:
    raw = RawFootnote(
        number=3,
        text="Report. In: <https://a.org/r.html>. See the annex, p. 9",
        page="2",
        links=("https://a.org/r.html", "https://a.org/annex.pdf", "mailto:x@a.org"),
    )
    note = parse_footnote(raw, "brief")
    assert note == Footnote(
        number=3,
        text=raw.text,
        urls=("https://a.org/r.html", "https://a.org/annex.pdf"),
        pages=("9",),
        reference=None,
        document_id="brief",
        printed_on_page="2",
    )


# --- reference section and entries ---------------------------------------------------------


def blocks(*items: tuple[str, str]) -> list[Block]:
    return [Block(kind=kind, text=text) for kind, text in items]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "heading",
    [
        "References:",
        "REFERENCES",
        "7. Bibliography",
        "VII) Sources",
        "Bibliografía:",
        "Works cited",
        "Literature cited",
        "Cited works.",
    ],
)
def test_find_reference_section(heading: str) -> None:
    doc = blocks(
        ("heading", "Intro:"),
        ("paragraph", "Text."),
        ("heading", heading),
        ("list_item", "A. One."),
        ("list_item", "B. Two."),
        ("heading", "Annex"),
        ("paragraph", "Other."),
    )
    assert find_reference_section(doc) == (3, 5)


def test_find_reference_section_paragraph_heading_and_absent() -> None:
    doc = blocks(("paragraph", "Body."), ("paragraph", "Sources"), ("paragraph", "A. One."))
    assert find_reference_section(doc) == (2, 3)
    assert find_reference_section(blocks(("heading", "Sources of funding:"))) is None
    assert find_reference_section([]) is None


@pytest.mark.parametrize(
    ("entry", "organisation", "title"),
    [
        ("ORG. *Italic Title*. Publisher, 2020.", "ORG", "Italic Title"),
        ("ORG. Plain Title. Publisher, 2020.", "ORG", "Plain Title"),
        (
            "U.S. Department of State. TIP Report 2024. Washington D.C.",
            "U.S. Department of State",
            "TIP Report 2024",
        ),
        ("Group (ICAT). What is it? United Nations, 2021.", "Group (ICAT)", "What is it?"),
        ("[3] ORG. Numbered. Pub.", "ORG", "Numbered"),
        ("Just one sentence without a break", "", ""),
    ],
)
def test_split_entry(entry: str, organisation: str, title: str) -> None:
    assert split_entry(entry) == (organisation, title)


def test_parse_references_fields_and_page_break_continuations() -> None:
    refs = parse_references(
        blocks(
            (
                "list_item",
                "ORG. *First Title*. Pub, City, 01/02/2020. In: <https://a.org/1> (14/01/2025).",
            ),
            ("list_item", "Second Org. Second title. Pub, 2019. In:"),
            ("paragraph", "<https://b.org/2>"),
            ("list_item", "Third Org. Third title. Pub, 2018. In: https://c.org/3/"),
            ("paragraph", "file.pdf (accessed 3 March 2024)"),
            ("list_item", "Fourth. Title four. Publisher, place,"),
            ("paragraph", "continued lower-case tail. (2024-05-06)"),
            ("list_item", "Fifth. No URL. Pub. (14/01/2025)."),
            ("heading", "Annex"),
            ("list_item", "Not a reference. After the next heading."),
        )
    )
    assert [(r.index, r.organisation, r.title, r.url, r.accessed) for r in refs] == [
        (1, "ORG", "First Title", "https://a.org/1", "14/01/2025"),
        (2, "Second Org", "Second title", "https://b.org/2", None),
        (3, "Third Org", "Third title", "https://c.org/3/file.pdf", "3 March 2024"),
        (4, "Fourth", "Title four", None, "2024-05-06"),
        (5, "Fifth", "No URL", None, "14/01/2025"),
    ]
    assert refs[1].text == "Second Org. Second title. Pub, 2019. In: <https://b.org/2>"
    assert refs[0].text.startswith("ORG. *First Title*.")  # verbatim


# --- linking -------------------------------------------------------------------------------


def ref(index: int, text: str) -> Reference:
    return replace(parse_references(blocks(("list_item", text)))[0], index=index)


def note(number: int, text: str) -> Footnote:
    return parse_footnote(RawFootnote(number, text), "doc")


REFS = [
    ref(1, "ICAT. El Grupo de Coordinación. UN, New York. In: <https://icat.un.org/> (1/1/2025)."),
    ref(2, "Inter-Agency Group (ICAT). The Inter-Agency Group. UN. In: <https://icat.un.org/>"),
    ref(
        3,
        "UNODC. Global Report on Trafficking in Persons 2024. UN, 2024. In: <https://u.org/g.html>.",
    ),
    ref(4, "OHCHR. Convention on the Rights of the Child. United Nations, 1989. (1/1/2025)."),
    ref(5, "Other Org. Completely different work. Pub."),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # URL match, loosely (scheme, www, trailing slash, fragment).
        ("UNODC. Global Report. In: http://www.u.org/g.html#:~:text=x", 3),
        # Two references share a URL: the title decides.
        ("ICAT. The Inter-Agency Group. In: <https://icat.un.org>", 2),
        ("ICAT. El Grupo de Coordinación. En: <https://icat.un.org/>", 1),
        # No URL: organisation + title (case/space/punctuation-insensitive, fuzzy).
        ("UNODC. Global Report on Trafficking in Persons 2024. (11/02/2025). p. 46", 3),
        ("unodc. GLOBAL report on trafficking in persons, 2024. p. 48", 3),
        ("UNODC. Global Reprot on Traficking in Persons 2024. p. 2", 3),
        ("OHCHR. Convention on the Rights of the Child. (14/01/2025).", 4),
        # Same title, organisation written differently: a near-exact title still links.
        ("United Nations Human Rights. Convention on the Rights of the Child. 1989.", 4),
        # Similar title but another organisation and not near-exact: no link.
        ("UNICEF. Convention on the Rights of Children. 1989.", None),
        ("Nobody. Unrelated work. 2020.", None),
    ],
)
def test_link_footnotes(text: str, expected: int | None) -> None:
    (linked,) = link_footnotes([note(1, text)], REFS)
    assert linked.reference == expected


def test_link_footnotes_keeps_order_and_handles_no_references() -> None:
    notes = [note(2, "A. B."), note(1, "C. D.")]
    assert link_footnotes(notes, []) == tuple(notes)


# --- the shipped brief (TXT and DOCX) ------------------------------------------------------


def printed_reference_count() -> int:
    """Entries of the TXT's reference list, counted on the raw file: one "- " line each."""
    raw = BRIEF_TXT.read_text(encoding="utf-8")
    section = raw[raw.index("\nReferences:") :]
    return len(re.findall(r"^- ", section, flags=re.MULTILINE))


@pytest.fixture(scope="module", params=["txt", "docx"])
def brief(request: pytest.FixtureRequest) -> tuple[tuple[Footnote, ...], tuple[Reference, ...]]:
    reader, path = {"txt": (TextReader(), BRIEF_TXT), "docx": (DocxReader(), BRIEF_DOCX)}[
        request.param
    ]
    parsed = reader.read(Path(path))
    section = find_reference_section(parsed.blocks)
    assert section is not None
    references = parse_references(parsed.blocks[section[0] : section[1]])
    notes = [parse_footnote(raw, "brief") for raw in parsed.footnotes]
    return link_footnotes(notes, references), references


def test_brief_footnote_urls_and_pages(
    brief: tuple[tuple[Footnote, ...], tuple[Reference, ...]],
) -> None:
    notes, _ = brief
    assert [n.number for n in notes] == list(range(1, 13))
    assert notes[0].urls == (
        "https://www.unodc.org/unodc/frontpage/2024/July/explainer-understanding-child-trafficking.html",
    )
    assert notes[2].urls == (
        "https://www.worldbank.org/en/topic/safetynets#:~:text=Social%20safety%20nets%20can%20be,"
        "them%20to%20access%20economic%20opportunity%20",
    )
    assert notes[4].urls == ("https://www.unodc.org/unodc/en/data-and-analysis/glotip.html",)
    assert notes[11].urls == ("https://icat.un.org/",)
    assert [n.number for n in notes if not n.urls] == [2, 4, 6, 7, 8, 9, 10, 11]
    assert [n.pages for n in notes[3:9]] == [("46",), ("42",), ("43",), ("45",), ("46",), ("48",)]
    assert all(n.pages == () for n in notes[:3] + notes[9:])


def test_brief_references(brief: tuple[tuple[Footnote, ...], tuple[Reference, ...]]) -> None:
    _, refs = brief
    assert printed_reference_count() == 16
    assert len(refs) == 16
    assert [r.index for r in refs] == list(range(1, 17))
    by_org = {(r.organisation, r.title[:20]): r for r in refs}
    assert len(by_org) == 16
    assert sum(r.url is None for r in refs) == 2  # the two OHCHR treaties print no URL
    # The entry whose URL a page break pushed onto its own line is whole again.
    scope = next(r for r in refs if r.title.startswith("Global scope of human trafficking"))
    assert scope.url == (
        "https://www.ohchr.org/en/statements-and-speeches/2023/10/"
        "global-scope-human-trafficking-calls-coordinated-and-flexible"
    )
    assert scope.accessed is None
    bank = next(r for r in refs if r.organisation == "World Bank Group")
    assert bank.title == "Safety Nets" and bank.accessed == "14/01/2025"
    assert bank.url is not None and bank.url.endswith("economic%20opportunity%20")
    humanium = refs[0]
    assert (humanium.organisation, humanium.accessed) == ("Humanium", "14/01/2024")
    assert sum(r.accessed is not None for r in refs) == 12


def test_brief_every_footnote_links(
    brief: tuple[tuple[Footnote, ...], tuple[Reference, ...]],
) -> None:
    notes, refs = brief
    title = {r.index: r.title for r in refs}
    linked = {n.number: title[n.reference] for n in notes if n.reference is not None}
    assert sorted(linked) == list(range(1, 13))
    assert linked[1] == "Explainer: Understanding Child Trafficking"
    assert linked[3] == "Safety Nets"
    assert {linked[n] for n in range(4, 10)} == {"Global Report on Trafficking in Persons 2024"}
    protocol = "Protocol to Prevent, Suppress and Punish Trafficking in Persons"
    assert linked[2].startswith(protocol) and linked[10].startswith(protocol)
    assert linked[11] == "Convention on the Rights of the Child"
    # Two references share ICAT's URL; footnote 12's title picks the right one.
    assert linked[12] == "El Grupo de Coordinación Interinstitucional contra la Trata de Personas"
