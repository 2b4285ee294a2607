"""Several briefs in one index (issue 12): a footnote's identity is (brief, number).

Every brief has a footnote 1. A passage must carry its own brief's footnote 1, never another
brief's; lookups, claim checks and the CLI take a brief scope; a source cited by two briefs
carries each brief's footnote, labelled by brief.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import BRIEF_TXT, REPO, FakeEmbedder

import app
from assistant.answer.citations import citations_for
from assistant.assistant import Assistant
from assistant.present import tables
from assistant.serve import requests as edge
from assistant.serve.service import AssistantProvider
from index.errors import IndexMismatchError, QueryError
from index.store import SearchIndex
from index.writer import write_index
from ingest.pipeline import build_corpus
from ingest.records import Chunk, Corpus, Document
from ingest.sources.collect import collect_sources

REAL_DOCS = Path(__file__).resolve().parents[2] / "shared" / "real-docs"
EXPLAINER = (
    "https://www.unodc.org/unodc/frontpage/2024/July/explainer-understanding-child-"
    "trafficking.html"
)
ARMS_NOTE_1 = "UNODA. *Small Arms Survey 2023*. In: <https://arms.example.org/survey> (01/02/2025)."
# The TXT reader reads Markdown: the note as printed has no asterisks or angle brackets.
ARMS_NOTE_1_PRINTED = (
    "UNODA. Small Arms Survey 2023. In: https://arms.example.org/survey (01/02/2025)."
)
ARMS_BRIEF = f"""Disarmament and International Security Committee (DISEC)

Topic A. Curbing the illicit trade in small arms and light weapons

Introduction:

The illicit trade in small arms and light weapons fuels armed violence in many regions and \
prolongs conflicts long after peace agreements are signed.¹

Stockpiles left unsecured after a conflict are the main source of weapons for armed groups, \
and marking and tracing of firearms remains weak in most states.²

Child soldiers are recruited more easily where small arms are cheap and plentiful, which is \
why child trafficking and the arms trade are often discussed together.³

¹ {ARMS_NOTE_1}

² UNIDIR. *Stockpile management in post-conflict settings*. UNIDIR, Geneva, 2022. p. 12

³ UNODC. *Explainer: Understanding Child Trafficking*. United Nations, New York. In: \
<{EXPLAINER}> (14/01/2025).

References

- UNIDIR. *Stockpile management in post-conflict settings*. UNIDIR, Geneva, 2022.
"""


@pytest.fixture(scope="module")
def two_briefs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Corpus, Path]:
    folder = tmp_path_factory.mktemp("conference")
    (folder / "unicef-topic-b.txt").write_text(BRIEF_TXT.read_text("utf-8"), "utf-8")
    (folder / "disec-topic-a.txt").write_text(ARMS_BRIEF, "utf-8")
    corpus = build_corpus([folder], progress=False)
    assert not corpus.errors, corpus.errors
    return corpus, folder


@pytest.fixture(scope="module")
def assistant(
    two_briefs: tuple[Corpus, Path], tmp_path_factory: pytest.TempPathFactory
) -> Assistant:
    link = tmp_path_factory.mktemp("index") / "index"
    write_index(two_briefs[0], link, FakeEmbedder(), progress=False)
    return Assistant.open(link, embedder=FakeEmbedder())


def test_each_brief_keeps_its_own_numbering(two_briefs: tuple[Corpus, Path]) -> None:
    corpus, _ = two_briefs
    by_brief: dict[str, list[int]] = {}
    for note in corpus.footnotes:
        by_brief.setdefault(note.document_id, []).append(note.number)
    assert by_brief == {"disec-topic-a": [1, 2, 3], "unicef-topic-b": list(range(1, 13))}
    assert {r.document_id for r in corpus.references} == {"disec-topic-a", "unicef-topic-b"}


def test_every_passage_carries_its_own_briefs_footnotes(assistant: Assistant) -> None:
    """The bug this issue was filed for: the DISEC sentence came back with UNICEF's ¹."""
    index = assistant.index
    checked = 0
    for chunk in index.chunks:
        for citation in citations_for(chunk, index):
            assert citation.brief_id == chunk.document_id, (chunk.id, citation)
            own = index.footnote(chunk.document_id, citation.number or 0)
            assert own is not None and citation.text == own.text
            checked += 1
    assert checked >= 15
    answer = assistant.ask("illicit trade in small arms fuels armed violence", k=3)
    top = answer.hits[0]
    assert top.document.id == "disec-topic-a"
    own = [n.text for n in index.footnotes if n.document_id == "disec-topic-a"]
    assert [c.text for c in top.citations] == own and own[0] == ARMS_NOTE_1_PRINTED
    assert top.citations[0].to_dict()["brief"] == {
        "id": "disec-topic-a",
        "title": top.document.title,
    }


def test_an_unscoped_footnote_lookup_shows_each_briefs_footnote(assistant: Assistant) -> None:
    lookups = assistant.cite(1)  # in ingest order (files sorted by name)
    assert [x.brief_id for x in lookups] == ["disec-topic-a", "unicef-topic-b"]
    assert lookups[0].text == ARMS_NOTE_1_PRINTED
    assert lookups[1].text.startswith("UNODC. Explainer")
    assert all(h.document.id == x.brief_id for x in lookups for h in x.brief_passages)
    (scoped,) = assistant.cite(1, brief="disec-topic-a")
    assert scoped.text == ARMS_NOTE_1_PRINTED
    with pytest.raises(QueryError, match="brief 'disec-topic-a' has footnotes 1–3"):
        assistant.cite(4, brief="disec-topic-a")
    (unicef_only,) = assistant.cite(12)  # only UNICEF has a twelfth footnote
    assert unicef_only.brief_id == "unicef-topic-b"
    with pytest.raises(QueryError, match=r"unknown brief 'nope'.*disec-topic-a"):
        assistant.cite(1, brief="nope")


def test_footnote_question_answers_for_every_brief_labelled(assistant: Assistant) -> None:
    answer = assistant.ask("what is footnote 1?")
    assert answer.notice == "footnote 1 in 2 briefs"
    assert answer.direct_answer is not None
    lines = answer.direct_answer.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Disarmament") and lines[0].endswith("¹ " + ARMS_NOTE_1_PRINTED)
    assert lines[1].startswith("United Nations Children's Fund (UNICEF)")
    assert {h.document.id for h in answer.hits} == {"unicef-topic-b", "disec-topic-a"}
    scoped = assistant.ask("what is footnote 1?", brief="disec-topic-a")
    assert scoped.direct_answer == "¹ " + ARMS_NOTE_1_PRINTED
    assert {h.document.id for h in scoped.hits} == {"disec-topic-a"}


def test_ask_and_check_scoped_to_a_brief(assistant: Assistant) -> None:
    answer = assistant.ask("child trafficking", k=10, brief="disec-topic-a")
    assert answer.hits and {h.document.id for h in answer.hits} == {"disec-topic-a"}
    verdict = assistant.check("Children are 38% of detected victims.", brief="unicef-topic-b")
    assert verdict.evidence
    assert {h.document.id for h in verdict.evidence} == {"unicef-topic-b"}
    with pytest.raises(QueryError, match="unknown brief"):
        assistant.check("Children are 38% of detected victims.", brief="missing")


def test_briefs_record_their_masthead(assistant: Assistant) -> None:
    briefs = {b.id: b for b in assistant.briefs}
    assert briefs["disec-topic-a"].masthead == (
        "Disarmament and International Security Committee (DISEC)",
        "Topic A. Curbing the illicit trade in small arms and light weapons",
        "Introduction:",
    )


def test_a_shared_source_carries_each_citing_briefs_footnote(
    two_briefs: tuple[Corpus, Path], tmp_path: Path
) -> None:
    """UNICEF ¹ and DISEC ³ cite the same UNODC explainer: one source, both footnotes."""
    corpus, _ = two_briefs
    sources = collect_sources(corpus.footnotes, corpus.references)
    (explainer,) = [s for s in sources if s.url and "explainer" in s.url]
    assert {(c.document_id, c.footnote) for c in explainer.cited_by if c.footnote} == {
        ("unicef-topic-b", 1),
        ("disec-topic-a", 3),
    }
    page = Document(id="explainer", title="Explainer", kind="source", origin=EXPLAINER,
                    sha256="2" * 64, page_count=0, url=EXPLAINER)
    text = "Child trafficking is the recruitment of children for exploitation."
    chunk = Chunk(id="explainer-000", document_id="explainer", text=text, char_end=len(text))
    fetched = replace(explainer, status="fetched", document_id="explainer", chunk_count=1)
    with_source = replace(
        corpus,
        documents=(*corpus.documents, page),
        chunks=(*corpus.chunks, chunk),
        sources=tuple(fetched if s.id == explainer.id else s for s in sources),
        document_texts={**corpus.document_texts, "explainer": text},
    )
    write_index(with_source, tmp_path / "index", FakeEmbedder(), progress=False)
    index = SearchIndex.open(tmp_path / "index", embedder=FakeEmbedder())
    cited = citations_for(index.chunk("explainer-000"), index)
    # Both footnotes cite the page without a page number: each is shown, with its brief, and
    # with the reference entry it links to (UNICEF's list has the explainer; DISEC's has not).
    numbered = [(c.brief_id, c.number) for c in cited if c.number is not None]
    assert numbered == [("disec-topic-a", 3), ("unicef-topic-b", 1)]
    references = [c for c in cited if c.number is None]
    assert [c.brief_id for c in references] == ["unicef-topic-b"]
    assert "Explainer: Understanding Child Trafficking" in references[0].text


    # "Search in" lists each brief, then the sources it cites; the shared one is listed once.
    choices = tables.documents_choices(index.documents, index.sources)
    values = [value for _, value in choices]
    assert values[:3] == ["all", "brief", "sources"]
    assert values.count("doc:explainer") == 1
    assert values.index("brief:disec-topic-a") < values.index("doc:disec-topic-a") \
        < values.index("doc:explainer") < values.index("brief:unicef-topic-b")
    assert edge.search_scope("brief:disec-topic-a") == edge.SearchScope(brief="disec-topic-a")
    assert edge.search_scope("doc:explainer") == edge.SearchScope(only="explainer")

    # A chat turn scoped to one brief searches that brief and its sources only.
    handlers = app.Handlers(AssistantProvider(tmp_path / "index", embedder=FakeEmbedder()))
    seen: set[str] = set()
    for scope, allowed in (("brief:disec-topic-a", {"disec-topic-a", "explainer"}),
                           ("brief:unicef-topic-b", {"unicef-topic-b", "explainer"})):
        answer = handlers.api_ask("child trafficking recruitment of children", 10,
                                  brief=edge.search_scope(scope).brief)
        found = {h["document"]["id"] for h in answer["hits"]}
        assert found and found <= allowed
        seen |= found
        chat, _, box = handlers.respond("child trafficking recruitment", [], [], scope, 10)
        assert box == "" and not chat[-1]["content"].startswith("⚠")
    assert seen >= {"disec-topic-a", "unicef-topic-b"}


def test_an_index_of_the_old_format_says_to_reingest(assistant: Assistant) -> None:
    root = assistant.index.root
    manifest = root / "manifest.json"
    original = manifest.read_text("utf-8")
    data = json.loads(original)
    data["format_version"] = 1
    manifest.write_text(json.dumps(data), "utf-8")
    try:
        with pytest.raises(IndexMismatchError, match=r"format 1.*re-run `brief-qa ingest`"):
            SearchIndex.open(assistant.index.path, embedder=FakeEmbedder())
    finally:
        manifest.write_text(original, "utf-8")


def _cli(*args: str, index: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli.main", *args, "--index", str(index)],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )


def test_cli_lists_briefs_and_scopes_footnotes(assistant: Assistant) -> None:
    index = assistant.index.path
    listed = _cli("briefs", "--json", index=index)
    assert listed.returncode == 0, listed.stderr
    rows = {row["id"]: row for row in json.loads(listed.stdout)}
    assert rows["disec-topic-a"]["footnotes"] == 3 and rows["unicef-topic-b"]["footnotes"] == 12
    assert rows["unicef-topic-b"]["masthead"][0] == "United Nations Children's Fund (UNICEF)"
    text = _cli("briefs", index=index).stdout
    assert "disec-topic-a: " in text and "3 footnotes" in text

    notes = _cli("footnotes", "--brief", "disec-topic-a", "--json", index=index)
    assert [n["number"] for n in json.loads(notes.stdout)] == [1, 2, 3]
    both = _cli("footnotes", index=index).stdout
    assert "== unicef-topic-b:" in both and "== disec-topic-a:" in both

    cite = json.loads(_cli("cite", "1", "--json", index=index).stdout)
    assert [x["brief"]["id"] for x in cite["lookups"]] == ["disec-topic-a", "unicef-topic-b"]
    scoped = json.loads(_cli("cite", "1", "--brief", "disec-topic-a", "--json", index=index).stdout)
    assert [x["text"] for x in scoped["lookups"]] == [ARMS_NOTE_1_PRINTED]
    wrong = _cli("cite", "1", "--brief", "nope", index=index)
    assert wrong.returncode == 2 and "unknown brief 'nope'" in wrong.stderr


@pytest.mark.slow
def test_real_guides_in_one_index_cite_only_their_own_brief(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    """Three real guides plus the shipped brief: every footnote number they share is
    attached, on every passage, from the passage's own brief."""
    names = ["pacmun19_disec_a.pdf", "pacmun19_legal_a.pdf", "cmsmun_jcc_axis.pdf"]
    if not all((REAL_DOCS / name).exists() for name in names):
        pytest.skip(f"real documents not present under {REAL_DOCS}")
    corpus = build_corpus([BRIEF_TXT, *(REAL_DOCS / name for name in names)], progress=False)
    numbers: dict[int, set[str]] = {}
    for note in corpus.footnotes:
        numbers.setdefault(note.number, set()).add(note.document_id)
    shared = {n for n, briefs in numbers.items() if len(briefs) > 1}
    assert len({n.document_id for n in corpus.footnotes}) == 4
    assert len(shared) >= 10
    write_index(corpus, tmp_path / "index", fake_embedder, progress=False)
    index = SearchIndex.open(tmp_path / "index", embedder=fake_embedder)
    attached = 0
    for chunk in index.chunks:
        for citation in citations_for(chunk, index):
            assert citation.brief_id == chunk.document_id, (chunk.id, citation.number)
            note = index.footnote(chunk.document_id, citation.number or 0)
            assert note is not None and note.text == citation.text
            attached += citation.number in shared
    assert attached >= 20
    assistant = Assistant(index)
    for number in sorted(shared)[:5]:
        lookups = assistant.cite(number)
        assert sorted(x.brief_id for x in lookups) == sorted(numbers[number])
        for lookup in lookups:
            assert all(h.document.id == lookup.brief_id for h in lookup.brief_passages)
