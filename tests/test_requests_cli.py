"""The CLI checks its arguments through `assistant.serve.requests`, as the API does: one `error:`
line per bad argument, named as the command line names it, exit status 2, no traceback, and
the index is not even opened."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FakeEmbedder
from index_helpers import make_corpus

import index.store as store
from assistant.cli.main import main
from assistant.serve import requests as edge
from index.writer import write_index


@pytest.fixture
def index_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "index"
    write_index(make_corpus(), path, FakeEmbedder(), progress=False)
    monkeypatch.setattr(store, "load_embedder", lambda _name: FakeEmbedder())
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.err.strip().splitlines(), captured.out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["ask", "   "], ["error: QUESTION: empty: type a question"]),
        (["ask", "\x00\x01"], ["error: QUESTION: empty: type a question"]),
        (["ask", "x", "-k", "many"],
         ["error: -k: must be a whole number from 1 to 10, got 'many'"]),
        (["ask", "x", "-k", "inf"],
         ["error: -k: must be a whole number from 1 to 10, got 'inf'"]),
        (["ask", "x", "--mode", "magic"],
         ["error: --mode: unknown mode 'magic'; use hybrid, dense, bm25"]),
        (["ask", "x", "--only", "d" * 600], ["error: --only: too long to be a document id"]),
        (["ask", "x", "--brief", "Not An Id!"],
         ["error: --brief: must be a brief id as `brief-qa briefs` lists them"]),
        # Every bad argument at once, each on its own line.
        (["ask", " ", "-k", "nan", "--mode", "fast", "--brief", "../etc"],
         ["error: QUESTION: empty: type a question",
          "error: -k: must be a whole number from 1 to 10, got 'nan'",
          "error: --mode: unknown mode 'fast'; use hybrid, dense, bm25",
          "error: --brief: must be a brief id as `brief-qa briefs` lists them"]),
        (["check", "  "], ["error: CLAIM: empty: type the claim to check"]),
        (["check", "Children are 38% of victims", "-k", "x", "--brief", "A B"],
         ["error: -k: must be a whole number from 1 to 10, got 'x'",
          "error: --brief: must be a brief id as `brief-qa briefs` lists them"]),
        (["cite", "five"], ["error: N: must be a footnote number, got 'five'"]),
        (["cite", "0"], ["error: N: must be a footnote number (1, 2, …), got '0'"]),
        (["cite", "2.5", "--brief", "?"],
         ["error: N: must be a footnote number (1, 2, …), got '2.5'",
          "error: --brief: must be a brief id as `brief-qa briefs` lists them"]),
    ],
)
def test_each_bad_argument_gets_one_line_and_exit_2(
    argv: list[str], expected: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The index does not exist: arguments are refused before it would be opened.
    code, err, out = run(capsys, *argv, "--index", str(tmp_path / "no-index"))
    assert code == 2
    assert err == expected
    assert out == "" and "Traceback" not in "\n".join(err)


def test_arguments_are_normalised_like_the_apis(
    index_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # k is clamped to 1..10 as for /ask, the mode is case-insensitive, the question cleaned.
    code, err, out = run(capsys, "ask", "Children\x00 victims \ud800", "-k", "50",
                         "--mode", " BM25 ", "--json", "--index", str(index_dir))
    assert code == 0, err
    assert '"query": "Children victims ?"' in out
    request = edge.cli_ask_request("Children victims", "50", " BM25 ", "brief", None)
    assert (request.k, request.mode, request.only) == (edge.MAX_K, "bm25", "brief")
    code, err, _ = run(capsys, "cite", "5", "--index", str(index_dir))
    assert code == 0, err
    code, err, _ = run(capsys, "check", "Children are 38% of victims", "-k", "3",
                       "--index", str(index_dir))
    assert code in (0, 1), err


def test_the_api_and_the_cli_give_the_same_reasons() -> None:
    with pytest.raises(edge.RequestError) as api:
        edge.ask_request("x", k="many")
    with pytest.raises(edge.InvalidRequest) as cli:
        edge.cli_ask_request("x", "many", "hybrid", None, None)
    (only,) = cli.value.errors
    assert (api.value.field, only.field) == ("k", "-k")
    assert api.value.reason == only.reason
