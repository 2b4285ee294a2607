"""The app's handlers called directly (no server, no browser), and the pure render functions.

Handlers run against a small real index built from the synthetic corpus with `FakeEmbedder`,
so no model is loaded.
"""

from __future__ import annotations

import html.parser
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from app_server import (
    BLOG_URL,
    BRIEF_TITLE,
    FOOTNOTES,
    REFERENCES,
    REPORT_URL,
    build_synthetic_index,
    synthetic_corpus,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

import app
from assistant.assistant import Assistant
from assistant.present import markdown as render
from assistant.present import tables
from assistant.records import Answer, Citation, CitationLookup, Hit, Verdict
from assistant.serve import requests as edge
from ingest.records import Chunk, Document, Marker

REPO = Path(__file__).resolve().parent.parent
HOSTILE = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[link](javascript:alert(1))",
    "![img](https://evil.example/x.png)",
    "<details open><summary>x</summary>",
    "`code` **bold** _em_ ~~del~~ | a | b |",
    "# heading\n- item\n1. item\n> quote\n    indented\n---",
    "&lt;script&gt; &amp; &#60;b&#62;",
)


# ------------------------------------------------------------------ render: escaping


class _Html(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def rendered(markdown: str) -> _Html:
    parser = _Html()
    parser.feed(MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown))
    return parser


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_renders_literally_without_tags(text: str) -> None:
    out = rendered(render.escape_markdown(text))
    assert set(out.tags) <= {"p", "br"}
    assert out.attrs == []
    assert squash("".join(out.text)) == squash(text)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(blacklist_categories=("Cs", "Cc")),
            st.sampled_from(list("\n *_[]()<>&#`\\|~!-+=.:1;$")),
        ),
        max_size=80,
    )
)
def test_any_text_escapes_to_plain_paragraphs(text: str) -> None:
    out = rendered(render.escape_markdown(text))
    assert set(out.tags) <= {"p", "br"}, (text, out.tags)
    assert squash("".join(out.text)) == squash(text)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "//evil.example/x",
        "/relative/path",
        "http://",
        "https://exa mple.org/",
        "https://example.org/\nx",
        "",
        None,
    ],
)
def test_unsafe_urls_give_no_link(url: str | None) -> None:
    assert render.safe_url(url) is None
    assert "](" not in render.markdown_link("label", url)


def test_safe_urls_are_encoded_so_they_cannot_end_the_link() -> None:
    url = render.safe_url("https://example.org/a (b)/c<d>?q='x\"&y=1#frag")
    assert url is not None
    assert not any(ch in url for ch in "()<> '\"")
    assert url.startswith("https://example.org/a%20%28b%29/c%3Cd%3E?q=")
    link = render.markdown_link("x", "https://example.org/(a)")
    out = rendered(link)
    assert out.tags == ["p", "a"] and out.attrs == [("href", "https://example.org/%28a%29")]
    # Existing percent-escapes and text fragments survive untouched.
    kept = "https://www.worldbank.org/en/topic/safetynets#:~:text=Social%20safety%20nets"
    assert render.safe_url(kept) == kept


def test_pdf_links_open_at_the_page() -> None:
    assert render.page_url(REPORT_URL, "42", pdf=True) == REPORT_URL + "#page=42"
    assert render.page_url(REPORT_URL + "#toc", "7", pdf=True) == REPORT_URL + "#page=7"
    assert render.page_url(REPORT_URL, "iv", pdf=True) == REPORT_URL  # not a number: no page
    assert render.page_url(BLOG_URL, "3", pdf=False) == BLOG_URL
    assert render.is_pdf("https://x.org/report.PDF")
    assert render.is_pdf("https://x.org/download?id=3", "application/pdf")
    assert not render.is_pdf("https://x.org/page.html", "text/html")


def test_code_block_fence_outgrows_backticks_in_the_text() -> None:
    block = render.code_block("a ```` b")
    assert block.startswith("`````text\n") and block.endswith("\n`````")
    out = rendered(block)
    assert out.tags == ["pre", "code"]
    assert "".join(out.text).strip() == "a ```` b"


# ------------------------------------------------------------------ render: records

BRIEF = Document(id="b", title="Brief", kind="brief", origin="b.pdf", sha256="0", page_count=4)
REPORT = Document(id="r", title="Report <i>x</i>", kind="source", origin=REPORT_URL, sha256="1",
                  page_count=90, url=REPORT_URL, content_type="application/pdf")


def make_hit(text: str, *, rank: int = 1, document: Document = BRIEF, markers: tuple[Marker, ...]
             = (), highlights: tuple[tuple[int, int], ...] = (), citations: tuple[Citation, ...]
             = (), page: str | None = "2") -> Hit:
    chunk = Chunk(id=f"c{rank}", document_id=document.id, text=text, section=("Part", "Sub"),
                  page_start=page, page_end=page, markers=markers,
                  footnotes=tuple(m.number for m in markers))
    return Hit(rank=rank, score=1.0, chunk=chunk, document=document, citations=citations,
               highlights=highlights)


def test_passage_keeps_markers_and_marks_highlights() -> None:
    text = "First sentence here. Second one."
    hit = make_hit(text, markers=(Marker(20, 5), Marker(32, 6)), highlights=((0, 21), (5, 10)))
    md = render.passage_markdown(hit.chunk, hit.highlights)
    # The marker right after the highlighted sentence stays inside the highlight.
    assert md == "<mark>First sentence here.⁵</mark> Second one.⁶"
    assert md.count("<mark>") == md.count("</mark>") == 1


def test_hit_markdown_quotes_passage_citations_and_source_link() -> None:
    citation = Citation(number=5, text="UNODC. *Global Report*. p. 42 <b>x</b>", url=REPORT_URL,
                        page="42")
    hit = make_hit("Children are 38% of victims.", markers=(Marker(28, 5),),
                   citations=(citation,))
    trail = make_hit("Children account for 38 per cent.", rank=1, document=REPORT, page="42")
    md = render.hit_markdown(hit, (trail,))
    assert md.startswith("**[1] Brief** · Brief · Part › Sub · p. 2")
    assert "> Children are 38% of victims.⁵" in md
    assert "<details><summary>Footnote ⁵ (verbatim)</summary>" in md
    # The footnote is verbatim in a code block (so it copies exactly), with a page link.
    assert "```text\nUNODC. *Global Report*. p. 42 <b>x</b>\n```" in md
    assert f"[cited source, p. 42]({REPORT_URL}#page=42)" in md
    assert "What the cited source says" in md
    assert "Report &lt;i&gt;x&lt;/i&gt;" in md  # a source title is untrusted too
    out = rendered(md)
    assert "script" not in out.tags and "i" not in out.tags and "b" not in out.tags


def test_where_shortens_long_titles_and_drops_heading_colons() -> None:
    long_title = (
        "United Nations Children's Fund (UNICEF) — Topic B. Efforts to ensure the protection"
    )
    doc = Document(id="d", title=long_title, kind="brief", origin="d.pdf", sha256="0",
                   page_count=1)
    chunk = Chunk(id="c", document_id="d", text="x", section=("Current issue:", "Data:"),
                  page_start="2", page_end="3")
    hit = Hit(rank=1, score=1.0, chunk=chunk, document=doc)
    assert render.where(hit) == (
        "United Nations Children's Fund (UNICEF) — Topic B. Efforts… · Current issue › Data "
        "· p. 2–3"
    )


def test_answer_messages_direct_answer_then_one_message_per_passage() -> None:
    hits = (make_hit("Alpha is first.", rank=1), make_hit("Beta is second.", rank=2))
    answer = Answer(query="q", hits=hits, direct_answer="Alpha is first.", direct_answer_hit=1,
                    notice="query truncated to 2,000 characters")
    messages = render.answer_messages(answer)
    assert [m["role"] for m in messages] == ["assistant"] * 3
    assert messages[0]["content"].startswith("ℹ _query truncated")
    assert "**Answer:** Alpha is first." in messages[0]["content"]
    assert "from passage [1]" in messages[0]["content"]
    assert messages[1]["content"].startswith("**[1] Brief**")
    assert messages[2]["content"].startswith("**[2] Brief**")
    empty = render.answer_messages(Answer(query="zzz", hits=()))
    assert empty == [{"role": "assistant",
                      "content": "No passage in the index matches this question."}]


@pytest.mark.parametrize(
    ("label", "badge"),
    [("supported", "✔ **Supported**"), ("contradicted", "✘ **Contradicted**"),
     ("not_found", "⊘ **Not found**")],
)
def test_verdict_badges(label: Any, badge: str) -> None:
    verdict = Verdict(claim="c", verdict=label, reason="because <b>", evidence=())
    got_badge, reason, evidence = render.verdict_markdown(verdict)
    assert got_badge == badge
    assert reason == "because &lt;b&gt;"
    assert "No passage" in evidence


def test_lookup_markdown_shows_citation_source_and_both_sides() -> None:
    lookup = CitationLookup(
        number=5, text="UNODC. *Global Report*. p. 42", citation="⁵ UNODC. *Global Report*. p. 42",
        url=REPORT_URL, pages=("42",), reference="UNODC. Global Report <2024>.",
        reference_index=13, brief_passages=(make_hit("Children are 38%.", rank=1),),
        source_passages=(), source_title="Global <Report>", source_status="offline: no network",
    )
    md = tables.lookup_markdown(lookup)
    assert md.startswith("### Footnote ⁵\n\n```text\n⁵ UNODC. *Global Report*. p. 42\n```")
    assert f"[cited source, p. 42]({REPORT_URL}#page=42)" in md
    assert "source: Global &lt;Report&gt;" in md and "status: **offline: no network**" in md
    assert "Reference list entry 13:\n\n```text\nUNODC. Global Report <2024>.\n```" in md
    assert "#### Passages of the brief that cite it (1)" in md and "Children are 38%." in md
    assert "#### What the source says on p. 42\n\n_The cited source is not indexed" in md
    assert not {"script", "img"} & set(rendered(md).tags)


def test_citation_rows_give_every_footnote_and_reference_a_status() -> None:
    corpus = synthetic_corpus()
    rows = tables.citation_rows(corpus.footnotes, corpus.references, corpus.sources)
    assert [r.label for r in rows] == [
        "Footnote 1", "Footnote 2", "Footnote 3", "Footnote 4",
        "Reference 1", "Reference 2", "Reference 3",
    ]
    assert [r.status for r in rows] == [
        "offline", "fetched", "no URL", "cached", "offline", "fetched", "no URL",
    ]
    assert rows[0].detail == "network unreachable"
    assert rows[1].detail == "p. 42; 2 passages indexed"
    assert rows[1].text == FOOTNOTES[1].text and rows[4].text == REFERENCES[0].text
    # Without a fetch run there are no sources: a URL is "not fetched", no URL is "no URL".
    bare = tables.citation_rows(corpus.footnotes, corpus.references, ())
    assert [r.status for r in bare][:4] == ["not fetched", "not fetched", "no URL", "not fetched"]


# ------------------------------------------------------------------ handlers


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import FakeEmbedder

    return build_synthetic_index(tmp_path_factory.mktemp("app") / "index", FakeEmbedder())


@pytest.fixture
def handlers(index_dir: Path) -> app.Handlers:
    from conftest import FakeEmbedder

    return app.Handlers(app.AssistantProvider(index_dir, embedder=FakeEmbedder()))


def test_respond_shows_answer_passages_and_verbatim_footnotes(handlers: app.Handlers) -> None:
    chat, turns, box = handlers.respond(
        "What share of detected victims were children in 2022?", [], [], "all", 5
    )
    assert box == "" and turns == ["What share of detected victims were children in 2022?"]
    assert chat[0] == {"role": "user",
                       "content": "What share of detected victims were children in 2022?"}
    assert chat[1]["content"].startswith("**Answer:**")
    assert "38%" in chat[1]["content"]
    first = chat[2]["content"]
    assert first.startswith("**[1] Brief** · Committee X")
    assert "38% of detected victims of trafficking worldwide.²" in first
    assert FOOTNOTES[1].text in first  # verbatim, inside a code block
    assert f"{REPORT_URL}#page=42" in first
    # The source passage on the cited page is shown with the brief passage.
    assert "What the cited source says" in first and "38 per cent" in first


def test_empty_question_changes_nothing(handlers: app.Handlers) -> None:
    chat = [{"role": "user", "content": "x"}]
    assert handlers.respond("   ", chat, ["x"], "all", 5) == (chat, ["x"], "")


def test_follow_up_passes_earlier_questions_as_history(
    handlers: app.Handlers, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, ...]] = []
    original = Assistant.ask

    def spy(self: Assistant, query: str, k: int = 5, **kwargs: Any) -> Answer:
        seen.append(tuple(kwargs.get("history", ())))
        return original(self, query, k, **kwargs)

    monkeypatch.setattr(Assistant, "ask", spy)
    chat, turns, _ = handlers.respond("What share of victims were children?", [], [], "all", 3)
    chat, turns, _ = handlers.respond("And girls?", chat, turns, "all", 3)
    assert seen == [(), ("What share of victims were children?",)]
    assert turns == ["What share of victims were children?", "And girls?"]
    assert [m["role"] for m in chat].count("user") == 2
    assert handlers.clear() == ([], [])


@pytest.mark.parametrize(
    ("scope", "documents"),
    [("brief", {"brief"}), ("sources", {"global-report", "shelters-blog"}),
     ("doc:global-report", {"global-report"})],
)
def test_scope_filter(handlers: app.Handlers, scope: str, documents: set[str]) -> None:
    where = edge.search_scope(scope)
    answer = handlers.api_ask("children victims 38 per cent", 10, only=where.only)
    assert answer["hits"]
    assert {h["document"]["id"] for h in answer["hits"]} <= documents


def test_unknown_scope_is_reported_in_the_chat(handlers: app.Handlers) -> None:
    chat, turns, box = handlers.respond("children", [], [], "doc:nope", 5)
    assert chat[-1]["content"].startswith("⚠")
    assert "nope" in chat[-1]["content"]
    assert turns == [] and box == "children"  # the question stays in the box to retry


def test_hostile_passage_is_escaped(handlers: app.Handlers) -> None:
    chat, _, _ = handlers.respond("shelters counselling survivors hotlines", [], [], "sources", 3)
    passages = [m["content"] for m in chat[2:]]
    hostile = next(p for p in passages if "counselling" in p and "Rescue shelters" in p)
    assert "<script" not in hostile and "<img" not in hostile
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile
    assert "\\[link\\](javascript:alert(1))" in hostile  # brackets escaped: no link
    out = rendered(hostile)
    assert not {"script", "img"} & set(out.tags)
    hrefs = [value for name, value in out.attrs if name == "href"]
    assert hrefs and all((h or "").startswith("https://") for h in hrefs)


def test_on_load_fills_filter_table_and_footnote_picker(handlers: app.Handlers) -> None:
    page = handlers.on_load()
    scopes, table, footnotes, status = page[:4]
    assert page.examples["samples"] and page.title == "brief-qa — " + BRIEF_TITLE
    assert page.upload_group["visible"] is False  # uploads are off unless the server allows
    assert [row[0] for row in page.briefs_table["value"]] == ["brief"]
    values = [value for _, value in scopes["choices"]]
    assert values == ["all", "brief", "sources", "doc:brief", "doc:global-report",
                      "doc:shelters-blog"]
    assert len(table["value"]) == len(FOOTNOTES) + len(REFERENCES)
    assert [row[3] for row in table["value"][:4]] == ["offline", "fetched", "no URL", "cached"]
    assert [value for _, value in footnotes["choices"]] == [f"brief:{n}" for n in (1, 2, 3, 4)]
    assert "4 footnotes, 3 references, 2 of 4 cited sources indexed, 9 passages" in status


def test_on_load_reports_a_missing_index(tmp_path: Path) -> None:
    handlers = app.Handlers(app.AssistantProvider(tmp_path / "nothing-here"))
    status = handlers.on_load().status
    assert status.startswith("⚠") and "brief-qa ingest" in status


def test_reference_row_lists_the_footnotes_citing_it(handlers: app.Handlers) -> None:
    picked, markdown = handlers.show_row(len(FOOTNOTES) + 1)  # Reference 2
    assert picked["value"] is None
    assert "### Reference 2" in markdown and "footnote(s) ²" in markdown
    assert "Status: **fetched**" in markdown
    assert handlers.show_row(99) == (gr.update(), "")


def test_api_ask_returns_json(handlers: app.Handlers) -> None:
    data = handlers.api_ask("Palermo Protocol adopted", 2)
    assert json.loads(json.dumps(data)) == data
    assert data["hits"][0]["citations"][0]["number"] == 3
    with pytest.raises(gr.Error, match="unknown mode"):
        handlers.api_ask("x", mode="magic")
    with pytest.raises(gr.Error, match="unknown document"):
        handlers.api_ask("x", only="nope")


def test_k_is_clamped(handlers: app.Handlers) -> None:
    assert len(handlers.api_ask("children", 500)["hits"]) <= app.MAX_K
    assert len(handlers.api_ask("children", 0)["hits"]) == 1


# ------------------------------------------------------------------ claims and lookups


def test_check_true_and_false_claims(handlers: app.Handlers) -> None:
    badge, reason, evidence = handlers.check(
        "In 2022, children accounted for 38% of detected victims of trafficking."
    )
    assert badge["value"] == "✔ **Supported**", reason
    assert badge["elem_classes"] == ["verdict", "verdict-supported"]
    assert "38%" in evidence and "²" in evidence
    badge, reason, evidence = handlers.check(
        "In 2022, children accounted for 75% of detected victims of trafficking."
    )
    assert badge["value"] == "✘ **Contradicted**", reason
    assert badge["elem_classes"] == ["verdict", "verdict-contradicted"]
    assert "38%" in evidence
    assert handlers.check("  ")[0]["value"] == ""
    badge, reason, _ = handlers.check("x" * 5000)  # too long: a QueryError, shown
    assert badge["elem_classes"] == ["verdict", "verdict-error"] and "1,000" in reason


def test_footnote_lookup_shows_citing_passages_and_source_page(handlers: app.Handlers) -> None:
    markdown = handlers.lookup_footnote(2)
    assert FOOTNOTES[1].text in markdown
    assert "In 2022, children accounted for 38%" in markdown  # a brief passage citing it
    assert "38 per cent" in markdown  # the source's text on the cited page 42
    assert f"{REPORT_URL}#page=42" in markdown
    assert handlers.lookup_footnote(99).startswith("⚠")
    picked, shown = handlers.show_row(1)
    assert picked["value"] == "brief:2" and shown == markdown  # one brief: the same lookup
    assert handlers.lookup_footnote("brief:2") == markdown


def test_api_check_and_cite_return_json(handlers: app.Handlers) -> None:
    verdict = handlers.api_check("The Palermo Protocol was adopted in 2000.")
    assert verdict["verdict"] == "supported"
    assert json.loads(json.dumps(verdict)) == verdict
    cite = handlers.api_cite(2)
    assert json.loads(json.dumps(cite)) == cite
    assert FOOTNOTES[1].text in json.dumps(cite, ensure_ascii=False)
    with pytest.raises(gr.Error):
        handlers.api_cite(99)


# ------------------------------------------------------------------ loading


def test_importing_the_app_loads_no_model_and_opens_no_index() -> None:
    code = (
        "import sys, app\n"
        "assert isinstance(app.demo, __import__('gradio').Blocks)\n"
        "assert app.PROVIDER._assistant is None\n"
        "print(sorted(m for m in ('sentence_transformers', 'torch', 'faiss') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.strip() == "[]"


def test_main_refuses_a_corrupt_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "index"
    bad.mkdir()
    (bad / "manifest.json").write_text("{not json")
    try:
        assert app.main(["--index", str(bad), "--port", "1"]) == 2
    finally:
        app.PROVIDER.configure(None)
    assert "error:" in capsys.readouterr().err


def test_repeated_questions_are_answered_from_the_cache(handlers: app.Handlers) -> None:
    cache = handlers.provider.cache
    first = handlers.api_ask("What is the Palermo Protocol?", 3)
    again = handlers.api_ask("What is the Palermo Protocol?", 3)
    assert first == again and cache.hits == 1
    handlers.api_ask("What is the Palermo Protocol?", 3, history=["earlier question"])
    handlers.api_ask("What is the Palermo Protocol?", 3, only="brief")
    assert cache.hits == 1  # other history or filter: another answer
    handlers.provider.configure(handlers.provider.index_dir, handlers.provider._embedder)
    handlers.api_ask("What is the Palermo Protocol?", 3)
    assert cache.hits == 1  # reconfiguring (e.g. after a rebuild) forgets old answers


def test_gradio_per_event_overheads_are_off() -> None:
    """Set before Gradio is imported: its per-event analytics summary (pandas over the last
    10,000 events, half the server's CPU under load) and its matplotlib probe."""
    queue = app.demo._queue
    assert queue.ANAYLTICS_CACHE_FREQUENCY >= 2**62  # (sic: Gradio's spelling)
    assert queue.ANALYTICS_MAX_EVENTS == 1000
    import importlib.util

    if sys.modules.get("matplotlib", "absent") is None:  # not installed: fails at once
        with pytest.raises(ImportError):
            import matplotlib  # noqa: F401
    else:
        assert importlib.util.find_spec("matplotlib") is not None


def test_a_symbol_note_is_labelled_by_its_symbol() -> None:
    from ingest.records import symbol_note_number

    dagger = symbol_note_number("†")
    assert dagger is not None
    note = Citation(number=dagger, text="Editor's note: figures as of 2021.")
    assert render.citation_label(note) == "Footnote †"
    assert render.citation_label(Citation(number=5, text="UNODC.")) == "Footnote 5"
