"""`brief-qa ingest`, `footnotes` and `chunks` through the real CLI entry point (fake embedder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import BRIEF_PDF, FakeEmbedder

import index.embedder
from assistant.cli.main import main


@pytest.fixture
def cli_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(index.embedder, "load_embedder", lambda name=None: FakeEmbedder())
    return tmp_path / "index"


def test_ingest_prints_a_summary_and_writes_the_index(
    cli_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["ingest", str(BRIEF_PDF), "--index", str(cli_index), "--no-fetch", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert "1 brief document(s), 6 pages, 12 footnotes, 16 references" in out
    assert (cli_index / "manifest.json").exists()


def test_footnotes_and_chunks_commands(
    cli_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["ingest", str(BRIEF_PDF), "--index", str(cli_index), "--no-fetch", "--quiet"])
    capsys.readouterr()

    assert main(["footnotes", "--json", "--index", str(cli_index)]) == 0
    notes = json.loads(capsys.readouterr().out)
    assert [n["number"] for n in notes] == list(range(1, 13))
    fn5 = notes[4]
    assert fn5["pages"] == ["42"]
    assert fn5["reference_text"].startswith("UNODC. Global Report on Trafficking in Persons 2024")

    assert main(["footnotes", "--index", str(cli_index)]) == 0
    assert "⁵ UNODC. Global Report on Trafficking in Persons 2024" in capsys.readouterr().out

    assert main(["chunks", "--json", "--index", str(cli_index)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all(set(r) == {"id", "document", "section", "pages", "text", "footnotes"} for r in rows)
    figures = next(r for r in rows if "children accounted for 38%" in r["text"])
    assert figures["footnotes"] == [5] and figures["section"] == "Current issue:"


def test_a_failed_ingest_leaves_the_previous_index_untouched(
    cli_index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["ingest", str(BRIEF_PDF), "--index", str(cli_index), "--no-fetch", "--quiet"])
    manifest = (cli_index / "manifest.json").read_text()
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\nnot really a pdf")
    capsys.readouterr()

    assert main(["ingest", str(bad), "--index", str(cli_index), "--no-fetch", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "previous index" in err
    assert (cli_index / "manifest.json").read_text() == manifest

    # A bad file beside a good one: the good one is indexed, the bad one named, exit 1.
    assert main(["ingest", str(bad), str(BRIEF_PDF), "--index", str(cli_index), "--no-fetch",
                 "--quiet"]) == 1
    assert str(bad) in capsys.readouterr().err
    assert main(["footnotes", "--json", "--index", str(cli_index)]) == 0


def test_listing_a_missing_index_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["footnotes", "--index", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no index at") and "brief-qa ingest" in err


def test_ingest_summary_counts_the_page_furniture_set_aside(
    cli_index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pdf_factory import Layout, make_report

    from ingest.pipeline import read_document

    path = tmp_path / "report.pdf"
    make_report(path, Layout(header="Committee X — Background Guide", folio="bottom"))
    furniture = read_document(path).furniture
    headers = sum(1 for f in furniture if f.kind == "header")
    folios = sum(1 for f in furniture if f.kind == "folio")
    assert headers >= 2 and folios >= 2  # one of each per page
    code = main(["ingest", str(path), "--index", str(cli_index), "--no-fetch", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert (f"set aside as page furniture (not indexed): {folios} folios, {headers} running "
            f"headers; `brief-qa inspect FILE` lists them") in out
