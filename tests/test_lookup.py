"""Citation lookup: query parsing, `cite(n)`, figure-source questions, routing inside `ask`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from index_helpers import REPORT_URL, make_corpus

from assistant.answer.lookup import (
    FigureQuery,
    FootnoteQuery,
    copyable_citation,
    page_matches,
    parse_lookup,
)
from index.errors import QueryError
from ingest.records import Chunk, Footnote


@pytest.mark.parametrize(
    ("query", "number"),
    [
        ("footnote 5", 5),
        ("what is footnote 5?", 5),
        ("Footnote #12", 12),
        ("[5]", 5),
        ("(9)", 9),
        ("fn 2", 2),
        ("fn. 2", 2),
        ("note 4", 4),
        ("what does note 4 cite?", 4),
        ("⁷", 7),
        ("show me foot-note no. 3", 3),
    ],
)
def test_footnote_queries(query: str, number: int) -> None:
    assert parse_lookup(query) == FootnoteQuery(number)


@pytest.mark.parametrize(
    ("query", "figure"),
    [
        ("where does the 60% figure come from?", "60%"),
        ("source of the 60% figure", "60%"),
        ("what is the source of the 38% statistic?", "38%"),
        ("source for the 1453 victims", "1453"),
        ("who says 1,453 victims?", "1,453"),
        ("which footnote is cited for 22 per cent?", "22 per cent"),
    ],
)
def test_figure_source_queries(query: str, figure: str) -> None:
    parsed = parse_lookup(query)
    assert isinstance(parsed, FigureQuery)
    assert parsed.quantity.text == figure


@pytest.mark.parametrize(
    "query",
    [
        "what share of victims are girls?",
        "Why are 38% of victims children?",  # a figure but no "source" cue
        "what are the main sources of vulnerability for children?",  # a cue but no figure
        "",
        "Please note 5 ways in which poverty, conflict, migration, lack of education and "
        "violence raise the risk of trafficking for children in many regions",  # long question
    ],
)
def test_ordinary_questions_are_not_lookups(query: str) -> None:
    assert parse_lookup(query) is None


def test_copyable_citation_is_the_footnote_verbatim_never_completed() -> None:
    full = Footnote(number=5, text="UNODC. Report. In: <https://x.org/r>. p. 42",
                    urls=("https://x.org/r",), pages=("42",), reference=1)
    assert copyable_citation(full) == "⁵ UNODC. Report. In: <https://x.org/r>. p. 42"
    # A short footnote stays short: the brief never prints its reference entry + page.
    short = Footnote(number=6, text="UNODC. Report. (11/02/2025). p. 43", pages=("43",),
                     reference=1)
    assert copyable_citation(short) == "⁶ UNODC. Report. (11/02/2025). p. 43"


def test_page_matches() -> None:
    chunk = Chunk(id="c", document_id="d", text="t", page_start="41", page_end="43")
    assert page_matches(chunk, ("42",)) and page_matches(chunk, ("43",))
    assert not page_matches(chunk, ("44",))
    assert page_matches(chunk, ())
    assert not page_matches(Chunk(id="c", document_id="d", text="t"), ("42",))
    roman = Chunk(id="c", document_id="d", text="t", page_start="iii", page_end="iii")
    assert page_matches(roman, ("iii",)) and not page_matches(roman, ("iv",))


# ------------------------------------------------------------------ through the Assistant


@pytest.fixture
def assistant(tmp_path: Path, fake_embedder: Any) -> Any:
    from assistant.assistant import Assistant
    from index.writer import write_index

    write_index(make_corpus(), tmp_path / "index", fake_embedder, progress=False)
    return Assistant.open(tmp_path / "index", embedder=fake_embedder)


def test_cite_gathers_everything(assistant: Any) -> None:
    (lookup,) = assistant.cite(5)
    assert lookup.number == 5 and lookup.pages == ("42",)
    assert (lookup.brief_id, lookup.brief_title) == ("brief", "UNICEF Topic B")
    assert lookup.text.startswith("UNODC. Global Report 2024")
    assert lookup.citation.startswith("⁵ UNODC. Global Report 2024") and "p. 42" in lookup.citation
    assert lookup.url == REPORT_URL
    assert lookup.reference is not None and lookup.reference_index == 1
    assert [h.chunk.id for h in lookup.brief_passages] == ["brief-002"]
    (span,) = lookup.brief_passages[0].highlights
    assert "38%" in lookup.brief_passages[0].chunk.text[span[0] : span[1]]
    assert [h.chunk.page_start for h in lookup.source_passages] == ["42"]
    assert lookup.source_status == "indexed" and lookup.source_title == "Global Report"
    assert lookup.to_dict()["source_passages"][0]["pages"] == "42"


def test_cite_unknown_number_names_the_valid_ones(assistant: Any) -> None:
    with pytest.raises(QueryError, match=r"footnote 13 does not exist; the brief has "
                                         r"footnotes 1–2, 5, 9"):
        assistant.cite(13)


def test_footnote_query_in_ask_routes_to_the_lookup(assistant: Any) -> None:
    answer = assistant.ask("what is footnote 9?")
    assert answer.direct_answer is not None and answer.direct_answer.startswith("⁹ ")
    assert answer.hits[0].chunk.id == "brief-003"
    assert any(c.number == 9 and c.page == "48" for c in answer.hits[0].citations)
    assert [h.chunk.page_start for h in answer.trail[1]] == ["48"]


def test_unknown_footnote_in_ask_raises(assistant: Any) -> None:
    with pytest.raises(QueryError, match="footnote 40 does not exist"):
        assistant.ask("[40]")


def test_figure_source_question_finds_the_passage_and_its_footnote(assistant: Any) -> None:
    answer = assistant.ask("where does the 38% figure come from?")
    top = answer.hits[0]
    assert top.chunk.id == "brief-002"
    (span,) = top.highlights
    assert "38%" in top.chunk.text[span[0] : span[1]]
    assert answer.direct_answer is not None and answer.direct_answer.startswith("⁵ ")
    assert answer.notice is not None and "footnote 5" in answer.notice
    assert answer.trail[1][0].chunk.page_start == "42"


def test_figure_nobody_states_falls_back_to_search(assistant: Any) -> None:
    answer = assistant.ask("where does the 77% figure come from?")
    assert answer.notice is None or "stated in" not in answer.notice
    assert answer.hits  # an ordinary search still answers
