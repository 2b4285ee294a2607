"""Issue 15, row 13, in a real browser: bare URLs inside passage text are not links.

Gradio's Markdown renderer (marked, GitHub-flavoured) links a bare `https://…`, `www.…` or
e-mail address by itself. `assistant.present.markdown` escapes passage text so that it
cannot: the only links in an answer are the ones the app builds (citations, the source's own
page). The text a reader sees and copies stays exactly the passage's.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_server import serve
from index_helpers import laid_out_chunks

from ingest.records import Corpus, Document, Footnote, Source, SourceCitation

playwright = pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning"),
]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
CITED_URL = "https://reports.example.org/hotlines-2024.pdf"
# Every form marked would link: scheme URLs (one glued to a word), www., an e-mail address,
# and the mangled forms a PDF leaves behind (a URL cut by a hyphen and a space).
PASSAGE = (
    "Hotlines are listed at https://hotline.example.org/list?country=all&lang=en and "
    "www.helpline.example.net/child, or write to help@rescue.example.org; the report is at "
    "https://www.unodc.org/documents/data-and- analysis/glotip_2024.pdf (see also "
    "xhttps://glued.example.com/x and ftp://files.example.org/a)."
)
BARE_HOSTS = ("hotline.example.org", "helpline.example.net", "rescue.example.org",
              "unodc.org", "glued.example.com", "files.example.org")
INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")


def links_corpus() -> Corpus:
    brief = Document(id="brief", title="Committee Y — Topic C: Hotlines", kind="brief",
                     origin="brief.pdf", sha256="3" * 64, page_count=2)
    chunks, text = laid_out_chunks("brief", [
        (PASSAGE, ("Assistance",), "2", (1,)),
        ("Shelters provide counselling and safe housing to rescued children.",
         ("Assistance",), "2", ()),
    ])
    note = Footnote(number=1, text=f"Agency H. *Hotlines 2024*. In: <{CITED_URL}> p. 3",
                    urls=(CITED_URL,), pages=("3",), document_id="brief",
                    printed_on_page="2")
    source = Source(id="hotlines", url=CITED_URL, title="Hotlines 2024",
                    cited_by=(SourceCitation(footnote=1, pages=("3",), document_id="brief"),),
                    status="offline", reason="network unreachable")
    return Corpus(documents=(brief,), chunks=chunks, footnotes=(note,), references=(),
                  sources=(source,), document_texts={"brief": text})


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed: apt-get install -y chromium")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from conftest import FakeEmbedder

    from index.writer import write_index

    index_dir = tmp_path_factory.mktemp("links") / "index"
    write_index(links_corpus(), index_dir, FakeEmbedder(), progress=False)
    with serve(index_dir, FakeEmbedder()) as url:
        yield url


@pytest.fixture
def page(browser: Browser, app_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000},
                                  permissions=["clipboard-read", "clipboard-write"])
    context.set_default_timeout(30_000)
    opened = context.new_page()
    offsite: list[str] = []
    opened.on("request", lambda r: offsite.append(r.url)
              if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    opened.goto(app_url)
    expect(opened.locator("#index-status")).to_contain_text("footnotes")
    yield opened
    context.close()
    assert offsite == [], offsite


def test_bare_urls_in_a_passage_are_not_links(page: Page) -> None:
    page.locator("#question textarea").fill("Where are the hotlines listed?")
    page.locator("#ask-button").click()
    bot = page.locator("#chat [data-testid=bot]")
    message = bot.filter(has=page.locator("blockquote"), has_text="Hotlines are listed at").first
    expect(message).to_be_visible()
    # The direct answer quotes the passage's sentence: no link there either.
    expect(bot.first).to_contain_text("help@rescue.example.org")
    # Open the footnote so its "cited source" link is rendered and counted too.
    message.locator("summary").first.click()
    expect(message.locator("pre").first).to_be_visible()
    hrefs = page.locator("#chat a[href]").evaluate_all("links => links.map(a => a.href)")
    assert hrefs, "the citation's own link is missing"
    assert all(h.startswith(CITED_URL) for h in hrefs), hrefs
    assert not any(host in h for h in hrefs for host in BARE_HOSTS), hrefs
    assert not any(h.startswith("mailto:") for h in hrefs), hrefs

    quote = message.locator("blockquote").first
    shown = quote.inner_text()
    assert " ".join(shown.split()) == " ".join(PASSAGE.split()) + "¹", shown
    assert not INVISIBLE.search(shown)

    # Selecting the passage and copying it gives the passage, character for character.
    copied = quote.evaluate(
        """(node) => {
            const range = document.createRange();
            range.selectNodeContents(node);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            document.execCommand('copy');
            return selection.toString();
        }"""
    )
    clipboard = page.evaluate("navigator.clipboard.readText()")
    for text in (copied, clipboard):
        assert " ".join(text.split()) == " ".join(PASSAGE.split()) + "¹", text
        assert not INVISIBLE.search(text)
        for url in ("https://hotline.example.org/list?country=all&lang=en",
                    "www.helpline.example.net/child", "help@rescue.example.org",
                    "xhttps://glued.example.com/x", "ftp://files.example.org/a"):
            assert url in text
