"""Issue 15, row 13, without a browser: escaped passage text holds nothing Gradio's Markdown
renderer (marked, GitHub-flavoured) would turn into a link by itself (the browser test,
`tests/test_app_browser_links.py`, checks the rendered page)."""

from __future__ import annotations

import re

import pytest

from assistant.present.markdown import escape_markdown, passage_markdown
from ingest.records import Chunk, Marker

# marked's GFM rules (src/rules.ts): the inline `url` rule and the `text` rule's stop points.
MARKED_URL = re.compile(
    r"((?:ftp|https?):\/\/|www\.)(?:[a-zA-Z0-9\-]+\.?)+[^\s<]*"
    r"|[A-Za-z0-9._+-]+(@)[a-zA-Z0-9-_]+(?:\.[a-zA-Z0-9-_]*[a-zA-Z0-9])+(?![-_])"
)
UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


@pytest.mark.parametrize("text", [
    "see https://evil.example.com/path?a=1&b=2",
    "see http://plain.example.org.",
    "glued:xhttps://glued.example.com/x",
    "ftp://files.example.org/a",
    "www.helpline.example.net/child",
    "(www.unodc.org)",
    "_www.under.example.org",
    "HTTPS://LOUD.EXAMPLE.ORG",
    "write to help@rescue.example.org today",
    "https://www.unodc.org/documents/data-and- analysis/glotip.pdf",
    "https: //spaced.example.org and www .spaced.example.org",
])
def test_escaped_text_has_nothing_marked_would_link(text: str) -> None:
    escaped = escape_markdown(text)
    assert MARKED_URL.search(escaped) is None, escaped
    # What renders is the text itself: every backslash escape stands for its character.
    assert UNESCAPE.sub(r"\1", escaped).replace("&amp;", "&") == text


def test_a_highlight_or_marker_inside_a_url_leaves_no_link() -> None:
    text = "Hotlines: https://hotline.example.org/list and www.helpline.example.net now."
    chunk = Chunk(id="c", document_id="d", text=text,
                  markers=(Marker(offset=text.index(" and"), number=3),))
    start = text.index("hotline.example")
    rendered = passage_markdown(chunk, [(start, len(text))])
    for piece in re.split(r"</?mark>|[⁰¹²³⁴⁵⁶⁷⁸⁹]", rendered):
        assert MARKED_URL.search(piece) is None, piece


def test_the_regex_here_does_link_unescaped_text() -> None:
    # (so that the tests above can fail)
    assert MARKED_URL.search("see https://evil.example.com/x")
    assert MARKED_URL.search("www.helpline.example.net")
    assert MARKED_URL.search("help@rescue.example.org")
