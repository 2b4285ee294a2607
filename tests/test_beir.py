"""BEIR harness: loading, corpus building, metrics against hand-computed values, end to end."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from conftest import FakeEmbedder

from assistant.errors import GoldFileError
from assistant.evaluation.beir import (
    BeirDataset,
    BeirDocument,
    BeirReport,
    beir_corpus,
    documents_by_max,
    format_beir_report,
    load_beir,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
    run_beir,
)
from index.errors import QueryError
from ingest.chunking import ChunkingOptions

TINY = Path(__file__).resolve().parent / "data" / "beir_tiny"

# One query's judgments: graded relevance, with an explicit "not relevant" (0).
QRELS = {"d1": 2, "d2": 1, "d3": 0, "d4": 1}


# ------------------------------------------------------------------ metrics


def test_ndcg_uses_graded_gains_and_the_ideal_from_all_judgments() -> None:
    ranking = ["d3", "d1", "x", "d2"]  # d4 (relevant) is never retrieved
    # DCG = 0/log2(2) + 2/log2(3) + 0/log2(4) + 1/log2(5) = 1.261860 + 0.430677 = 1.692537
    # IDCG = 2/log2(2) + 1/log2(3) + 1/log2(4) = 2 + 0.630930 + 0.5 = 3.130930
    assert ndcg_at_k(ranking, QRELS, 10) == pytest.approx(1.692537 / 3.130930, abs=1e-6)
    assert ndcg_at_k(ranking, QRELS, 10) == pytest.approx(0.540586, abs=1e-6)
    # Cut at 2: DCG = 2/log2(3) = 1.261860; IDCG@2 = 2 + 1/log2(3) = 2.630930
    assert ndcg_at_k(ranking, QRELS, 2) == pytest.approx(0.479625, abs=1e-6)
    assert ndcg_at_k(["d1", "d2", "d4"], QRELS, 10) == pytest.approx(1.0)
    # Swapping the grade-2 document below a grade-1 one must cost something.
    assert ndcg_at_k(["d2", "d1", "d4"], QRELS, 10) == pytest.approx(
        (1 + 2 / math.log2(3) + 0.5) / 3.130930, abs=1e-6
    )
    assert ndcg_at_k(["d1"], {"d1": 0}, 10) == 0.0  # nothing relevant: 0, not a division error


def test_recall_counts_only_relevance_above_zero_within_k() -> None:
    ranking = ["d3", "d1", "x", "d2"]
    assert recall_at_k(ranking, QRELS, 100) == pytest.approx(2 / 3)
    assert recall_at_k(ranking, QRELS, 2) == pytest.approx(1 / 3)
    assert recall_at_k(["d3"], QRELS, 100) == 0.0
    assert recall_at_k(ranking, {"d3": 0}, 100) == 0.0
    long = [f"n{i}" for i in range(100)] + ["d1"]  # rank 101 is past the cut
    assert recall_at_k(long, QRELS, 100) == 0.0


def test_mrr_is_the_reciprocal_rank_of_the_first_relevant_within_k() -> None:
    assert mrr_at_k(["d3", "x", "d2", "d1"], QRELS, 10) == pytest.approx(1 / 3)
    assert mrr_at_k(["d3", "x", "d2"], QRELS, 2) == 0.0
    assert mrr_at_k(["d1"], QRELS, 10) == 1.0
    assert mrr_at_k([f"n{i}" for i in range(10)] + ["d1"], QRELS, 10) == 0.0


def test_documents_rank_by_their_best_chunk() -> None:
    chunks = [("a", 0.95), ("b", 0.9), ("c", 0.9), ("a", 0.2), ("d", 0.1), ("b", 0.05)]
    assert documents_by_max(chunks) == ["a", "b", "c", "d"]
    assert documents_by_max([("a", 0.1), ("b", 0.5), ("a", 0.7)]) == ["a", "b"]
    assert documents_by_max([]) == []


# ------------------------------------------------------------------ loading


def test_tiny_fixture_loads_with_graded_judgments() -> None:
    data = load_beir(TINY)
    assert data.name == "beir_tiny"
    assert 28 <= len(data.documents) <= 35
    assert len(data.queries) == 10
    grades = {g for judged in data.qrels.values() for g in judged.values()}
    assert grades == {0, 1, 2}
    assert data.qrels["q2"] == {"m1": 2, "m2": 1, "m3": 0}


def _copy_tiny(tmp_path: Path) -> Path:
    target = tmp_path / "tiny"
    shutil.copytree(TINY, target)
    return target


@pytest.mark.parametrize(
    ("relative", "content", "line", "reason"),
    [
        ("corpus.jsonl", '{"_id": "a", "text": "x"}\n{broken\n', 2, "not valid JSON"),
        ("corpus.jsonl", '{"_id": "a", "text": "x"}\n{"_id": "a", "text": "y"}\n', 2,
         "duplicate document id 'a'"),
        ("corpus.jsonl", '{"title": "t", "text": "x"}\n', 1, "'_id' must be"),
        ("corpus.jsonl", '{"_id": "a", "title": "", "text": " "}\n', 1, "has no text"),
        ("queries.jsonl", '["q1", "text"]\n', 1, "expected a JSON object"),
        ("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\tw1\n", 2, "3 tab-separated"),
        ("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\tw1\thigh\n", 2, "not an integer"),
        ("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq99\tw1\t1\n", 2, "query 'q99'"),
        ("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\tnope\t1\n", 2, "document 'nope'"),
        ("qrels/test.tsv", "query-id\tcorpus-id\tscore\n", 0, "no relevance judgments"),
    ],
)
def test_malformed_dataset_files_name_file_and_line(
    tmp_path: Path, relative: str, content: str, line: int, reason: str
) -> None:
    root = _copy_tiny(tmp_path)
    (root / relative).write_text(content, encoding="utf-8")
    if relative == "corpus.jsonl":  # keep qrels consistent with the smaller corpus
        (root / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\ta\t1\n")
    with pytest.raises(GoldFileError) as info:
        load_beir(root)
    assert info.value.path == str(root / relative)
    assert info.value.line == line
    assert reason in str(info.value)


def test_missing_split_is_an_error_naming_the_file() -> None:
    with pytest.raises(GoldFileError, match=r"dev\.tsv:0: cannot read"):
        load_beir(TINY, split="dev")


def test_only_judged_queries_are_evaluated(tmp_path: Path) -> None:
    root = _copy_tiny(tmp_path)
    (root / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq3\te1\t2\n")
    assert list(load_beir(root).queries) == ["q3"]


# ------------------------------------------------------------------ corpus


def test_corpus_is_one_chunk_per_short_document_and_chunks_long_ones() -> None:
    data = load_beir(TINY)
    corpus = beir_corpus(data)
    assert [d.id for d in corpus.documents] == [d.id for d in data.documents]
    assert all(d.kind == "source" for d in corpus.documents)
    per_doc: dict[str, int] = {}
    for chunk in corpus.chunks:
        per_doc[chunk.document_id] = per_doc.get(chunk.document_id, 0) + 1
        text = corpus.document_texts[chunk.document_id]
        assert text[chunk.char_start : chunk.char_end] == chunk.text
    long_id = max(data.documents, key=lambda d: len(d.text.split())).id
    assert per_doc[long_id] >= 3
    assert all(n == 1 for doc, n in per_doc.items() if doc != long_id)
    # Titles are searchable: they are part of the (first) chunk's text.
    first = next(c for c in corpus.chunks if c.document_id == "w1")
    assert first.text.startswith("Handwashing stations in rural schools\n\n")


def test_chunking_options_are_honoured() -> None:
    data = BeirDataset(
        name="t",
        documents=(BeirDocument("d", "", " ".join(["A short sentence here."] * 30)),),
        queries={},
        qrels={},
    )
    assert len(beir_corpus(data).chunks) == 1
    assert len(beir_corpus(data, ChunkingOptions(target_words=20, max_words=40)).chunks) > 1


# ------------------------------------------------------------------ end to end


@pytest.fixture(scope="module")
def tiny_report() -> BeirReport:
    return run_beir(load_beir(TINY), FakeEmbedder(), ["bm25", "dense", "hybrid"])


def test_run_reports_every_mode_consistently(tiny_report: BeirReport) -> None:
    report = tiny_report
    assert report.documents == len(load_beir(TINY).documents) and report.queries == 10
    assert report.chunks > report.documents  # the long document was cut
    assert [m.mode for m in report.modes] == ["bm25", "dense", "hybrid"]
    for mode in report.modes:
        values = [report.per_query[q][mode.mode] for q in report.per_query]
        assert mode.queries == 10
        assert mode.ndcg_at_10 == pytest.approx(sum(v["ndcg@10"] for v in values) / 10)
        assert mode.recall_at_100 == pytest.approx(sum(v["recall@100"] for v in values) / 10)
        assert mode.mrr_at_10 == pytest.approx(sum(v["mrr@10"] for v in values) / 10)
        assert 0 <= mode.latency_p50_ms <= mode.latency_p95_ms
    # Dense retrieval ranks every document, so recall@100 over 31 documents is complete.
    dense = report.mode("dense")
    assert dense is not None and dense.recall_at_100 == 1.0
    assert report.ingest_seconds >= 0 and report.index_seconds > 0
    assert "nDCG@10" in format_beir_report(report)
    json.dumps(report.to_dict())


def test_lexical_retrieval_finds_the_hand_judged_documents(tiny_report: BeirReport) -> None:
    # The fixture's queries share distinctive words with their grade-2 document, so BM25 must
    # put it first; a broken chunk → document mapping or metric would fail this.
    bm25, hybrid = tiny_report.mode("bm25"), tiny_report.mode("hybrid")
    assert bm25 is not None and hybrid is not None
    assert bm25.mrr_at_10 >= 0.9
    assert bm25.ndcg_at_10 >= 0.8
    assert hybrid.mrr_at_10 >= 0.8
    # The long, multi-chunk document is ranked first for its query.
    assert tiny_report.per_query["q10"]["bm25"]["mrr@10"] == 1.0


def test_index_dir_is_kept_when_given(tmp_path: Path) -> None:
    data = load_beir(TINY)
    report = run_beir(data, FakeEmbedder(), ["bm25"], index_dir=tmp_path / "beir-index")
    assert (tmp_path / "beir-index" / "manifest.json").exists()
    assert [m.mode for m in report.modes] == ["bm25"]
    with pytest.raises(QueryError, match="unknown retrieval mode"):
        run_beir(data, FakeEmbedder(), ["sparse"])


def test_indexing_shows_progress_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    messages: list[str] = []
    run_beir(load_beir(TINY), FakeEmbedder(), ["bm25"], progress=messages.append)
    err = capsys.readouterr().err
    assert "embedding" in err  # write_index's stage lines and bar
    assert any("chunks" in m for m in messages) and any("indexed" in m for m in messages)
    run_beir(load_beir(TINY), FakeEmbedder(), ["bm25"])  # no callback: silent
    assert capsys.readouterr().err == ""


def test_hybrid_fusion_is_chosen_and_recorded() -> None:
    data = load_beir(TINY)
    convex = run_beir(data, FakeEmbedder(), ["hybrid"], fusion="convex")
    assert convex.meta["fusion"] == "convex"
    hybrid = convex.mode("hybrid")
    assert hybrid is not None and hybrid.mrr_at_10 >= 0.8
    with pytest.raises(QueryError, match="unknown fusion"):
        run_beir(data, FakeEmbedder(), ["hybrid"], fusion="mean")  # type: ignore[arg-type]
