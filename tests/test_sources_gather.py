"""`gather_sources` end to end against a loopback server: statuses and reasons, the on-disk
cache with revalidation, offline runs, stale fallback, and fast failure with no network."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpcore
import pytest
from conftest import DATA
from fixtures_http import FixtureServer, Reply, Request, closed_port, serve

from ingest.records import Source, SourceCitation
from ingest.sources.cache import FetchCache
from ingest.sources.collect import source_id
from ingest.sources.fetch import HttpFetcher
from ingest.sources.gather import FetchOptions, GatheredSource, gather_sources

ARTICLE = (DATA / "sources" / "article.html").read_bytes()
SPANISH = "Niñas y niños víctimas de trata: protección y atención en la región."
LATIN1_PAGE = (
    '<html><head><meta charset="iso-8859-1"><title>Página</title></head>'
    f"<body><main><p>{SPANISH}</p></main></body></html>"
).encode("latin-1")


def src(url: str | None, title: str = "A source", footnote: int = 1) -> Source:
    return Source(
        id=source_id(url, title),
        url=url,
        title=title,
        cited_by=(SourceCitation(footnote=footnote),),
        status="pending" if url else "no_url",
    )


def options(tmp_path: Path, **kwargs: object) -> FetchOptions:
    settings: dict[str, object] = {
        "allow_private": True,
        "cache_dir": tmp_path / "cache",
        "backoff": 0.01,
        "read_timeout": 0.5,
        "connect_timeout": 0.5,
    }
    settings.update(kwargs)
    return FetchOptions(**settings)  # type: ignore[arg-type]


def by_url(results: list[GatheredSource]) -> dict[str | None, GatheredSource]:
    return {r.source.url: r for r in results}


ROUTES = {
    "/article": Reply(body=ARTICLE, headers={"Content-Type": "text/html; charset=utf-8"}),
    "/latin1": Reply(body=LATIN1_PAGE, headers={"Content-Type": "text/html; charset=ISO-8859-1"}),
    # Distinct bytes per URL: identical bodies would be indexed once (tested separately).
    "/octet": Reply(
        body=ARTICLE + b"<!-- 1 -->", headers={"Content-Type": "application/octet-stream"}
    ),
    "/moved": Reply(301, headers={"Location": "/article2"}),
    "/article2": Reply(body=ARTICLE + b"<!-- 2 -->", headers={"Content-Type": "text/html"}),
    "/missing": Reply(404),
    "/error": Reply(500),
    "/slow": Reply(body=ARTICLE, delay=2.0),
    "/big": Reply(body=b"<html><p>" + b"x" * 300_000 + b"</p></html>", content_length=False),
    "/image": Reply(body=b"\x89PNG\r\n\x1a\n\x00\x00", headers={"Content-Type": "image/png"}),
}


def test_statuses_and_reasons(tmp_path: Path) -> None:
    with serve(ROUTES) as s:
        paths = ["/article", "/latin1", "/octet", "/moved", "/missing", "/error", "/slow",
                 "/big", "/image"]
        sources = [src(s.url(p), title=p) for p in paths]
        sources += [src("ftp://files.example.org/x.pdf"), src(None, "A work without URL")]
        results = gather_sources(
            sources, options(tmp_path, max_bytes=100_000), progress=False
        )
        got = by_url(results)
        status = {p: (got[s.url(p)].source.status, got[s.url(p)].source.reason) for p in paths}
    assert [r.source.url for r in results] == [x.url for x in sources]  # input order kept
    assert status == {
        "/article": ("fetched", None),
        "/latin1": ("fetched", None),
        "/octet": ("fetched", None),
        "/moved": ("fetched", None),
        "/missing": ("failed", "HTTP 404"),
        "/error": ("failed", "HTTP 500 after 3 attempts"),
        "/slow": ("failed", "timed out after 0.5 s"),
        "/big": ("failed", "too large (> 100000 bytes)"),
        "/image": ("failed", "unsupported content type image/png"),
    }
    ftp = got["ftp://files.example.org/x.pdf"].source
    assert (ftp.status, ftp.reason) == ("failed", "refused: scheme 'ftp' is not http or https")
    no_url = got[None].source
    assert no_url.status == "no_url" and "--mirror" in (no_url.reason or "")

    article = got[s.url("/article")]
    assert article.document is not None and article.parsed is not None
    assert article.source.content_type == "text/html"
    assert article.source.document_id == article.document.id == article.source.id
    assert article.document.kind == "source" and article.document.url == s.url("/article")
    assert any(b.text == "Sub-Saharan Africa | 60%" for b in article.parsed.blocks)
    assert got[s.url("/latin1")].parsed.blocks[0].text == SPANISH  # type: ignore[union-attr]
    assert got[s.url("/octet")].source.content_type == "text/html"
    moved = got[s.url("/moved")]
    assert moved.source.final_url == s.url("/article2")
    for path in ("/missing", "/error", "/slow", "/big", "/image"):
        assert got[s.url(path)].document is None and got[s.url(path)].parsed is None


def test_identical_content_at_two_urls_is_indexed_once(tmp_path: Path) -> None:
    with serve({**ROUTES, "/same": Reply(302, headers={"Location": "/article"})}) as s:
        results = gather_sources(
            [src(s.url("/article"), "A"), src(s.url("/same"), "B")],
            options(tmp_path),
            progress=False,
        )
    first, second = results
    assert first.document is not None
    assert second.document is None and second.parsed is None
    assert second.source.document_id == first.document.id
    assert second.source.status == "fetched"
    assert second.source.reason == f"same content as {first.document.url}; indexed once"


def test_cache_revalidation_and_offline(tmp_path: Path) -> None:
    def page(request: Request) -> Reply:
        if request.headers.get("if-none-match") == '"abc"':
            return Reply(304, headers={"ETag": '"abc"'})
        return Reply(body=ARTICLE, headers={"Content-Type": "text/html", "ETag": '"abc"',
                                            "Last-Modified": "Tue, 30 Jul 2024 10:00:00 GMT"})

    with serve({"/p": page}) as s:
        source = src(s.url("/p"), "Page")
        first = gather_sources([source], options(tmp_path), progress=False)[0]
        cache = FetchCache(tmp_path / "cache")
        entry = cache.lookup(s.url("/p"))
        assert entry is not None and entry.etag == '"abc"'
        meta = json.loads((cache.dir / f"{cache.key(s.url('/p'))}.json").read_text())
        assert set(meta) >= {"url", "final_url", "status_code", "content_type", "sha256",
                             "fetched_at", "etag", "last_modified"}
        assert (cache.dir / f"{cache.key(s.url('/p'))}.body").read_bytes() == ARTICLE

        second = gather_sources([source], options(tmp_path), progress=False)[0]
        hits = s.hits("/p")
        assert len(hits) == 2
        assert hits[1].headers["if-none-match"] == '"abc"'
        assert hits[1].headers["if-modified-since"] == "Tue, 30 Jul 2024 10:00:00 GMT"

        third = gather_sources([source], options(tmp_path, offline=True), progress=False)[0]
        assert len(s.hits("/p")) == 2  # offline sent nothing

    assert first.source.status == "fetched"
    assert second.source.status == "cached" and second.source.reason is None
    assert third.source.status == "cached"
    assert first.parsed == second.parsed == third.parsed
    assert first.document == second.document == third.document


def test_changed_page_replaces_the_cache(tmp_path: Path) -> None:
    versions = iter([b"<html><p>Version one.</p></html>", b"<html><p>Version two.</p></html>"])
    with serve({"/v": lambda request: Reply(body=next(versions), headers={"ETag": '"x"'})}) as s:
        source = src(s.url("/v"))
        gather_sources([source], options(tmp_path), progress=False)
        second = gather_sources([source], options(tmp_path), progress=False)[0]
    assert second.source.status == "fetched"
    assert second.parsed is not None and second.parsed.blocks[0].text == "Version two."
    hit = FetchCache(tmp_path / "cache").get(source.url or "")
    assert hit is not None and hit[1] == b"<html><p>Version two.</p></html>"


def test_offline_without_cache(tmp_path: Path) -> None:
    result = gather_sources(
        [src("https://example.org/never-fetched")], options(tmp_path, offline=True),
        progress=False,
    )[0]
    assert (result.source.status, result.source.reason) == (
        "offline", "offline, and not in the cache"
    )


def test_a_failed_revalidation_falls_back_to_the_cached_copy(tmp_path: Path) -> None:
    with serve({"/p": Reply(body=ARTICLE)}) as s:
        source = src(s.url("/p"))
        gather_sources([source], options(tmp_path), progress=False)
        s.routes["/p"] = Reply(503)
        result = gather_sources([source], options(tmp_path), progress=False)[0]
    assert result.source.status == "cached"
    assert (result.source.reason or "").startswith("HTTP 503 after 3 attempts; using the copy ")
    assert result.parsed is not None


def test_corrupt_cache_entry_is_a_miss(tmp_path: Path) -> None:
    with serve({"/p": Reply(body=ARTICLE)}) as s:
        source = src(s.url("/p"))
        gather_sources([source], options(tmp_path), progress=False)
        cache = FetchCache(tmp_path / "cache")
        (cache.dir / f"{cache.key(s.url('/p'))}.body").write_bytes(b"tampered")
        offline = gather_sources([source], options(tmp_path, offline=True), progress=False)[0]
        online = gather_sources([source], options(tmp_path), progress=False)[0]
        assert "if-none-match" not in s.hits("/p")[-1].headers
    assert offline.source.status == "offline"
    assert online.source.status == "fetched"


def test_no_fetch_reads_nothing(tmp_path: Path) -> None:
    with serve(ROUTES) as s:
        result = gather_sources(
            [src(s.url("/article"))], options(tmp_path, enabled=False), progress=False
        )[0]
        assert s.requests == []
    assert (result.source.status, result.source.reason) == ("offline", "not fetched (--no-fetch)")
    assert not (tmp_path / "cache").exists()


def test_no_network_fails_every_source_fast(tmp_path: Path) -> None:
    """16 sources, none reachable (unresolvable names, a closed port): a few seconds at most."""
    port = closed_port()
    sources = [src(f"http://host{i}.nonexistent.invalid/page", f"S{i}") for i in range(12)]
    sources += [src(f"http://127.0.0.1:{port}/p{i}", f"L{i}") for i in range(4)]
    started = time.monotonic()
    results = gather_sources(
        sources,
        FetchOptions(cache_dir=tmp_path / "cache", allow_private=True),  # default timeouts
        progress=False,
    )
    elapsed = time.monotonic() - started
    assert elapsed < 5.0
    reasons = [r.source.reason for r in results]
    assert reasons[:12] == ["unreachable: name resolution failed"] * 12
    assert reasons[12:] == ["unreachable: connection refused"] * 4
    assert all(r.source.status == "failed" for r in results)


def test_progress_bar_is_off_when_stderr_is_not_a_tty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FixtureServer(ROUTES) as s:
        gather_sources([src(s.url("/article"))], options(tmp_path), progress=True)
    assert capsys.readouterr().err == ""


def test_dropped_traffic_trips_the_network_down_breaker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS answers but every connection times out (a firewall dropping packets): after a few
    timeouts with no connection ever made, the remaining sources fail at once."""
    attempts: list[str] = []

    def dropped(self: object, host: str, port: int, timeout: float | None = None,
                *args: object) -> None:
        attempts.append(host)
        time.sleep(0.05)  # stands in for waiting out the connect timeout; nothing is sent
        raise httpcore.ConnectTimeout("timed out")

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", dropped)
    sources = [src(f"https://site{i}.example/page", f"S{i}") for i in range(16)]
    fetcher = HttpFetcher(resolver=lambda host, port: ["93.184.215.14"], connect_timeout=0.05,
                          retries=2, backoff=0.01)
    started = time.monotonic()
    with fetcher:
        results = gather_sources(sources, options(tmp_path), progress=False, fetcher=fetcher)
    assert time.monotonic() - started < 2.0
    assert all(r.source.status == "failed" for r in results)
    down = [r for r in results if (r.source.reason or "").startswith("unreachable: network down")]
    assert len(down) >= 10
    assert len(attempts) <= 3 * 4  # at most one round of retries per worker, not 16 × 3
