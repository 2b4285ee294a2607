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


# ------------------------------------------------------------ footnotes as the web gives them

WORD_EXPORT = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
<meta http-equiv=Content-Type content="text/html; charset=utf-8"><title>Word brief</title></head>
<body lang=EN-GB><div class=WordSection1>
<p class=MsoNormal>Child labour fell by a third.<a style='mso-footnote-id:ftn1' href="#_ftn1"
name="_ftnref1" title=""><span class=MsoFootnoteReference><span class=MsoFootnoteReference><span
style='font-size:11.0pt'>[1]</span></span></span></a> It rose again in 2020.<a
style='mso-footnote-id:ftn2' href="#_ftn2" name="_ftnref2" title=""><span
class=MsoFootnoteReference><span style='font-size:11.0pt'>[2]</span></span></a></p>
</div>
<div style='mso-element:footnote-list'><br clear=all><hr align=left size=1 width="33%">
<div style='mso-element:footnote' id=ftn1>
<p class=MsoFootnoteText><a style='mso-footnote-id:ftn1' href="#_ftnref1" name="_ftn1"
title=""><span class=MsoFootnoteReference><span style='font-size:10.0pt'>[1]</span></span></a>
ILO, <i>Global Estimates of Child Labour</i> (2017), p. 5.</p>
<p class=MsoFootnoteText>A second paragraph of the same note.</p>
</div>
<div style='mso-element:footnote' id=ftn2>
<p class=MsoFootnoteText><a style='mso-footnote-id:ftn2' href="#_ftnref2" name="_ftn2"
title=""><span class=MsoFootnoteReference>[2]</span></a> See
<a href="https://www.unicef.org/data">UNICEF data</a>.</p>
</div></div></body></html>"""


def test_word_exported_ftn_notes() -> None:
    doc = parse(WORD_EXPORT)
    (block,) = doc.blocks
    assert block.text == "Child labour fell by a third. It rose again in 2020."
    assert marked(block) == "Child labour fell by a third.[1] It rose again in 2020.[2]"
    assert [(f.number, f.text, f.links) for f in doc.footnotes] == [
        (
            1,
            "ILO, Global Estimates of Child Labour (2017), p. 5. "
            "A second paragraph of the same note.",
            (),
        ),
        (2, "See UNICEF data.", ("https://www.unicef.org/data",)),
    ]


def test_tooltip_notes_referenced_by_aria_describedby() -> None:
    # The WordPress "modern footnotes" form: the note sits right after its marker.
    doc = parse(
        '<p>Peru granted a concession.<sup class="mfn" data-mfn="1"><a href="javascript:void(0)"'
        ' role="button" aria-describedby="mfn-content-1">1</a></sup><span id="mfn-content-1"'
        ' role="tooltip" class="mfn__note"><em>Bear Creek</em>, Award, ¶&nbsp;149'
        ' (2017), <a href="https://icsid.example/award.pdf">award</a>.<br></span> The project'
        " stalled.<sup><a href=\"#\" aria-describedby=\"t2\">2</a></sup><span id=\"t2\""
        ' role="tooltip">Id. ¶ 168.</span></p>'
    )
    assert [marked(b) for b in doc.blocks] == [
        "Peru granted a concession.[1] The project stalled.[2]"
    ]
    assert [(f.number, f.text, f.links) for f in doc.footnotes] == [
        (1, "Bear Creek, Award, ¶ 149 (2017), award.", ("https://icsid.example/award.pdf",)),
        (2, "Id. ¶ 168.", ()),
    ]


def test_notes_in_title_and_data_attributes() -> None:
    doc = parse(
        '<p>First claim.<sup title="UNHCR, Global Trends 2023, p. 2.">1</sup> Second'
        ' claim.<a href="#" data-bs-toggle="popover" data-bs-html="true"'
        ' data-bs-content="See &lt;a href=&quot;https://who.int/r&quot;&gt;WHO report&lt;/a&gt;,'
        ' ch. 3.">[2]</a> Third claim.<span class="tip" data-tippy-content="OECD, 2022.">3</span>'
        ' Not a note: 10<sup title="Footnote 4">4</sup> and <sup title="x">5</sup>.</p>'
    )
    assert [marked(b) for b in doc.blocks] == [
        "First claim.[1] Second claim.[2] Third claim.[3] Not a note: 10⁴ and ⁵."
    ]
    assert [(f.number, f.text, f.links) for f in doc.footnotes] == [
        (1, "UNHCR, Global Trends 2023, p. 2.", ()),
        (2, "See WHO report, ch. 3.", ("https://who.int/r",)),
        (3, "OECD, 2022.", ()),
    ]


def test_popover_notes() -> None:
    doc = parse(
        '<p>Shelters are full.<button popovertarget="pop1">1</button> Funding fell.'
        '<sup class="fn">2<span class="fn-body" hidden>IOM, <em>Migration Report</em>.</span>'
        "</sup> Staff left.<sup>3</sup><span style=\"display: none\">Survey of 2024.</span></p>"
        '<div id="pop1" popover>UNHCR shelter survey, 2024.</div>'
    )
    assert [marked(b) for b in doc.blocks] == [
        "Shelters are full.[1] Funding fell.[2] Staff left.[3]"
    ]
    assert [(f.number, f.text) for f in doc.footnotes] == [
        (1, "UNHCR shelter survey, 2024."),
        (2, "IOM, Migration Report."),
        (3, "Survey of 2024."),
    ]


LAW_REVIEW = """<article><h1>Citizen Shareholders</h1>
<p>Treaties dominate.<sup id="r36"><a href="#n36">36</a></sup> The U.C.C. is widely
adopted,<sup id="r37"><a href="#n37">37</a></sup> partly for certainty.<sup
id="r38"><a href="#n38">38</a></sup></p>
<h2>Notes</h2>
<ol class="notes-list">
<li id="n36"><a href="#r36">36.</a> Christopher Greenwood, <i>Sources of International Law</i> 2
(2008). <a href="#r36">Return to citation ^</a></li>
<li id="n37">U.C.C. (A.L.I. &amp; Unif. L. Comm’n amended 2022). <a href="#r37">↩</a></li>
<li id="n38"><span>See</span> Mark A. Lemley, <i>The Benefit of the Bargain</i>, 2023 Wis. L.
Rev. 237. <a href="#r38" class="back">^</a></li>
</ol></article>"""


def test_law_review_note_list_with_back_links() -> None:
    doc = parse(LAW_REVIEW)
    assert [marked(b) for b in doc.blocks] == [
        "Citizen Shareholders",
        "Treaties dominate.[36] The U.C.C. is widely adopted,[37] partly for certainty.[38]",
        "Notes",
    ]
    assert [(f.number, f.text) for f in doc.footnotes] == [
        (36, "Christopher Greenwood, Sources of International Law 2 (2008)."),
        (37, "U.C.C. (A.L.I. & Unif. L. Comm’n amended 2022)."),
        (38, "See Mark A. Lemley, The Benefit of the Bargain, 2023 Wis. L. Rev. 237."),
    ]


def test_linked_note_list_without_back_links() -> None:
    doc = parse(
        '<p>One.<sup><a href="#c1">1</a></sup> Two.<sup><a href="#c2">2</a></sup></p>'
        '<ol><li id="c1">First source.</li><li id="c2">Second source.</li></ol>'
    )
    assert [marked(b) for b in doc.blocks] == ["One.[1] Two.[2]"]
    assert [(f.number, f.text) for f in doc.footnotes] == [
        (1, "First source."),
        (2, "Second source."),
    ]


def test_numbered_list_nothing_points_at_is_not_footnotes() -> None:
    doc = parse(
        "<h2>Before the conference</h2>"
        '<ol><li id="note-1">Bring your passport.</li><li id="note-2">Read the guide.</li></ol>'
        "<ol><li>1. Register online.</li><li>2. Pay the fee.</li></ol>"
        '<p>Contents: <a href="#sec1">1</a> <a href="#sec2">2</a></p>'
        '<h2 id="sec1">One</h2><p>Text.</p><h2 id="sec2">Two</h2><p>More.</p>'
    )
    assert doc.footnotes == ()
    assert all(not b.markers for b in doc.blocks)
    assert [b.text for b in doc.blocks] == [
        "Before the conference",
        "Bring your passport.",
        "Read the guide.",
        "1. Register online.",
        "2. Pay the fee.",
        "Contents: 1 2",
        "One",
        "Text.",
        "Two",
        "More.",
    ]


def test_other_exporters_link_markers_to_notes_with_back_links() -> None:
    wikipedia = parse(
        '<p>Paris is big.<sup id="cite_ref-a_1-0" class="reference"><a href="#cite_note-a-1">'
        '[1]</a></sup> Old too.<sup id="cite_ref-2"><a href="#cite_note-2"><span>[</span>2'
        '<span>]</span></a></sup> Big.<sup id="cite_ref-a_1-1"><a href="#cite_note-a-1">[1]'
        '</a></sup></p><ol class="references"><li id="cite_note-a-1"><span class="mw-cite-'
        'backlink">^ <a href="#cite_ref-a_1-0"><sup><i><b>a</b></i></sup></a> <a href="#cite_'
        'ref-a_1-1"><sup><i><b>b</b></i></sup></a></span> <span>INSEE 2020.</span></li>'
        '<li id="cite_note-2"><b><a href="#cite_ref-2">^</a></b> <span>Smith.</span></li></ol>'
    )
    google_docs = parse(
        '<p><span>Claim</span><sup><a href="#ftnt1" id="ftnt_ref1">[1]</a></sup><span> and'
        ' more.</span></p><hr><div><p><a href="#ftnt_ref1" id="ftnt1">[1]</a><span>&nbsp;A'
        " note.</span></p></div>"
    )
    libreoffice = parse(
        '<p>Text<a class="sdfootnoteanc" name="sdfootnote1anc" href="#sdfootnote1sym"><sup>1'
        '</sup></a> more.</p><div id="sdfootnote1"><p class="sdfootnote"><a class="sdfootnote'
        'sym" name="sdfootnote1sym" href="#sdfootnote1anc">1</a>Para one.</p><p>Para two.</p>'
        "</div>"
    )
    substack = parse(
        '<p>Words<a class="footnote-anchor" id="footnote-anchor-1" href="#footnote-1">1</a>'
        ' after.</p><div class="footnote"><a id="footnote-1" href="#footnote-anchor-1"'
        ' class="footnote-number">1</a><div class="footnote-content"><p>The note.</p></div></div>'
    )
    assert [marked(b) for b in wikipedia.blocks] == ["Paris is big.[1] Old too.[2] Big.[1]"]
    assert [(f.number, f.text) for f in wikipedia.footnotes] == [(1, "INSEE 2020."), (2, "Smith.")]
    assert [marked(b) for b in google_docs.blocks] == ["Claim[1] and more."]
    assert [(f.number, f.text) for f in google_docs.footnotes] == [(1, "A note.")]
    assert [marked(b) for b in libreoffice.blocks] == ["Text[1] more."]
    assert [(f.number, f.text) for f in libreoffice.footnotes] == [(1, "Para one. Para two.")]
    assert [marked(b) for b in substack.blocks] == ["Words[1] after."]
    assert [(f.number, f.text) for f in substack.footnotes] == [(1, "The note.")]


def test_numbered_links_that_are_not_markers() -> None:
    doc = parse(
        '<main><p>Results page <a href="/p/2" title="Go to page 2">2</a> or <a href="/p/3"'
        ' title="Page three of the results">3</a>.</p>'
        '<p>Tab <a href="#tab2">2</a></p><div id="tab2" style="display:none">Tab two.</div>'
        '<p>See figure <a href="#fig1">1</a>.</p><figure id="fig1"><figcaption>Figure 1. A'
        " chart</figcaption></figure>"
        '<p>Steps<sup><a href="#s1">1</a></sup></p><div><h3 id="s1">Step one</h3></div></main>'
    )
    assert doc.footnotes == ()
    assert [b.text for b in doc.blocks] == [
        "Results page 2 or 3.",
        "Tab 2",
        "Tab two.",
        "See figure 1.",
        "Figure 1. A chart",
        "Steps¹",
        "Step one",
    ]


def test_symbol_marker_takes_the_number_of_the_note_it_links_to() -> None:
    doc = parse(
        '<p>Claim<a href="#fn1"><sup>*</sup></a> rest; a bare * stays.</p>'
        '<ol class="footnotes"><li id="fn1">Star note.</li></ol>'
    )
    assert [marked(b) for b in doc.blocks] == ["Claim[1] rest; a bare * stays."]
    assert [(f.number, f.text) for f in doc.footnotes] == [(1, "Star note.")]
