"""`brief-qa sources`, `brief-qa pack` and the ingest fetch flags."""

from __future__ import annotations

import argparse
import json
import zipfile
from pathlib import Path

import pytest
from conftest import DATA
from fixtures_http import Reply, serve

from assistant.cli.sources import (
    add_fetch_arguments,
    cited_by_label,
    fetch_options_from_args,
    format_sources_table,
    register,
)
from index.errors import IndexCorruptError, IndexMissingError
from ingest.errors import BriefQAError, MirrorError
from ingest.records import Source, SourceCitation
from ingest.sources.gather import FetchOptions, gather_sources


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="brief-qa")
    sub = root.add_subparsers(dest="command", required=True)
    register(sub)
    ingest = sub.add_parser("ingest")
    add_fetch_arguments(ingest)
    return root


def run(argv: list[str]) -> int:
    """What `assistant.cli.main.main` does with a handler: domain errors become exit code 2."""
    args = parser().parse_args(argv)
    return int(args.handler(args))


def test_fetch_options_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRIEF_QA_CACHE", raising=False)
    options = fetch_options_from_args(parser().parse_args(["ingest"]))
    assert options == FetchOptions(
        enabled=True, offline=False, mirror=None, allow_private=False,
        cache_dir=Path(".brief-qa/cache"), connect_timeout=5.0, read_timeout=15.0,
        max_bytes=50 * 1024 * 1024,
    )
    monkeypatch.setenv("BRIEF_QA_CACHE", "/tmp/elsewhere")
    assert fetch_options_from_args(parser().parse_args(["ingest"])).cache_dir == Path(
        "/tmp/elsewhere"
    )


def test_fetch_options_from_flags(tmp_path: Path) -> None:
    args = parser().parse_args([
        "ingest", "--mirror", str(tmp_path), "--offline", "--allow-private", "--no-fetch",
        "--fetch-timeout", "2.5", "--max-source-mb", "0.5", "--cache", str(tmp_path / "c"),
    ])
    options = fetch_options_from_args(args)
    assert options.mirror == tmp_path and options.offline and options.allow_private
    assert not options.enabled
    assert (options.connect_timeout, options.read_timeout) == (2.5, 2.5)
    assert options.max_bytes == 512 * 1024
    assert options.cache_dir == tmp_path / "c"


@pytest.mark.parametrize(
    "flags", [["--fetch-timeout", "0"], ["--fetch-timeout", "soon"], ["--max-source-mb", "-1"]]
)
def test_bad_flag_values_are_usage_errors(
    flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        parser().parse_args(["ingest", *flags])
    assert info.value.code == 2
    assert flags[0] in capsys.readouterr().err


def test_missing_mirror_is_a_domain_error(tmp_path: Path) -> None:
    args = parser().parse_args(["ingest", "--mirror", str(tmp_path / "nope.zip")])
    with pytest.raises(MirrorError, match=r"nope\.zip: no such directory or zip file"):
        fetch_options_from_args(args)


SOURCES = [
    Source(
        id="unodc-glotip-1", url="https://www.example.org/glotip.html", title="Global Report",
        cited_by=(SourceCitation(footnote=4, pages=("46",)), SourceCitation(footnote=5),
                  SourceCitation(footnote=6), SourceCitation(footnote=9),
                  SourceCitation(reference=13)),
        status="fetched", content_type="text/html", document_id="unodc-glotip-1",
        chunk_count=12,
    ),
    Source(
        id="report-2", url="https://example.org/report.pdf", title="Report",
        cited_by=(SourceCitation(reference=11),), status="cached",
        content_type="application/pdf", document_id="report-2", page_count=40, chunk_count=80,
    ),
    Source(id="gone-3", url="https://example.org/gone", title="Gone",
           cited_by=(SourceCitation(reference=2),), status="failed", reason="HTTP 404"),
    Source(id="crc-4", url=None, title="Convention on the Rights of the Child",
           cited_by=(SourceCitation(footnote=11), SourceCitation(reference=6)),
           status="no_url"),
]


def write_index(tmp_path: Path, sources: list[Source] = SOURCES) -> Path:
    index = tmp_path / "index"
    index.mkdir()
    payload = [s.to_dict() for s in sources]
    (index / "sources.json").write_text(json.dumps(payload), encoding="utf-8")
    return index


def test_cited_by_label() -> None:
    assert cited_by_label(SOURCES[0]) == "fn 4–6,9, ref 13"
    assert cited_by_label(SOURCES[3]) == "fn 11, ref 6"
    assert cited_by_label(Source(id="x", url=None, title="x")) == "-"


def test_sources_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["sources", "--index", str(write_index(tmp_path))]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["cited", "by", "URL", "status", "type", "pages", "chunks"]
    assert lines[1].split() == [
        "fn", "4–6,9,", "ref", "13", "https://www.example.org/glotip.html", "fetched",
        "text/html", "-", "12",
    ]
    assert lines[2].split()[-4:] == ["cached", "application/pdf", "40", "80"]
    assert "failed: HTTP 404" in lines[3]
    assert "(Convention on the Rights of the Child)" in lines[4] and "no URL" in lines[4]
    assert lines[-1] == "4 source(s), 2 with text in the index"


def test_sources_json_round_trips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["sources", "--json", "--index", str(write_index(tmp_path))]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [Source.from_dict(item) for item in data] == SOURCES


def test_sources_index_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BRIEF_QA_INDEX", str(write_index(tmp_path)))
    assert run(["sources"]) == 0
    assert "glotip.html" in capsys.readouterr().out


def test_sources_errors_name_the_index(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="run `brief-qa ingest` first"):
        run(["sources", "--index", str(tmp_path / "none")])
    index = tmp_path / "index"
    index.mkdir()
    with pytest.raises(IndexCorruptError, match=r"sources\.json is missing"):
        run(["sources", "--index", str(index)])
    (index / "sources.json").write_text("{broken")
    with pytest.raises(IndexCorruptError, match=r"sources\.json is unreadable"):
        run(["sources", "--index", str(index)])
    (index / "sources.json").write_text('{"a": 1}')
    with pytest.raises(IndexCorruptError, match="not a JSON list"):
        run(["sources", "--index", str(index)])
    (index / "sources.json").write_text('[{"url": "https://x/"}]')
    with pytest.raises(IndexCorruptError, match="bad entry"):
        run(["sources", "--index", str(index)])


def test_pack_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "cache"
    article = (DATA / "sources" / "article.html").read_bytes()
    with serve({"/a": Reply(body=article, headers={"Content-Type": "text/html"})}) as s:
        source = Source(id="a", url=s.url("/a"), title="A")
        gather_sources([source], FetchOptions(cache_dir=cache, allow_private=True),
                       progress=False)
    out = tmp_path / "mirror.zip"
    assert run(["pack", str(out), "--cache", str(cache)]) == 0
    assert capsys.readouterr().out.startswith(f"packed 1 cached source(s) into {out}")
    with zipfile.ZipFile(out) as archive:
        assert "manifest.json" in archive.namelist()


def test_pack_with_nothing_cached_is_a_domain_error(tmp_path: Path) -> None:
    with pytest.raises(BriefQAError, match="holds no fetched sources"):
        run(["pack", str(tmp_path / "out.zip"), "--cache", str(tmp_path / "empty")])


def test_table_of_no_sources() -> None:
    assert format_sources_table([]).splitlines()[-1] == "0 source(s), 0 with text in the index"
