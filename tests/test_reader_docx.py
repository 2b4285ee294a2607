"""DocxReader: Word footnotes, styles, hyperlinks/fields, hostile packages, the shipped brief."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from conftest import BRIEF_DOCX

from ingest.errors import DocumentError
from ingest.readers.base import reader_for
from ingest.readers.docx import DocxReader
from ingest.records import Block, ParsedDocument

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = f'xmlns:w="{W_NS}" xmlns:r="{R_NS}"'


def rels(*entries: tuple[str, str, str, bool]) -> str:
    items = "".join(
        f'<Relationship Id="{rid}" Type="{REL}/{kind}" Target="{target}"'
        + (' TargetMode="External"' if external else "")
        + "/>"
        for rid, kind, target, external in entries
    )
    return f'<?xml version="1.0"?><Relationships xmlns="{PKG}">{items}</Relationships>'


def make_docx(
    path: Path,
    body: str,
    footnotes: str | None = None,
    styles: str | None = None,
    numbering: str | None = None,
    footnote_rels: str | None = None,
    document_name: str = "word/document.xml",
    endnotes: str | None = None,
) -> Path:
    """A minimal package; parts are wired through relationships like Word does."""
    doc_rels = []
    if footnotes is not None:
        doc_rels.append(("rIdF", "footnotes", "footnotes.xml", False))
    if endnotes is not None:
        doc_rels.append(("rIdE", "endnotes", "endnotes.xml", False))
    if styles is not None:
        doc_rels.append(("rIdS", "styles", "styles.xml", False))
    if numbering is not None:
        doc_rels.append(("rIdN", "numbering", "numbering.xml", False))
    doc_rels.append(("rIdL", "hyperlink", "https://body.example/link", True))
    folder, name = document_name.rsplit("/", 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("_rels/.rels", rels(("rId1", "officeDocument", document_name, False)))
        package.writestr(f"{folder}/_rels/{name}.rels", rels(*doc_rels))
        package.writestr(
            document_name,
            f'<?xml version="1.0"?><w:document {NS}><w:body>{body}</w:body></w:document>',
        )
        if footnotes is not None:
            package.writestr(
                f"{folder}/footnotes.xml",
                f'<?xml version="1.0"?><w:footnotes {NS}>{footnotes}</w:footnotes>',
            )
        if endnotes is not None:
            package.writestr(
                f"{folder}/endnotes.xml",
                f'<?xml version="1.0"?><w:endnotes {NS}>{endnotes}</w:endnotes>',
            )
        if footnote_rels is not None:
            package.writestr(f"{folder}/_rels/footnotes.xml.rels", footnote_rels)
        if styles is not None:
            package.writestr(f"{folder}/styles.xml", f"<w:styles {NS}>{styles}</w:styles>")
        if numbering is not None:
            package.writestr(
                f"{folder}/numbering.xml", f"<w:numbering {NS}>{numbering}</w:numbering>"
            )
    return path


def p(*runs: str, style: str | None = None, num: tuple[int, int] | None = None) -> str:
    ppr = ""
    if style or num:
        ppr = "<w:pPr>"
        ppr += f'<w:pStyle w:val="{style}"/>' if style else ""
        ppr += (
            f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>'
            if num
            else ""
        )
        ppr += "</w:pPr>"
    return f"<w:p>{ppr}{''.join(runs)}</w:p>"


def r(text: str, bold: bool = False) -> str:
    rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{text}</w:t></w:r>'


def ref(note_id: int, part: str = "footnote") -> str:
    return f'<w:r><w:{part}Reference w:id="{note_id}"/></w:r>'


def note(note_id: int, *runs: str, kind: str | None = None, part: str = "footnote") -> str:
    type_attr = f' w:type="{kind}"' if kind else ""
    return (
        f'<w:{part} w:id="{note_id}"{type_attr}><w:p><w:r><w:{part}Ref/></w:r>'
        f"{''.join(runs)}</w:p></w:{part}>"
    )


SEPARATORS = (
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r>'
    "<w:continuationSeparator/></w:r></w:p></w:footnote>"
)


def marked(block: Block) -> str:
    out, last = [], 0
    for marker in block.markers:
        out += [block.text[last : marker.offset], f"[{marker.number}]"]
        last = marker.offset
    return "".join(out) + block.text[last:]


# --- synthetic packages --------------------------------------------------------------------


def test_footnotes_numbered_by_reference_order_separators_skipped(tmp_path: Path) -> None:
    body = p(r("First claim."), ref(7), r(" Second claim."), ref(3)) + p(r("Third claim."), ref(5))
    notes = (
        SEPARATORS
        + note(3, r(" Note three."))
        + note(5, r("Note five."))
        + note(7, r("Note seven."))
    )
    notes += note(9, r("Never referenced."))
    doc = DocxReader().read(make_docx(tmp_path / "a.docx", body, footnotes=notes))
    assert [marked(b) for b in doc.blocks] == [
        "First claim.[1] Second claim.[2]",
        "Third claim.[3]",
    ]
    assert [(f.number, f.text) for f in doc.footnotes] == [
        (1, "Note seven."),
        (2, "Note three."),
        (3, "Note five."),
    ]
    # Only the unreferenced note is reported: separators are not footnotes at all.
    assert len(doc.warnings) == 1 and "id 9 is never referenced" in doc.warnings[0]
    assert doc.page_count == 1 and all(f.page is None for f in doc.footnotes)


def test_endnotes_are_read_and_numbered_after_the_footnotes(tmp_path: Path) -> None:
    endnote_separators = SEPARATORS.replace("w:footnote", "w:endnote")
    body = p(r("A claim."), ref(4, "endnote"), r(" A fact."), ref(2)) + p(
        r("Another claim."), ref(2, "endnote"))
    doc = DocxReader().read(make_docx(
        tmp_path / "a.docx", body, footnotes=SEPARATORS + note(2, r("Footnote text.")),
        endnotes=endnote_separators + note(2, r("Second endnote."), part="endnote")
        + note(4, r("First endnote."), part="endnote")))
    assert [marked(b) for b in doc.blocks] == ["A claim.[2] A fact.[1]", "Another claim.[3]"]
    assert [(f.number, f.text) for f in doc.footnotes] == [
        (1, "Footnote text."), (2, "First endnote."), (3, "Second endnote.")]
    assert any("endnotes are numbered from 2 on" in w for w in doc.warnings)


def test_endnotes_alone_are_numbered_from_1(tmp_path: Path) -> None:
    body = p(r("A claim."), ref(7, "endnote"))
    doc = DocxReader().read(make_docx(
        tmp_path / "a.docx", body, endnotes=note(7, r("Only endnote."), part="endnote")))
    assert [(f.number, f.text) for f in doc.footnotes] == [(1, "Only endnote.")]
    assert [marked(b) for b in doc.blocks] == ["A claim.[1]"] and doc.warnings == ()


def test_reference_to_missing_footnote_is_a_warning(tmp_path: Path) -> None:
    doc = DocxReader().read(make_docx(tmp_path / "a.docx", p(r("Claim."), ref(4)), footnotes=""))
    assert doc.blocks[0].markers == ()
    assert any("unknown footnote id 4" in w for w in doc.warnings)


def test_hyperlinks_and_fields_in_footnotes(tmp_path: Path) -> None:
    notes = SEPARATORS + note(
        2,
        r("Report. In: "),
        '<w:hyperlink r:id="rId9"><w:r><w:t>https://shown.example/page</w:t></w:r></w:hyperlink>',
        r(". See "),
        '<w:hyperlink r:id="rId8"><w:r><w:t>the annex</w:t></w:r></w:hyperlink>',
        r(" and "),
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> HYPERLINK "https://field.example/a" '
        "</w:instrText></w:r>"
        '<w:r><w:instrText xml:space="preserve">\\l "frag ment" </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        "<w:r><w:t>field text</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
        r(", "),
        '<w:fldSimple w:instr=" HYPERLINK &quot;https://simple.example/&quot; ">'
        "<w:r><w:t>simple</w:t></w:r></w:fldSimple>",
        r("."),
        "<w:del><w:r><w:delText>deleted words</w:delText></w:r></w:del>",
    )
    footnote_rels = rels(
        ("rId9", "hyperlink", "https://shown.example/page", True),
        ("rId8", "hyperlink", "https://hidden.example/annex.pdf", True),
    )
    path = make_docx(
        tmp_path / "links.docx",
        p(r("Claim."), ref(2)),
        footnotes=notes,
        footnote_rels=footnote_rels,
    )
    (footnote,) = DocxReader().read(path).footnotes
    assert footnote.text == (
        "Report. In: https://shown.example/page. See the annex and field text, simple."
    )
    assert footnote.links == (
        "https://shown.example/page",
        "https://hidden.example/annex.pdf",
        "https://field.example/a#frag%20ment",
        "https://simple.example/",
    )


def test_block_kinds_from_styles_numbering_and_bold(tmp_path: Path) -> None:
    styles = (
        '<w:style w:type="paragraph" w:styleId="Ttl"><w:name w:val="Title"/></w:style>'
        '<w:style w:type="paragraph" w:styleId="H1"><w:name w:val="heading 1"/></w:style>'
        '<w:style w:type="paragraph" w:styleId="MyHead"><w:name w:val="My Head"/>'
        '<w:basedOn w:val="H1"/></w:style>'
        '<w:style w:type="paragraph" w:styleId="Cap"><w:name w:val="caption"/></w:style>'
        '<w:style w:type="paragraph" w:styleId="LB"><w:name w:val="List Bullet"/></w:style>'
    )
    numbering = (
        '<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/>'
        "</w:lvl></w:abstractNum>"
        '<w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:numFmt w:val="none"/>'
        "</w:lvl></w:abstractNum>"
        '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
        '<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>'
    )
    body = (
        p(r("Agency"), style="Ttl")
        + p(r("Topic A"), style="Ttl")
        + p(r("Derived heading"), style="MyHead")
        + p(r("Short bold line:", bold=True))
        + p(r("Bold start:", bold=True), r(" then plain text."))
        + p(r("A bulleted item"), num=(1, 0))
        + p(r("Numbering format none is not a list"), num=(2, 0))
        + p(r("Styled list item"), style="LB")
        + p(r("Chart 1 placeholder"), style="Cap")
        + p(r("Figure 2. Caption by its text"))
        + "<w:tbl><w:tr><w:tc>"
        + p(r("In a table cell"))
        + "</w:tc></w:tr></w:tbl>"
        + p(r("   "))
        + p(r("Tabs"), "<w:r><w:tab/><w:t>and</w:t><w:br/><w:t>breaks</w:t></w:r>")
    )
    doc = DocxReader().read(
        make_docx(tmp_path / "k.docx", body, styles=styles, numbering=numbering)
    )
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("heading", "Agency"),
        ("heading", "Topic A"),
        ("heading", "Derived heading"),
        ("heading", "Short bold line:"),
        ("paragraph", "Bold start: then plain text."),
        ("list_item", "A bulleted item"),
        ("paragraph", "Numbering format none is not a list"),
        ("list_item", "Styled list item"),
        ("caption", "Chart 1 placeholder"),
        ("caption", "Figure 2. Caption by its text"),
        ("paragraph", "In a table cell"),
        ("paragraph", "Tabs and breaks"),
    ]
    assert doc.title == "Agency — Topic A"


def test_main_part_found_through_relationships(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "o.docx", p(r("Hello.")), document_name="word/main2.xml")
    assert [b.text for b in DocxReader().read(path).blocks] == ["Hello."]


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    path = tmp_path / "xxe.docx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr(
            "_rels/.rels", rels(("rId1", "officeDocument", "word/document.xml", False))
        )
        package.writestr(
            "word/document.xml",
            f'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
            f"<w:document {NS}><w:body>{p(r('a &x; b'))}</w:body></w:document>",
        )
    try:
        doc = DocxReader().read(path)
    except DocumentError:
        return  # refusing the part is as safe as leaving the entity unexpanded
    assert "TOP-SECRET" not in " ".join(b.text for b in doc.blocks)


def test_decompression_bomb_is_refused(tmp_path: Path) -> None:
    filler = "A" * (3 * 2**20)
    path = make_docx(tmp_path / "bomb.docx", p(r(filler)))
    with pytest.raises(DocumentError, match=r"bomb\.docx.*(ratio|refusing)"):
        DocxReader().read(path)  # 3 MiB of "A" compresses > 100:1
    with pytest.raises(DocumentError, match="refusing to read more than 1,000,000 bytes"):
        DocxReader(max_xml_bytes=1_000_000, max_ratio=1e9).read(path)
    assert DocxReader(max_ratio=1e9).read(path).blocks[0].text == filler


def test_broken_packages_raise_document_error(tmp_path: Path) -> None:
    not_zip = tmp_path / "plain.docx"
    not_zip.write_text("just text")
    with pytest.raises(DocumentError, match=r"plain\.docx.*not a zip"):
        DocxReader().read(not_zip)
    legacy = tmp_path / "old.docx"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    with pytest.raises(DocumentError, match=r"legacy \.doc"):
        DocxReader().read(legacy)
    empty_zip = tmp_path / "empty.docx"
    with zipfile.ZipFile(empty_zip, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(DocumentError, match="no main document part"):
        DocxReader().read(empty_zip)
    broken = make_docx(tmp_path / "broken.docx", p(r("x")) + "<w:p><w:r>")
    with pytest.raises(DocumentError, match="malformed XML"):
        DocxReader().read(broken)
    with pytest.raises(DocumentError, match="missing"):
        DocxReader().read(tmp_path / "missing.docx")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.docx")
        with pytest.raises(DocumentError, match="not a regular file"):
            DocxReader().read(tmp_path / "pipe.docx")


def test_reader_for_picks_docx_reader() -> None:
    assert isinstance(reader_for(Path("x.DOCX")), DocxReader)


# --- the shipped brief ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def brief() -> ParsedDocument:
    return DocxReader().read(BRIEF_DOCX)


def test_brief_has_twelve_footnotes_in_order(brief: ParsedDocument) -> None:
    assert [f.number for f in brief.footnotes] == list(range(1, 13))
    assert brief.footnotes[0].text == (
        "UNODC. Explainer: Understanding Child Trafficking. United Nations, New York. "
        '"No update date". In: <https://www.unodc.org/unodc/frontpage/2024/July/'
        "explainer-understanding-child-trafficking.html> (14/01/2025)."
    )
    for number, page in zip(range(4, 10), (46, 42, 43, 45, 46, 48), strict=True):
        assert brief.footnotes[number - 1].text.endswith(f"p. {page}")
    assert brief.warnings == ()


def test_brief_field_hyperlink_keeps_displayed_url(brief: ParsedDocument) -> None:
    third = brief.footnotes[2]
    url = (
        "https://www.worldbank.org/en/topic/safetynets#:~:text=Social%20safety%20nets%20can"
        "%20be,them%20to%20access%20economic%20opportunity%20"
    )
    assert f"<{url}>" in third.text  # the field's displayed text, not its instruction
    assert "HYPERLINK" not in third.text
    assert third.links == (url,)  # the field target, spaces escaped, equals what is shown


def test_brief_blocks(brief: ParsedDocument) -> None:
    markers = [(m.number, b) for b in brief.blocks for m in b.markers]
    assert [n for n, _ in markers] == list(range(1, 13))
    assert marked(markers[0][1]).endswith("in various ways.[1]")
    assert brief.title.startswith("United Nations Children's Fund (UNICEF) — Topic B.")
    headings = [b.text for b in brief.blocks if b.kind == "heading"]
    assert headings[2:5] == ["Introduction:", "Concepts and definitions:", "Current issue:"]
    assert headings[-1] == "References:"
    assert [b.kind for b in brief.blocks].count("caption") == 3
    assert sum(b.kind == "list_item" for b in brief.blocks) >= 12 + 12 + 15
    assert all(b.page_start is None and b.page_end is None for b in brief.blocks)
