"""The gold-set harness: gold parsing, matching, metrics against hand-computed values, CLI."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from assistant.errors import GoldFileError
from assistant.evaluation.gold import (
    citations_ok,
    evaluate,
    first_match,
    format_report,
    matches,
    normalise,
    percentile,
)
from assistant.evaluation.goldfile import GoldItem, load_gold, parse_gold_line
from assistant.records import Answer, Citation, Hit, Verdict
from index.errors import QueryError
from ingest.records import Chunk, Document

GOLD = Path(__file__).resolve().parent / "data" / "gold.jsonl"
DOC = Document(
    id="brief", title="Brief", kind="brief", origin="brief.pdf", sha256="0", page_count=3
)

# Passages of a toy brief, with the footnotes they carry and the page each footnote cites.
PASSAGES: dict[str, tuple[str, tuple[tuple[int, str | None], ...]]] = {
    "share": ("In 2022, children accounted for 38% of recorded victims.", ((5, "42"),)),
    "girls": ("Girls represented 22% of total victims.", ((5, "42"),)),
    "courts": ("An analysis of 407 court cases including 1453 victims.", ((9, "48"),)),
    "palermo": ("The protocol was created in 2000 by the United Nations.", ((10, None),)),
    "intro": ("Children are particularly vulnerable to trafficking.", ()),
    "other": ("Unrelated text about something else entirely.", ()),
}


def hit(key: str, rank: int, *, page_override: str | None = None) -> Hit:
    text, notes = PASSAGES[key]
    chunk = Chunk(id=key, document_id="brief", text=text, footnotes=tuple(n for n, _ in notes))
    citations = tuple(
        Citation(number=n, text=f"note {n}", page=page_override or page) for n, page in notes
    )
    return Hit(rank=rank, score=1.0 / rank, chunk=chunk, document=DOC, citations=citations)


def ranked(*keys: str) -> tuple[Hit, ...]:
    return tuple(hit(key, i) for i, key in enumerate(keys, start=1))


class ScriptedAssistant:
    """Answers from a script: query → (mode → hit keys); claims → verdicts."""

    def __init__(
        self,
        asks: dict[str, dict[str, Sequence[str]] | Exception],
        checks: dict[str, tuple[str, Sequence[str]]] | None = None,
        lookups: dict[str, tuple[Hit, ...]] | None = None,
    ) -> None:
        self.asks = asks
        self.checks = checks or {}
        self.lookups = lookups or {}
        self.calls: list[tuple[str, int, str]] = []

    def ask(self, query: str, k: int = 5, *, mode: Any = "hybrid") -> Answer:
        self.calls.append((query, k, mode))
        if query in self.lookups:
            return Answer(query=query, hits=self.lookups[query])
        script = self.asks[query]
        if isinstance(script, Exception):
            raise script
        hits = ranked(*script[mode])[:k]
        # The direct answer stands in as the top passage's text.
        return Answer(query=query, hits=hits, direct_answer=hits[0].chunk.text if hits else None)

    def check(self, claim: str) -> Verdict:
        self.calls.append((claim, 0, "check"))
        label, evidence = self.checks[claim]
        evidence_hits = ranked(*evidence)
        return Verdict(claim, label, "scripted", evidence_hits)  # type: ignore[arg-type]


def q(
    item_id: str, query: str, gold: Sequence[str], notes: Sequence[int] = (), **kw: Any
) -> GoldItem:
    return GoldItem(
        id=item_id, kind="question", query=query, gold=tuple(gold), footnotes=tuple(notes), **kw
    )


# ------------------------------------------------------------------ gold file


def test_shipped_gold_file_parses() -> None:
    items = load_gold(GOLD)
    assert len(items) >= 45 + 18 + 6
    assert {i.kind for i in items} == {"question", "claim", "lookup"}
    lookup = next(i for i in items if i.query == "what is footnote 5?")
    assert lookup.footnotes == (5,) and lookup.page == "42"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "expected a JSON object"),
        ('{"kind": "question", "query": "q", "gold": ["x"]}', "missing field 'id'"),
        ('{"id": "a", "kind": "riddle", "query": "q"}', "field 'kind' must be one of"),
        ('{"id": "a", "kind": "question", "query": "q"}', "needs at least one gold snippet"),
        ('{"id": "a", "kind": "question", "query": "q", "gold": "x"}', "'gold' must be a list"),
        ('{"id": "a", "kind": "question", "query": "q", "gold": ["x"], "footnotes": ["5"]}',
         "positive integers"),
        ('{"id": "a", "kind": "claim", "query": "q", "gold": ["x"]}', "needs 'verdict'"),
        ('{"id": "a", "kind": "claim", "query": "q", "verdict": "true"}', "needs 'verdict'"),
        ('{"id": "a", "kind": "claim", "query": "q", "verdict": "supported"}',
         "needs the gold snippet"),
        ('{"id": "a", "kind": "question", "query": "q", "gold": ["x"], "verdict": "supported"}',
         "only for claims"),
        ('{"id": "a", "kind": "lookup", "query": "fn 2"}', "needs the footnote number"),
        ('{"id": "a", "kind": "question", "query": "q", "gold": ["x"], "page": "4"}',
         "give 'footnotes' too"),
        ('{"id": "a", "kind": "question", "query": "q", "gold": ["x"], "answer": "y"}',
         "unknown field(s) answer"),
        ('{"id": "a", "kind": "question", "query": "  ", "gold": ["x"]}', "'query' must be"),
    ],
)
def test_malformed_gold_line_names_file_line_and_reason(
    tmp_path: Path, line: str, reason: str
) -> None:
    path = tmp_path / "gold.jsonl"
    good = '{"id": "ok", "kind": "lookup", "query": "fn 1", "footnotes": [1]}'
    path.write_text(f"{good}\n\n{line}\n", encoding="utf-8")
    with pytest.raises(GoldFileError) as info:
        load_gold(path)
    assert info.value.line == 3
    assert info.value.path == str(path)
    assert reason in str(info.value)
    assert str(info.value).startswith(f"{path}:3: ")


def test_duplicate_ids_and_empty_files_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    line = '{"id": "x", "kind": "lookup", "query": "fn 1", "footnotes": [1]}'
    path.write_text(f"{line}\n{line}\n", encoding="utf-8")
    with pytest.raises(GoldFileError, match="duplicate id 'x' \\(first on line 1\\)"):
        load_gold(path)
    path.write_text("\n# only a comment\n", encoding="utf-8")
    with pytest.raises(GoldFileError, match="no gold items"):
        load_gold(path)
    with pytest.raises(GoldFileError, match="cannot read"):
        load_gold(tmp_path / "missing.jsonl")


def test_gold_line_fields_are_typed() -> None:
    item = parse_gold_line(
        '{"id": "c1", "kind": "claim", "query": "Boys were 22%.", "gold": ["boys represented"],'
        ' "footnotes": [5], "verdict": "contradicted", "page": 42, "lang": "es"}'
    )
    assert item == GoldItem(
        id="c1", kind="claim", query="Boys were 22%.", gold=("boys represented",),
        footnotes=(5,), verdict="contradicted", page="42", lang="es",
    )
    assert item.group == "claim/es"


# ------------------------------------------------------------------ matching


def test_matching_normalises_whitespace_case_quotes_and_dashes() -> None:
    assert normalise("  A\u00a0person\u2019s\n\nRisk \u2013 high ") == "a person's risk - high"
    assert matches("Factors that increase a person\u2019s  risk", ["INCREASE a person's risk"])
    assert matches("text", ["nope", "tex"])
    assert not matches("children accounted for 38%", ["children accounted for 39%"])
    assert not matches("anything", [])


def test_first_match_respects_rank_order_and_k() -> None:
    hits = ranked("other", "intro", "share", "girls", "other", "courts")
    assert first_match(hits, ["1453 victims"], k=5) is None
    found = first_match(hits, ["1453 victims"], k=6)
    assert found is not None and found.rank == 6
    shuffled = (hits[3], hits[2])  # ranks 4 then 3: the lower rank wins
    found = first_match(shuffled, ["victims."], k=5)
    assert found is not None and found.rank == 3


def test_citations_need_every_footnote_and_the_page() -> None:
    assert citations_ok(hit("share", 1), [5], "42")
    assert citations_ok(hit("share", 1), [5], None)
    assert not citations_ok(hit("share", 1), [5], "43")
    assert not citations_ok(hit("share", 1, page_override="p. 43"), [5], "42")
    assert citations_ok(hit("share", 1, page_override="p. 42"), [5], "42")
    assert not citations_ok(hit("share", 1), [5, 6], None)
    assert not citations_ok(hit("intro", 1), [1], None)


# ------------------------------------------------------------------ metrics


def test_question_metrics_are_hand_computed() -> None:
    items = [
        q("a", "share?", ["38% of recorded"], [5], page="42"),  # rank 1, right citation
        q("b", "girls?", ["girls represented"], [5], page="43"),  # rank 3, wrong page
        q("c", "courts?", ["407 court cases"], [9]),  # not in top k
        q("d", "why?", ["particularly vulnerable"]),  # rank 2, no footnote to check
    ]
    bot = ScriptedAssistant(
        {
            "share?": {"bm25": ["share", "other"]},
            "girls?": {"bm25": ["other", "intro", "girls"]},
            "courts?": {"bm25": ["other", "intro", "share", "girls", "palermo", "courts"]},
            "why?": {"bm25": ["other", "intro"]},
        }
    )
    report = evaluate(bot, items, ["bm25"], k=5)
    g = report.group("question", "bm25")
    assert g is not None and g.n == 4
    assert g.hit_at_1 == pytest.approx(1 / 4)
    assert g.hit_at_k == pytest.approx(3 / 4)
    assert g.mrr == pytest.approx((1 + 1 / 3 + 0 + 1 / 2) / 4)
    # Citation accuracy is over matched items that expect footnotes: a (ok) and b (wrong page).
    assert g.citation_accuracy == pytest.approx(1 / 2) and g.citation_n == 2
    assert g.verdict_accuracy is None and g.lookup_accuracy is None
    # Only a's direct answer (its top passage here) holds its gold snippet; it does not decide
    # pass or fail.
    assert g.direct_answer == pytest.approx(1 / 4)
    assert [r.id for r in report.failures()] == ["b", "c"]
    by_id = {r.id: r for r in report.results}
    assert "p. 42" in by_id["b"].detail and "top 5" in by_id["c"].detail
    assert all(call[1] == 5 for call in bot.calls)


def test_questions_run_per_mode_claims_and_lookups_once_in_hybrid() -> None:
    items = [
        q("a", "share?", ["38% of recorded"], [5]),
        q("e", "share?", ["38% of recorded"], [5], lang="es"),
        GoldItem(id="c1", kind="claim", query="38%.", gold=("38% of recorded",),
                 footnotes=(5,), verdict="supported"),
        GoldItem(id="c2", kind="claim", query="45%.", gold=("38% of recorded",),
                 verdict="contradicted"),
        GoldItem(id="c3", kind="claim", query="budget.", verdict="not_found"),
        GoldItem(id="l1", kind="lookup", query="fn 5", footnotes=(5,), page="42"),
        GoldItem(id="l2", kind="lookup", query="fn 9", footnotes=(9,), page="47"),
        GoldItem(id="l3", kind="lookup", query="fn 4", footnotes=(4,)),
    ]
    bot = ScriptedAssistant(
        {"share?": {"bm25": ["other", "share"], "dense": ["share"], "hybrid": ["share"]}},
        checks={
            "38%.": ("supported", ["other", "share"]),
            "45%.": ("supported", ["share"]),  # wrong verdict
            "budget.": ("not_found", []),
        },
        lookups={"fn 5": ranked("share"), "fn 9": ranked("courts"), "fn 4": ()},
    )
    report = evaluate(bot, items, ["bm25", "dense", "hybrid"], k=5)
    assert [(g.group, g.mode) for g in report.groups] == [
        ("question", "bm25"), ("question", "dense"), ("question", "hybrid"),
        ("question/es", "bm25"), ("question/es", "dense"), ("question/es", "hybrid"),
        ("claim", "hybrid"), ("lookup", "hybrid"),
    ]
    bm25 = report.group("question", "bm25")
    assert bm25 is not None and bm25.hit_at_1 == 0.0 and bm25.mrr == 0.5
    claims = report.group("claim", "hybrid")
    assert claims is not None and claims.n == 3
    assert claims.verdict_accuracy == pytest.approx(2 / 3)
    # Evidence retrieval of the two claims that name a passage: ranks 2 and 1.
    assert claims.hit_at_k == 1.0 and claims.mrr == pytest.approx(0.75)
    lookups = report.group("lookup", "hybrid")
    assert lookups is not None and lookups.lookup_accuracy == pytest.approx(1 / 3)
    assert lookups.hit_at_k is None  # lookups name no passage
    failed = {r.id: r.detail for r in report.failures()}
    assert set(failed) == {"c2", "l2", "l3"}
    assert "fn 9 p. 48" in failed["l2"] and failed["l3"].endswith("no hits")
    assert sum(1 for c in bot.calls if c[2] == "check") == 3


def test_domain_errors_count_as_misses_and_are_reported() -> None:
    items = [q("a", "boom", ["x y z"]), q("b", "share?", ["38% of recorded"])]
    bot = ScriptedAssistant(
        {"boom": QueryError("query too long"), "share?": {"hybrid": ["share"]}}
    )
    report = evaluate(bot, items, ["hybrid"], k=3)
    g = report.group("question", "hybrid")
    assert g is not None and g.errors == 1 and g.hit_at_k == 0.5
    assert report.failures()[0].error == "query too long"


def test_bugs_in_the_assistant_are_not_swallowed() -> None:
    bot = ScriptedAssistant({"x": RuntimeError("bug")})
    with pytest.raises(RuntimeError):
        evaluate(bot, [q("a", "x", ["y z w"])], ["hybrid"])


def test_bad_modes_and_k_are_rejected() -> None:
    bot = ScriptedAssistant({})
    with pytest.raises(QueryError, match="unknown retrieval mode"):
        evaluate(bot, [], ["semantic"])
    with pytest.raises(QueryError, match="k must be"):
        evaluate(bot, [], ["bm25"], k=0)


def test_percentiles_interpolate_linearly() -> None:
    values = [10.0, 20.0, 30.0, 40.0, 100.0]
    assert percentile(values, 50) == 30.0
    assert percentile(values, 95) == pytest.approx(40 + 0.8 * 60)
    assert percentile([], 50) == 0.0


def test_report_renders_and_serialises() -> None:
    bot = ScriptedAssistant({"share?": {"hybrid": ["share"]}})
    report = evaluate(bot, [q("a", "share?", ["38% of recorded"], [5])], ["hybrid"], k=5)
    text = format_report(report)
    assert "hit@5" in text and "question" in text and "1.000" in text
    assert "0 failing" in text
    data = json.loads(json.dumps(report.to_dict()))
    assert data["groups"][0]["hit_at_1"] == 1.0 and data["results"][0]["ok"] is True


# ------------------------------------------------------------------ command line


def _parser() -> argparse.ArgumentParser:
    from assistant.cli.evaluate import register

    parser = argparse.ArgumentParser(prog="brief-qa")
    register(parser.add_subparsers(dest="command", required=True))
    return parser


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    return int(args.handler(args))


def test_cli_gold_report_on_a_real_index(
    tmp_path: Path,
    fake_embedder: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from index_helpers import make_corpus

    from assistant.assistant import Assistant
    from assistant.cli import evaluate as eval_commands
    from index.writer import write_index

    index_dir = tmp_path / "index"
    write_index(make_corpus(), index_dir, fake_embedder, progress=False)
    monkeypatch.setattr(
        eval_commands, "open_assistant", lambda d: Assistant.open(d, embedder=fake_embedder)
    )
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps({"id": "a", "kind": "question", "query": "38% of detected victims in 2022",
                    "gold": ["accounted for 38% of detected victims"], "footnotes": [5],
                    "page": "42"}) + "\n"
        + json.dumps({"id": "b", "kind": "question", "query": "Interpol and Europol operations",
                      "gold": ["Interpol and Europol operations identified"]}) + "\n",
        encoding="utf-8",
    )
    code = _run(["eval", str(gold), "--index", str(index_dir), "--modes", "bm25,hybrid",
                 "-k", "3", "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["k"] == 3 and report["modes"] == ["bm25", "hybrid"]
    assert report["meta"]["model"] == fake_embedder.name
    assert report["meta"]["machine"]["cpus"] >= 1
    groups = {(g["group"], g["mode"]): g for g in report["groups"]}
    assert set(groups) == {("question", "bm25"), ("question", "hybrid")}
    bm25 = groups[("question", "bm25")]
    assert bm25["n"] == 2 and bm25["hit_at_1"] == 1.0
    assert bm25["citation_accuracy"] == 1.0 and bm25["citation_n"] == 1

    assert _run(["eval", str(gold), "--index", str(index_dir), "--modes", "bm25"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0].startswith("group") and "0 failing" in text


def test_cli_beir_report(
    monkeypatch: pytest.MonkeyPatch, fake_embedder: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.cli import evaluate as eval_commands

    monkeypatch.setattr(eval_commands, "load_beir_embedder", lambda _model: fake_embedder)
    tiny = Path(__file__).resolve().parent / "data" / "beir_tiny"
    assert _run(["eval", "--beir", str(tiny), "--modes", "bm25", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [m["mode"] for m in report["modes"]] == ["bm25"]
    assert report["queries"] == 10 and report["modes"][0]["mrr_at_10"] > 0.5
    assert report["meta"]["model"] == fake_embedder.name


def test_cli_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["eval"]) == 2
    assert _run(["eval", str(GOLD), "--beir", "x"]) == 2
    assert "either a GOLD.jsonl file or --beir DIR" in capsys.readouterr().err
    for bad in (["--modes", "bm25,semantic"], ["-k", "0"], ["-k", "five"]):
        with pytest.raises(SystemExit) as info:
            _parser().parse_args(["eval", str(GOLD), *bad])
        assert info.value.code == 2
    assert "unknown mode(s) semantic" in capsys.readouterr().err


def test_brief_qa_main_turns_gold_errors_into_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.cli.main import main

    bad = tmp_path / "gold.jsonl"
    bad.write_text('{"id": "a", "kind": "question", "query": "q"}\n', encoding="utf-8")
    assert main(["eval", str(bad), "--index", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"error: {bad}:1: a question needs at least one gold snippet"
