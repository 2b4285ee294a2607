"""`Assistant.ask` and `brief-qa ask`: retrieval, filters, query hygiene, output formats.

Unit tests use the synthetic corpus and FakeEmbedder; `model` tests run the real pipeline and
model on the shipped brief.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEmbedder
from index_helpers import make_corpus

import index.store as store
from assistant import Assistant
from assistant.assistant import MAX_QUERY_CHARS, clean_query
from assistant.cli.ask import register
from index.errors import IndexMissingError, QueryError
from index.writer import write_index


@pytest.fixture
def index_dir(tmp_path: Path, fake_embedder: object) -> Path:
    path = tmp_path / "index"
    write_index(make_corpus(), path, fake_embedder, progress=False)  # type: ignore[arg-type]
    return path


@pytest.fixture
def assistant(index_dir: Path, fake_embedder: object) -> Assistant:
    return Assistant.open(index_dir, embedder=fake_embedder)  # type: ignore[arg-type]


def test_ask_returns_ranked_hits_with_citations(assistant: Assistant) -> None:
    answer = assistant.ask("What share of detected victims were children in 2022?", k=3)
    assert answer.notice is None
    assert [h.rank for h in answer.hits] == [1, 2, 3]
    assert all(a.score >= b.score for a, b in zip(answer.hits, answer.hits[1:], strict=False))
    ids = [h.chunk.id for h in answer.hits]
    assert "brief-002" in ids
    hit = answer.hits[ids.index("brief-002")]
    assert hit.document.id == "brief"
    assert [c.number for c in hit.citations] == [5]
    assert "¹" not in hit.chunk.text and hit.chunk.text_with_markers().endswith("⁵")


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_every_mode_finds_a_distinctive_passage(assistant: Assistant, mode: str) -> None:
    answer = assistant.ask("Interpol Europol operations", k=2, mode=mode)  # type: ignore[arg-type]
    assert answer.hits[0].chunk.id == "brief-005"


def test_k_limits_and_no_duplicates(assistant: Assistant) -> None:
    answer = assistant.ask("trafficking children victims", k=50)
    ids = [h.chunk.id for h in answer.hits]
    assert len(ids) == len(set(ids)) <= 9


def test_only_restricts_documents(assistant: Assistant) -> None:
    query = "girls boys detected victims per cent"
    assert {h.document.kind for h in assistant.ask(query, k=9, only="brief").hits} == {"brief"}
    sources = assistant.ask(query, k=9, only="sources").hits
    assert sources and {h.document.id for h in sources} == {"src-report"}
    assert {h.document.id for h in assistant.ask(query, k=9, only="src-report").hits} == {
        "src-report"
    }


def test_only_unknown_document_lists_valid_ids(assistant: Assistant) -> None:
    with pytest.raises(QueryError, match=r"unknown document 'nope'.*brief, sources.*src-report"):
        assistant.ask("anything", only="nope")


@pytest.mark.parametrize("query", ["", "   ", "\n\t "])
def test_empty_question(assistant: Assistant, query: str) -> None:
    answer = assistant.ask(query)
    assert answer.hits == () and answer.notice == "empty question"


def test_huge_question_is_truncated_with_a_notice(assistant: Assistant) -> None:
    query = "Palermo Protocol " + "padding " * 13_000  # ~100 KB
    assert len(query) > 100_000
    answer = assistant.ask(query, k=3)
    assert answer.notice is not None and "truncated to 2,000 characters" in answer.notice
    assert answer.hits and answer.query == query


def test_clean_query() -> None:
    assert clean_query("  what   is\nthis ") == ("what is this", None)
    text, notice = clean_query("word " * 1000)
    assert len(text) <= MAX_QUERY_CHARS and not text.endswith(" ") and notice
    text, _ = clean_query("x" * 5000)  # no spaces: hard cut
    assert len(text) == MAX_QUERY_CHARS


def test_stopword_only_question_still_gets_dense_results(assistant: Assistant) -> None:
    hybrid = assistant.ask("what is the of and", k=3)
    assert len(hybrid.hits) == 3
    bm25 = assistant.ask("what is the of and", k=3, mode="bm25")
    assert bm25.hits == () and bm25.notice and "stopwords" in bm25.notice


def test_answer_to_dict_is_json(assistant: Assistant) -> None:
    data = json.loads(json.dumps(assistant.ask("Palermo Protocol", k=2).to_dict()))
    assert data["hits"][0]["chunk_id"] == "brief-004"
    assert data["hits"][0]["citations"][0]["number"] == 2


def test_default_index_dir_comes_from_the_environment(
    index_dir: Path, fake_embedder: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEF_QA_INDEX", str(index_dir))
    opened = Assistant.open(embedder=fake_embedder)  # type: ignore[arg-type]
    assert opened.index.path == index_dir


# ------------------------------------------------------------------ CLI


def main(argv: list[str]) -> int:
    """`brief-qa` with only the `ask` subcommand (the full CLI also needs others' modules)."""
    parser = argparse.ArgumentParser(prog="brief-qa")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.handler(args))


@pytest.fixture
def cli_model(monkeypatch: pytest.MonkeyPatch, fake_embedder: object) -> None:
    """The CLI loads the index's model by name; give it the fake one."""
    monkeypatch.setattr(store, "load_embedder", lambda _name: fake_embedder)


def test_cli_ask_plain(
    index_dir: Path, cli_model: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["ask", "How many children were detected victims?", "-k", "2",
                 "--index", str(index_dir), "--only", "brief"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("Answer: ")  # the direct answer, then the passages
    assert "\n1. " in out
    assert "forced labour.⁵" in out  # the passage with its superscript marker
    assert "UNICEF Topic B · Current issue · p. 2" in out
    assert "⁵ UNODC. Global Report 2024." in out  # the footnote, as the brief prints it


def test_cli_ask_json(index_dir: Path, cli_model: None, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ask", "global report page 48 female victims", "--json", "--only", "sources",
                 "--index", str(index_dir), "--mode", "bm25"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["hits"][0]["pages"] == "48"
    assert data["hits"][0]["citations"][0]["number"] == 9


def test_cli_ask_raises_domain_errors(tmp_path: Path, index_dir: Path, cli_model: None) -> None:
    # `assistant.cli.main.main` turns these into one-line messages (exit status 2).
    with pytest.raises(IndexMissingError, match="run `brief-qa ingest` first"):
        main(["ask", "x", "--index", str(tmp_path / "missing")])
    with pytest.raises(QueryError, match="valid: brief, sources"):
        main(["ask", "x", "--index", str(index_dir), "--only", "nope"])


def test_cli_rejects_bad_k(index_dir: Path) -> None:
    # Checked by assistant.serve.requests, as the API checks it (tests/test_requests_cli.py).
    with pytest.raises(QueryError, match="-k: must be a whole number from 1 to 10"):
        main(["ask", "x", "-k", "many", "--index", str(index_dir)])


def test_cli_ask_empty_question(index_dir: Path, cli_model: None) -> None:
    with pytest.raises(QueryError, match="QUESTION: empty"):
        main(["ask", "  ", "--index", str(index_dir)])


# ------------------------------------------------------------------ real model


@pytest.fixture(scope="module")
def real_assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    from index.embedder import load_embedder
    from ingest.pipeline import build_corpus

    root = Path(__file__).resolve().parent.parent
    corpus = build_corpus([root / "corpus"], fetch=None, progress=False, log=lambda _m: None)
    path = tmp_path_factory.mktemp("real") / "index"
    embedder = load_embedder(None)
    write_index(corpus, path, embedder, progress=False)
    return Assistant.open(path, embedder=embedder)


@pytest.mark.model
def test_real_model_answers_brief_questions(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("What percentage of detected trafficking victims were children?")
    top = answer.hits[0]
    assert "38%" in top.chunk.text
    assert 5 in [c.number for c in top.citations]
    assert any(c.page == "42" for c in top.citations)
    protocol = real_assistant.ask("When was the Palermo Protocol created?", k=3)
    assert any("2000" in h.chunk.text for h in protocol.hits)


@pytest.mark.model
def test_real_model_reopens_without_an_embedder(real_assistant: Assistant) -> None:
    reopened = Assistant.open(real_assistant.index.path)
    assert reopened.index.embedder.name == "sentence-transformers/all-MiniLM-L6-v2"
    assert reopened.ask("Palermo Protocol", k=1).hits


@pytest.mark.model
def test_real_model_stopwords_and_huge_query(real_assistant: Assistant) -> None:
    assert len(real_assistant.ask("the of and to", k=3).hits) == 3
    huge = real_assistant.ask("child trafficking " * 6000, k=2)
    assert huge.notice and huge.hits


@pytest.mark.model
@pytest.mark.slow
def test_real_model_gold_questions(real_assistant: Assistant) -> None:
    """hit@5 and MRR of hybrid retrieval on the English gold questions (targets 0.95 / 0.85).

    The model is English-only, so the few Spanish questions are left to the eval report.
    """
    from assistant.evaluation.gold import matches
    from assistant.evaluation.goldfile import load_gold

    gold = Path(__file__).resolve().parent / "data" / "gold.jsonl"
    if not gold.exists():
        pytest.skip("no gold file yet")
    questions = [
        g for g in load_gold(gold) if g.kind == "question" and (g.lang or "en") == "en"
    ]
    assert len(questions) >= 40
    ranks = []
    for item in questions:
        hits = real_assistant.ask(item.query, k=5).hits
        ranks.append(next((h.rank for h in hits if matches(h.chunk.text, item.gold)), None))
    hit5 = sum(r is not None for r in ranks) / len(ranks)
    mrr = sum(1 / r for r in ranks if r) / len(ranks)
    misses = [q.query for q, r in zip(questions, ranks, strict=True) if r is None]
    assert hit5 >= 0.95, (hit5, mrr, misses)
    assert mrr >= 0.85, (hit5, mrr)


class CountingEmbedder(FakeEmbedder):
    """Records every text it embeds."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        return super().embed(texts)


def test_a_question_is_embedded_once_per_ask_and_remembered(index_dir: Path) -> None:
    embedder = CountingEmbedder()
    assistant = Assistant.open(index_dir, embedder=embedder)
    question = "How many children were detected as victims?"
    first = assistant.ask(question)
    assert first.hits and first.hits[0].highlights  # highlighting scored the query's sentences
    assert embedder.seen.count(question) == 1
    again = assistant.ask(question)
    assert embedder.seen.count(question) == 1
    assert again.to_dict() == first.to_dict()


def test_remembered_query_vectors_are_read_only(index_dir: Path) -> None:
    assistant = Assistant.open(index_dir, embedder=FakeEmbedder())
    vector = assistant.index.embed_query("children")
    with pytest.raises(ValueError):
        vector[0] = 1.0
