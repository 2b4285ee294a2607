"""HtmlReader: footnote lists and markers, block kinds, dropped chrome, deep nesting."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.errors import DocumentError
from ingest.readers.base import reader_for
from ingest.readers.html import HtmlReader
from ingest.records import Block, ParsedDocument


def parse(markup: str) -> ParsedDocument:
    return HtmlReader().parse(markup, "page.html")


def marked(block: Block) -> str:
    out, last = [], 0
    for marker in block.markers:
        out += [block.text[last : marker.offset], f"[{marker.number}]"]
        last = marker.offset
    return "".join(out) + block.text[last:]


PANDOC = """<!DOCTYPE html><html><head><title>Topic B brief</title>
<style>p { color: red }</style><script>document.write("no")</script></head>
<body><nav><a href="/">Home</a> | <a href="/about">About</a></nav>
<h1>Topic B</h1>
<h2>Current issue:</h2>
<p>Children are 38% of detected victims.<a href="#fn1" class="footnote-ref" id="fnref1"
 role="doc-noteref"><sup>1</sup></a> The area is 3 km<sup>2</sup>.</p>
<p><strong>Concepts and definitions:</strong></p>
<ul><li><b>Child trafficking:</b> recruitment of children.<sup><a href="#fn2">2</a></sup></li>
<li>Second <em>item</em><ul><li>nested item</li></ul></li></ul>
<figure><img src="chart.png" alt="chart">
<figcaption>Figure 1. Main detected victims<sup><a href="#fn1">1</a></sup></figcaption></figure>
<div>Loose text in a div <p>an inner paragraph</p> and a tail.</div>
<p>Figure 2. A caption written as a paragraph</p>
<section id="footnotes" class="footnotes footnotes-end-of-document" role="doc-endnotes">
<hr /><ol>
<li id="fn1"><p>UNODC. <em>Global Report on Trafficking in Persons 2024</em>. In:
<a href="https://www.unodc.org/glotip.html">https://www.unodc.org/glotip.html</a>. p. 42
<a href="#fnref1" class="footnote-back" role="doc-backlink">↩︎</a></p></li>
<li id="fn2"><p>See <a href="https://example.org/annex">the annex</a>, pp. 3–4.</p></li>
</ol></section>
<footer>© 2025 Some site</footer>
</body></html>"""


def test_pandoc_style_page() -> None:
    doc = parse(PANDOC)
    assert doc.title == "Topic B brief"
    assert [(b.kind, marked(b)) for b in doc.blocks] == [
        ("heading", "Topic B"),
        ("heading", "Current issue:"),
        ("paragraph", "Children are 38% of detected victims.[1] The area is 3 km²."),
        ("heading", "Concepts and definitions:"),
        ("list_item", "Child trafficking: recruitment of children.[2]"),
        ("list_item", "Second item"),
        ("list_item", "nested item"),
        ("caption", "Figure 1. Main detected victims[1]"),
        ("paragraph", "Loose text in a div"),
        ("paragraph", "an inner paragraph"),
        ("paragraph", "and a tail."),
        ("caption", "Figure 2. A caption written as a paragraph"),
    ]
    assert [(f.number, f.text, f.links) for f in doc.footnotes] == [
        (
            1,
            "UNODC. Global Report on Trafficking in Persons 2024. In: "
            "https://www.unodc.org/glotip.html. p. 42",
            ("https://www.unodc.org/glotip.html",),
        ),
        (2, "See the annex, pp. 3–4.", ("https://example.org/annex",)),
    ]
    assert doc.page_count == 1 and doc.page_labels == ()
    text = " ".join(b.text for b in doc.blocks)
    for dropped in ("Home", "document.write", "color", "© 2025", "↩"):
        assert dropped not in text


def test_footnote_list_without_ids_numbered_by_position() -> None:
    doc = parse(
        "<p>Claim one<sup>5</sup>, claim two<sup>[6]</sup>, exponent 10<sup>3</sup>.</p>"
        '<ol class="footnotes" start="5"><li>Fifth note.</li><li>Sixth note.</li></ol>'
    )
    assert [marked(b) for b in doc.blocks] == ["Claim one[5], claim two[6], exponent 10³."]
    assert [(f.number, f.text) for f in doc.footnotes] == [(5, "Fifth note."), (6, "Sixth note.")]


def test_li_ids_and_asides_are_footnotes() -> None:
    doc = parse(
        "<article><p>Uses an aside<sup>1</sup> and a list note<sup>2</sup>.</p>"
        '<aside id="fn1" role="doc-footnote"><sup>1</sup> Aside note text.</aside>'
        '<ul><li id="footnote-2">2. List note text.</li></ul>'
        '<aside class="footnote">3 Numbered by its text.</aside>'
        "<aside>An ordinary sidebar stays.</aside></article>"
    )
    assert [marked(b) for b in doc.blocks] == [
        "Uses an aside[1] and a list note[2].",
        "An ordinary sidebar stays.",
    ]
    assert [(f.number, f.text) for f in doc.footnotes] == [
        (1, "Aside note text."),
        (2, "2. List note text."),
        (3, "Numbered by its text."),
    ]


def test_on_a_linked_page_bare_superscripts_are_not_markers() -> None:
    doc = parse(
        '<p>Claim.<a href="#fn1"><sup>1</sup></a> Area 5 m<sup>2</sup>, the 1<sup>st</sup>.</p>'
        '<ol class="footnotes"><li id="fn1">One.</li><li id="fn2">Two.</li></ol>'
    )
    assert [marked(b) for b in doc.blocks] == ["Claim.[1] Area 5 m², the 1st."]


def test_only_main_is_read_when_present() -> None:
    doc = parse(
        "<body><header><p>Site banner</p></header><main><h1>Brief</h1><p>Body.</p></main>"
        "<aside><p>Related links</p></aside></body>"
    )
    assert [b.text for b in doc.blocks] == ["Brief", "Body."]
    assert doc.title == "Brief"  # no <title>: the first heading


def test_ten_thousand_nested_divs() -> None:
    depth = 10_000
    doc = parse(
        "<html><body>"
        + "<div>" * depth
        + "<p>Deep text.<sup>1</sup></p>"
        + "</div>" * depth
        + '<ol class="footnotes"><li id="fn1">Deep note.</li></ol></body></html>'
    )
    assert [marked(b) for b in doc.blocks] == ["Deep text.[1]"]
    assert doc.footnotes[0].text == "Deep note."


def test_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.html"
    empty.write_text("   ")
    with pytest.raises(DocumentError, match=r"empty\.html.*empty"):
        HtmlReader().read(empty)
    chrome = tmp_path / "chrome.html"
    chrome.write_text("<html><script>x()</script><nav>menu</nav></html>")
    with pytest.raises(DocumentError, match="no readable text"):
        HtmlReader().read(chrome)
    big = tmp_path / "big.html"
    big.write_text("<p>word</p>" * 200)
    with pytest.raises(DocumentError, match="larger than"):
        HtmlReader(max_bytes=1000).read(big)


def test_declared_charset_is_honoured(tmp_path: Path) -> None:
    page = tmp_path / "latin.htm"
    markup = '<html><head><meta charset="windows-1252"></head><body><p>¿Qué pasó?</p></body>'
    page.write_bytes(markup.encode("cp1252"))
    assert HtmlReader().read(page).blocks[0].text == "¿Qué pasó?"


def test_reader_for_picks_html_reader() -> None:
    assert isinstance(reader_for(Path("brief.htm")), HtmlReader)
    assert isinstance(reader_for(Path("brief.HTML")), HtmlReader)
