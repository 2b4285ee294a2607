"""PdfReader on layouts that glued separate lines into text the page does not print: URLs on
successive lines, "Label: URL" source lists, list numbers and labels drawn apart from their
text (Canva draws text box after text box, in no reading order)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pdf_factory import Draw, draw_pdf
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth

from ingest.readers.pdf import PdfReader
from ingest.readers.pdf_joining import _Joiner

REGULAR, BOLD, OBLIQUE = "Helvetica", "Helvetica-Bold", "Helvetica-Oblique"


def _texts(path: Path) -> list[str]:
    return [b.text for b in PdfReader().read(path).blocks]


def _two_urls(text: str) -> bool:
    return len(re.findall(r"https?://|(?<!/)www\.", text)) > 1


# --- a numbered list of URLs, each number drawn after its URL lines ---------------------------

LINKS = [
    ["https://www.ohchr.org/en/press-releases/2022/06/un-experts-highlight-digital-rights-",
     "conflict-and-humanitarian-crises"],
    ["https://www.accessnow.org/un-security-council-digital-rights/"],
    ["https://papers.ssrn.com/sol3/papers.cfm?abstract_id=5243571"],
    ["https://www.cambridge.org/core/journals/international-review-of-the-red-",
     "cross/article/abs/protecting-civilians-against-digital-threats-final-",
     "report-of-the-advisory-board/297A6B1B090529F87B9D745D7E94DAA2"],
    ["https://www.lawfaremedia.org/article/digital-rights-in-armed-conflict-and-the-ukraine-v.-",
     "russia-decision"],
]


def _links_page() -> list[Draw]:
    items: list[list[Draw]] = []
    y = 700.0
    for number, lines in enumerate(LINKS, start=1):
        label = f"{number}."
        # Two-digit numbers start further left, and sit a hair below the URL's baseline.
        item = [(70.8, y - 15 * k, line, OBLIQUE, 11) for k, line in enumerate(lines)]
        item.append((70.8 - 6 - stringWidth(label, REGULAR, 11), y - 0.2, label, REGULAR, 11))
        items.append(item)
        y -= 15 * len(lines) + 10
    # Text box after text box, in no reading order: 1, 4, 2, 5, 3.
    order = [0, 3, 1, 4, 2]
    return [(30.5, 740, "RESEARCH LINKS:", BOLD, 16)] + [d for i in order for d in items[i]]


def test_numbered_urls_drawn_apart_from_their_numbers_stay_whole(tmp_path: Path) -> None:
    path = tmp_path / "links.pdf"
    draw_pdf(path, [_links_page()], pagesize=A4)
    texts = _texts(path)
    assert texts == ["RESEARCH LINKS:"] + ["".join(lines) for lines in LINKS]
    assert not any(_two_urls(t) for t in texts)


# --- "Label: URL" lines, one source a line ------------------------------------------------------

SOURCES = [
    "UNICEF: https://www.unicef.org/",
    "WHO: https://www.who.int/",
    "GAVI: https://www.gavi.org/",
    "UN SDG 3: https://sdgs.un.org/goals/goal3",
    "World Bank Health: https://www.worldbank.org/en/topic/health",
    "China International Development Cooperation Agency: http://en.cidca.gov.cn/",
    "African Union CDC: https://africacdc.org/",
]


def test_label_and_url_lines_are_separate_sources(tmp_path: Path) -> None:
    path = tmp_path / "sources.pdf"
    body = [(61.2, 600 - 18.8 * k, line, REGULAR, 12) for k, line in enumerate(SOURCES)]
    heading = (30.4, 640, "I. References & Recommended Reading", BOLD, 16)
    draw_pdf(path, [[heading, *body]], pagesize=A4)
    texts = _texts(path)
    assert texts == ["I. References & Recommended Reading", *SOURCES]


def test_urls_on_successive_lines_are_never_glued(tmp_path: Path) -> None:
    urls = [
        "https://www.unicef.ca/en/child-trafficking",
        "https://www.unicef.org/protection/Unicef_EA_SEA_Trafficking_Report_2009.pdf",
        "https://www.fairobserver.com/region/north_america/combating-sex-trafficking/",
        "www.straitstimes.com/asia/se-asia/smuggled-children-used-in-sex-shows-un",
    ]
    path = tmp_path / "further.pdf"
    body = [(72, 660 - 14 * k, url, REGULAR, 11) for k, url in enumerate(urls)]
    draw_pdf(path, [[(72, 700, "Further Reading", BOLD, 14), *body]], pagesize=A4)
    texts = _texts(path)
    assert texts == ["Further Reading", *urls]


# --- case studies drawn box by box: headings, then texts, then sources ----------------------------

CASES = [
    ("1.Somalia – Nutrition Centre Closures",
     ["Foreign aid reductions forced nutrition centres to shut down, placing",
      "children at risk across the south of the country."], "https://www.unicef.org/"),
    ("2.Malawi – Vaccine Shortages",
     ["Malawi faced healthcare challenges due to shortages in vaccines",
      "and infrastructure."], "https://www.who.int/"),
    ("3.Nigeria – Maternal and Child Health",
     ["Aid cuts affected maternal healthcare services and immunisation",
      "programs in the northern states."], "https://www.gavi.org/"),
    ("4.Rwanda – Digital Health Systems",
     ["Rwanda invested in digital vaccination tracking systems that other",
      "countries now study."], "https://www.unicef.org/rwanda/"),
]

AGENDAS = [
    ["1. Should foreign aid for children healthcare come under a condition compelling",
     "recipient countries to build domestic healthcare capacity?"],
    ["2. Is there a possibility of a globally agreed notice period before a major donor",
     "withdraws funding in children healthcare?"],
    ["3. Can other countries formally take over responsibility to create a multination",
     "framework for funding organisations like UNICEF and GAVI?"],
]


def _cases_page() -> list[Draw]:
    """Canva's order: every heading, then every description, every "Source:" label, every
    link; then the next section, drawn in order."""
    headings, bodies, labels, urls = [], [], [], []
    for k, (heading, body, url) in enumerate(CASES):
        top = 760 - 80 * k
        headings.append((29.3, top, heading, BOLD, 12))
        bodies += [(41.7, top - 16.5 * (j + 1), line, REGULAR, 12) for j, line in enumerate(body)]
        source_y = top - 16.5 * (len(body) + 1) - 2
        labels.append((41.7, source_y, "Source:", REGULAR, 11))
        urls.append((41.7 + stringWidth("Source: ", REGULAR, 11), source_y, url, REGULAR, 11))
    rest: list[Draw] = [(29.0, 420, "H. List of possible Agendas", BOLD, 16)]
    y = 395.0
    for agenda in AGENDAS:
        for j, line in enumerate(agenda):
            rest.append((37.8 if j == 0 else 49.4, y, line, REGULAR, 12))
            y -= 16.5
        y -= 4
    return [(29.0, 790, "G. Case Studies", BOLD, 16),
            *headings, *bodies, *labels, *urls, *rest]


def test_a_page_drawn_box_by_box_reads_top_down(tmp_path: Path) -> None:
    path = tmp_path / "cases.pdf"
    draw_pdf(path, [_cases_page()], pagesize=A4)
    texts = _texts(path)
    expected = ["G. Case Studies"]
    for heading, body, url in CASES:
        expected += [heading, " ".join(body), f"Source: {url}"]  # the source a size smaller
    expected += ["H. List of possible Agendas", *(" ".join(a)[3:] for a in AGENDAS)]
    assert texts == expected


# --- how two lines meet -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        # A new URL, a label or a list number is never the rest of the URL before it.
        ("see https://x.org/297A6B1BDAA2", "https://www.lawfaremedia.org/a",
         "see https://x.org/297A6B1BDAA2 https://www.lawfaremedia.org/a"),
        ("https://x.org/a/", "www.y.org/b", "https://x.org/a/ www.y.org/b"),
        ("UNICEF: https://www.unicef.org/", "WHO: https://www.who.int/",
         "UNICEF: https://www.unicef.org/ WHO: https://www.who.int/"),
        ("Serum: https://www.seruminstitute.com/",
         "China International Development Cooperation Agency: http://en.cidca.gov.cn/",
         "Serum: https://www.seruminstitute.com/ China International Development "
         "Cooperation Agency: http://en.cidca.gov.cn/"),
        ("https://x.org/the-ukraine-v.-", "10. https://y.org/",
         "https://x.org/the-ukraine-v.- 10. https://y.org/"),
        # The rest of a cut URL still joins it.
        ("https://x.org/the-ukraine-v.-", "russia-decision",
         "https://x.org/the-ukraine-v.-russia-decision"),
        ("see https://", "www.un.org/x", "see https://www.un.org/x"),
        ("https://doi.org/", "10.1093/ajil.2020.1", "https://doi.org/10.1093/ajil.2020.1"),
        ("https://en.wikipedia.org/wiki/", "Category:Treaties",
         "https://en.wikipedia.org/wiki/Category:Treaties"),
        ("http://english.gov.cn/content_281474982987314.", "htm",
         "http://english.gov.cn/content_281474982987314.htm"),
        ("https://www.lowyinstitute.org/documents/Understanding%20China’s%20",
         "Belt%20and%20Road.pdf",
         "https://www.lowyinstitute.org/documents/Understanding%20China’s%20Belt%20and%20Road.pdf"),
        # A compound of names cut after its hyphen: no space is printed in it.
        ("along the Bangladesh-China-India-", "Myanmar corridor",
         "along the Bangladesh-China-India-Myanmar corridor"),
        ("the UN Secretary-", "General said", "the UN Secretary-General said"),
        ("the 5’s ex-", "Syllabus", "the 5’s ex- Syllabus"),
    ],
)
def test_how_two_lines_meet(left: str, right: str, joined: str) -> None:
    head, sep = _Joiner(set()).join(left, right)
    assert head + sep + right == joined
