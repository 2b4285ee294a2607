"""`HttpFetcher` against a loopback server: redirects, retries, timeouts, size caps,
conditional requests, and fast failure when there is no network."""

from __future__ import annotations

import time

import pytest
from fixtures_http import Reply, Request, closed_port, serve

from ingest.errors import FetchError
from ingest.sources.fetch import HttpFetcher, user_agent

HTML = b"<!doctype html><html><body><p>Hello</p></body></html>"


def fetcher(**kwargs: object) -> HttpFetcher:
    settings: dict[str, object] = {"allow_private": True, "backoff": 0.01}
    settings.update(kwargs)
    return HttpFetcher(**settings)  # type: ignore[arg-type]


def test_plain_get_sends_an_honest_user_agent() -> None:
    with serve({"/a": Reply(body=HTML, headers={"Content-Type": "text/html; charset=UTF-8"})}) as s:
        with fetcher() as f:
            result = f.fetch(s.url("/a"))
        (request,) = s.hits("/a")
    assert result.status_code == 200
    assert result.body == HTML
    assert (result.content_type, result.charset) == ("text/html", "utf-8")
    assert result.final_url == s.url("/a")
    assert request.headers["user-agent"] == user_agent()
    assert user_agent().startswith("brief-qa/0.1.0 (")
    assert "if-none-match" not in request.headers


def test_redirect_chain_is_followed_and_final_url_recorded() -> None:
    routes = {
        "/old": Reply(301, headers={"Location": "/moved"}),
        "/moved": Reply(302, headers={"Location": "/final?x=1"}),
        "/final": Reply(body=HTML, headers={"Content-Type": "text/html"}),
    }
    with serve(routes) as s, fetcher() as f:
        result = f.fetch(s.url("/old"))
    assert result.url == s.url("/old")
    assert result.final_url == s.url("/final?x=1")
    assert result.body == HTML


def test_redirects_beyond_the_cap_fail() -> None:
    routes = {f"/r{i}": Reply(302, headers={"Location": f"/r{i + 1}"}) for i in range(10)}
    with serve(routes) as s, fetcher(max_redirects=5) as f:
        with pytest.raises(FetchError) as info:
            f.fetch(s.url("/r0"))
        assert info.value.reason == "too many redirects (> 5)"
        assert [len(s.hits(f"/r{i}")) for i in range(8)] == [1, 1, 1, 1, 1, 1, 0, 0]


def test_redirect_without_location_fails() -> None:
    with serve({"/r": Reply(302)}) as s, fetcher() as f, pytest.raises(FetchError) as info:
        f.fetch(s.url("/r"))
    assert info.value.reason == "HTTP 302 without a Location header"


def test_404_is_not_retried() -> None:
    with serve({}) as s, fetcher(retries=2) as f:
        with pytest.raises(FetchError) as info:
            f.fetch(s.url("/missing"))
        assert len(s.hits("/missing")) == 1
    assert info.value.reason == "HTTP 404"
    assert info.value.url == s.url("/missing")


def test_500_is_retried_with_backoff_then_fails() -> None:
    with serve({"/boom": Reply(500, b"oops")}) as s, fetcher(retries=2, backoff=0.05) as f:
        started = time.monotonic()
        with pytest.raises(FetchError) as info:
            f.fetch(s.url("/boom"))
        elapsed = time.monotonic() - started
        assert len(s.hits("/boom")) == 3
    assert info.value.reason == "HTTP 500 after 3 attempts"
    assert elapsed >= 0.05 + 0.1  # two waits: backoff, then twice the backoff


def test_a_transient_503_recovers() -> None:
    answers = iter([Reply(503), Reply(body=HTML, headers={"Content-Type": "text/html"})])
    with serve({"/flaky": lambda request: next(answers)}) as s, fetcher() as f:
        result = f.fetch(s.url("/flaky"))
        assert len(s.hits("/flaky")) == 2
    assert result.body == HTML


def test_retry_after_is_honoured_within_the_cap() -> None:
    answers = iter([Reply(429, headers={"Retry-After": "1"}), Reply(body=HTML)])
    with serve({"/limited": lambda request: next(answers)}) as s, fetcher() as f:
        started = time.monotonic()
        f.fetch(s.url("/limited"))
        assert time.monotonic() - started >= 1.0


def test_retry_after_beyond_the_cap_gives_up_at_once() -> None:
    reply = Reply(503, headers={"Retry-After": "3600"})
    with serve({"/later": reply}) as s, fetcher(retry_after_cap=30) as f:
        with pytest.raises(FetchError) as info:
            f.fetch(s.url("/later"))
        assert len(s.hits("/later")) == 1
    assert info.value.reason == "HTTP 503 (Retry-After 3600 s exceeds the 30 s cap)"


def test_slow_response_times_out() -> None:
    with serve({"/slow": Reply(body=HTML, delay=2.0)}) as s, fetcher(read_timeout=0.3) as f:
        started = time.monotonic()
        with pytest.raises(FetchError) as info:
            f.fetch(s.url("/slow"))
        assert time.monotonic() - started < 1.5
        assert len(s.hits("/slow")) == 1  # a slow server is not hammered with retries
    assert info.value.reason == "timed out after 0.3 s"


@pytest.mark.parametrize("content_length", [True, False])
def test_oversized_body_is_refused(content_length: bool) -> None:
    reply = Reply(body=b"x" * 200_000, content_length=content_length)
    with (
        serve({"/big": reply}) as s,
        fetcher(max_bytes=50_000) as f,
        pytest.raises(FetchError) as info,
    ):
        f.fetch(s.url("/big"))
    assert info.value.reason == "too large (> 50000 bytes)"


def test_size_cap_is_reported_in_megabytes() -> None:
    reply = Reply(body=b"x" * (2 * 1024 * 1024 + 1))
    with (
        serve({"/big": reply}) as s,
        fetcher(max_bytes=2 * 1024 * 1024) as f,
        pytest.raises(FetchError, match=r"too large \(> 2 MB\)"),
    ):
        f.fetch(s.url("/big"))


def test_conditional_request_gets_304() -> None:
    def page(request: Request) -> Reply:
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(304, headers={"ETag": '"v1"'})
        validators = {"ETag": '"v1"', "Last-Modified": "Mon, 01 Jul 2024 00:00:00 GMT"}
        return Reply(body=HTML, headers=validators)

    with serve({"/p": page}) as s, fetcher() as f:
        first = f.fetch(s.url("/p"))
        second = f.fetch(s.url("/p"), etag=first.etag, last_modified=first.last_modified)
        hits = s.hits("/p")
    assert (first.etag, first.last_modified) == ('"v1"', "Mon, 01 Jul 2024 00:00:00 GMT")
    assert second.not_modified and second.body == b""
    assert hits[1].headers["if-none-match"] == '"v1"'
    assert hits[1].headers["if-modified-since"] == "Mon, 01 Jul 2024 00:00:00 GMT"


def test_unresolvable_host_fails_fast_without_retries() -> None:
    started = time.monotonic()
    with fetcher(allow_private=False, retries=2, backoff=1.0) as f:
        with pytest.raises(FetchError) as info:
            f.fetch("http://nonexistent.invalid/page")
        with pytest.raises(FetchError):  # remembered: not even asked again
            f.fetch("https://nonexistent.invalid/other")
    assert info.value.reason == "unreachable: name resolution failed"
    assert time.monotonic() - started < 2.0  # no backoff waits happened


def test_closed_port_fails_fast_without_retries() -> None:
    started = time.monotonic()
    with fetcher(retries=2, backoff=1.0) as f, pytest.raises(FetchError) as info:
        f.fetch(f"http://127.0.0.1:{closed_port()}/")
    assert info.value.reason == "unreachable: connection refused"
    assert time.monotonic() - started < 1.0


def test_hung_resolver_gives_up_at_the_connect_timeout_and_marks_the_network_down() -> None:
    calls: list[str] = []

    def hung(host: str, port: int) -> list[str]:
        calls.append(host)
        time.sleep(5)
        return ["93.184.215.14"]

    started = time.monotonic()
    with HttpFetcher(resolver=hung, connect_timeout=0.2, retries=0) as f:
        reasons = []
        for host in ("a.example", "b.example", "c.example"):
            with pytest.raises(FetchError) as info:
                f.fetch(f"http://{host}/")
            reasons.append(info.value.reason)
    assert reasons == ["unreachable: name resolution timed out after 0.2 s"] * 3
    assert calls == ["a.example"]  # the others were not even attempted
    assert time.monotonic() - started < 1.0
