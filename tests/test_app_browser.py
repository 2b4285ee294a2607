"""The app in a real browser: Playwright driving Debian's chromium against the app on loopback.

Every test also checks that the page raised no dialog (an executed `alert`) and that no request
left 127.0.0.1 (no web fonts, CDNs or telemetry). Most tests use the synthetic index with
`FakeEmbedder`; the screenshot test uses the shipped brief and the real model.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from app_server import (
    FOOTNOTES,
    REPORT_URL,
    build_synthetic_index,
    real_brief_index,
    serve,
)

playwright = pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

pytestmark = [
    pytest.mark.browser,
    # Gradio's own Dataframe code trips a pandas 3 deprecation warning; not ours to fix.
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
DOC_SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
TIMEOUT_MS = 30_000


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True  # inline resources: nothing leaves the machine
    return parts.hostname in ("127.0.0.1", "localhost", "::1")


@dataclass
class Session:
    page: Page
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"
        offsite = [u for u in self.requests if not is_loopback(u)]
        assert offsite == [], f"requests left 127.0.0.1: {offsite}"
        assert self.requests, "no request was recorded at all"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed: apt-get install -y chromium")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def synthetic_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from conftest import FakeEmbedder

    index_dir = build_synthetic_index(tmp_path_factory.mktemp("browser") / "index",
                                      FakeEmbedder())
    with serve(index_dir, FakeEmbedder()) as url:
        yield url


@contextmanager
def open_session(browser: Browser, url: str) -> Iterator[Session]:
    """A fresh browser context on the app, recording requests and dialogs."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 1000},
        permissions=["clipboard-read", "clipboard-write"],  # to check the copy buttons
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    session = Session(page)
    page.on("request", lambda request: session.requests.append(request.url))

    def on_dialog(dialog: object) -> None:
        session.dialogs.append(getattr(dialog, "message", "?"))
        dialog.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", on_dialog)
    page.goto(url)
    # The index fills in on page load: the status line says how many footnotes it holds.
    expect(page.locator("#index-status")).to_contain_text("footnotes")
    try:
        yield session
    finally:
        context.close()


@pytest.fixture
def session(browser: Browser, synthetic_url: str) -> Iterator[Session]:
    with open_session(browser, synthetic_url) as opened:
        yield opened


def ask(page: Page, question: str) -> None:
    """Type a question, send it, and wait until its reply is on screen."""
    users = page.locator("#chat [data-testid=user]")
    before = users.count()
    page.locator("#question textarea").fill(question)
    page.locator("#ask-button").click()
    expect(users).to_have_count(before + 1)
    # The question box is cleared when the reply has been rendered.
    expect(page.locator("#question textarea")).to_have_value("")


def check_claim(page: Page, claim: str) -> None:
    page.get_by_role("tab", name="Check a claim").click()
    page.locator("#claim textarea").fill(claim)
    page.locator("#check-button").click()


# ------------------------------------------------------------------ synthetic index


def test_question_shows_passage_and_its_footnote(session: Session) -> None:
    page = session.page
    ask(page, "What share of detected victims were children in 2022?")
    chat = page.locator("#chat")
    # The passage's own message (the direct answer above it quotes the same sentence).
    passage = chat.locator("[data-testid=bot]").filter(
        has_text="In 2022, children accounted for 38% of detected victims of trafficking "
        "worldwide.²"
    ).filter(has=page.locator("summary")).first
    expect(passage).to_be_visible()
    footnote_text = passage.locator("code", has_text=FOOTNOTES[1].text)
    expect(footnote_text).to_be_hidden()  # collapsed until asked for
    passage.locator("summary", has_text="Footnote ²").click()
    expect(footnote_text).to_be_visible()
    expect(passage.locator(f"a[href='{REPORT_URL}#page=42']").first).to_be_visible()
    # Each citation has its own copy button, which copies the footnote verbatim.
    passage.locator("button.copy_code_button").first.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.strip() == FOOTNOTES[1].text
    session.assert_clean()


def test_clicking_an_example_asks_it(session: Session) -> None:
    """The examples are the loaded brief's own (its section headings here), not a fixed list."""
    page = session.page
    example = "What does the brief say about Legal frameworks?"
    page.get_by_role("button", name=example).click()
    expect(page.locator("#chat [data-testid=user]")).to_have_text([example])
    expect(page.locator("#chat [data-testid=bot]").filter(
        has_text="The Palermo Protocol was adopted in 2000"
    ).first).to_be_visible()
    expect(page.get_by_role("button", name="What is footnote 1?")).to_have_count(0)
    assert page.title().startswith("brief-qa — Committee X")
    session.assert_clean()


def test_follow_up_question(session: Session) -> None:
    page = session.page
    ask(page, "What share of detected victims were children in 2022?")
    ask(page, "And what share were girls?")
    expect(page.locator("#chat [data-testid=user]")).to_have_count(2)
    last_reply = page.locator("#chat [data-testid=bot]").filter(has_text="Girls represented 22%")
    expect(last_reply.last).to_be_visible()
    page.locator("#new-chat").click()
    expect(page.locator("#chat [data-testid=user]")).to_have_count(0)
    session.assert_clean()


def test_true_and_false_claims_get_the_right_badges(session: Session) -> None:
    page = session.page
    check_claim(page, "In 2022, children accounted for 38% of detected victims of trafficking.")
    expect(page.locator("#verdict-badge")).to_have_text("✔ Supported")
    expect(page.locator("#verdict-evidence")).to_contain_text("38%")
    check_claim(page, "In 2022, children accounted for 75% of detected victims of trafficking.")
    expect(page.locator("#verdict-badge")).to_have_text("✘ Contradicted")
    session.assert_clean()


def test_open_a_footnote_from_the_table(session: Session) -> None:
    page = session.page
    page.get_by_role("tab", name="Footnotes & sources").click()
    table = page.locator("#citations-table")
    expect(table).to_contain_text("fetched")
    expect(table).to_contain_text("no URL")
    cell = table.locator("[data-testid=cell-1-0]")
    expect(cell).to_have_text("Footnote 2")
    cell.click()
    lookup = page.locator("#citation-lookup")
    expect(lookup).to_contain_text("Footnote ²")
    expect(lookup).to_contain_text("In 2022, children accounted for 38%")  # the brief cites it
    expect(lookup).to_contain_text("38 per cent")  # the source on the cited page
    session.assert_clean()


def test_hostile_passage_executes_nothing(session: Session) -> None:
    page = session.page
    ask(page, "Rescue shelters offer counselling to survivors and list hotlines")
    chat = page.locator("#chat")
    hostile = chat.locator("[data-testid=bot]").filter(has_text="Rescue shelters offer").first
    expect(hostile).to_be_visible()
    # Shown as text, word for word, not interpreted.
    expect(hostile).to_contain_text("<script>alert(1)</script>")
    expect(hostile).to_contain_text("<img src=x onerror=alert(1)>")
    expect(hostile).to_contain_text("[link](javascript:alert(1))")
    assert chat.locator("script").count() == 0
    assert chat.locator("img").count() == 0
    hrefs = chat.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    assert chat.locator("[onerror], [onload], [onclick]").count() == 0
    page.wait_for_timeout(500)  # give any injected handler a chance to fire
    session.assert_clean()


# ------------------------------------------------------------------ the shipped brief


UPLOADED_BRIEF = """Human Rights Council (HRC)

Topic A. Freedom of expression online

Introduction:

Internet shutdowns during elections cut off millions of people from news and from each other.¹

¹ Access Now. *KeepItOn shutdown tracker 2024*. In: <https://example.org/keepiton> (01/03/2025).
"""


def test_upload_a_brief_ask_about_it_then_remove_it(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from conftest import FakeEmbedder

    from assistant.serve.uploads import UploadPolicy

    root = tmp_path_factory.mktemp("upload")
    index_dir = build_synthetic_index(root / "state" / "index", FakeEmbedder())
    brief = root / "HRC topic A.txt"
    brief.write_text(UPLOADED_BRIEF, encoding="utf-8")
    policy = UploadPolicy(enabled=True)
    with serve(index_dir, FakeEmbedder(), upload_policy=policy) as url, \
            open_session(browser, url) as session:
        page = session.page
        page.get_by_role("tab", name="Briefs").click()
        page.locator("#upload-file input[type=file]").set_input_files(str(brief))
        page.locator("#add-brief").click()
        expect(page.locator("#upload-status")).to_contain_text("done", timeout=60_000)
        expect(page.locator("#briefs-table")).to_contain_text("hrc-topic-a")
        expect(page.locator("#index-status")).to_contain_text("Human Rights Council")

        page.get_by_role("tab", name="Ask").click()
        ask(page, "Internet shutdowns during elections")
        passage = page.locator("#chat [data-testid=bot]").filter(
            has_text="Internet shutdowns during elections cut off millions"
        ).filter(has=page.locator("summary")).first
        expect(passage).to_be_visible()
        passage.locator("summary", has_text="Footnote ¹").click()
        expect(passage.locator("code", has_text="Access Now. KeepItOn shutdown tracker 2024")
               ).to_be_visible()

        page.get_by_role("tab", name="Briefs").click()
        page.locator("#remove-pick input").click()
        page.get_by_role("option", name="hrc-topic-a").first.click()
        page.locator("#remove-brief").click()
        expect(page.locator("#upload-status")).to_contain_text("removed", timeout=60_000)
        expect(page.locator("#briefs-table")).not_to_contain_text("hrc-topic-a")
        session.assert_clean()


@pytest.mark.model
@pytest.mark.slow
def test_screenshots_of_each_tab_on_the_shipped_brief(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    index_dir, embedder = real_brief_index(tmp_path_factory.mktemp("brief"))
    # The committed pictures in docs/ are refreshed on request (or when missing), so that a
    # test run does not leave the working tree modified.
    refresh = os.environ.get("BRIEF_QA_UPDATE_SCREENSHOTS") == "1" or not all(
        (DOC_SCREENSHOTS / f"{name}.png").exists() for name in ("ask", "check", "footnotes")
    )
    shots = DOC_SCREENSHOTS if refresh else tmp_path_factory.mktemp("screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    with serve(index_dir, embedder) as url, open_session(browser, url) as session:
        page = session.page
        ask(page, "What share of detected trafficking victims were children in 2022?")
        passages = page.locator("#chat [data-testid=bot]").filter(has=page.locator("summary"))
        expect(passages.filter(has_text="38%").first).to_be_visible()
        passages.first.locator("summary").first.click()  # open the first passage's footnotes
        expect(passages.first.locator("code").first).to_be_visible()
        # Scroll the chat back so the question and the top of the reply are in the picture.
        page.locator("#chat [data-testid=user]").last.evaluate(
            "el => el.scrollIntoView({block: 'start'})"
        )
        page.screenshot(path=str(shots / "ask.png"), full_page=True)

        check_claim(page, "Children account for 38% of detected trafficking victims.")
        expect(page.locator("#verdict-badge")).to_have_text("✔ Supported")
        page.screenshot(path=str(shots / "check.png"), full_page=True)

        page.get_by_role("tab", name="Footnotes & sources").click()
        cell = page.locator("#citations-table [data-testid=cell-4-0]")
        expect(cell).to_have_text("Footnote 5")
        cell.click()
        expect(page.locator("#citation-lookup")).to_contain_text("38%")
        page.screenshot(path=str(shots / "footnotes.png"), full_page=True)
        session.assert_clean()
    for name in ("ask", "check", "footnotes"):
        assert (shots / f"{name}.png").stat().st_size > 10_000
