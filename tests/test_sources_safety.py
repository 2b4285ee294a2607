"""Safety: only http(s); private/loopback/link-local/... addresses refused before any
connection (unless allowed); the check happens on the address actually connected to."""

from __future__ import annotations

import socket

import httpcore
import pytest
from fixtures_http import Reply, serve

from ingest.errors import UnsafeURLError
from ingest.sources import safety
from ingest.sources.fetch import HttpFetcher
from ingest.sources.safety import (
    BlockedAddress,
    GuardedBackend,
    ResolutionFailed,
    check_address,
    check_url,
)


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    """Fail loudly if anything tries to open a socket connection."""
    attempts: list[tuple[object, ...]] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise AssertionError(f"a connection was attempted: {args}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", refuse)
    return attempts


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "refused: scheme 'file' is not http or https"),
        ("ftp://ftp.example.org/x", "refused: scheme 'ftp' is not http or https"),
        ("javascript:alert(1)", "refused: scheme 'javascript' is not http or https"),
        ("example.org/no-scheme", "refused: scheme (none) is not http or https"),
        ("http:///no-host", "invalid URL: no host"),
        ("http://127.0.0.1:8000/", "refused: loopback address 127.0.0.1 (use --allow-private)"),
        ("http://10.0.0.1/", "refused: private address 10.0.0.1 (use --allow-private)"),
        ("http://192.168.1.20/", "refused: private address 192.168.1.20 (use --allow-private)"),
        (
            "http://169.254.169.254/latest/meta-data/",
            "refused: link-local address 169.254.169.254 (use --allow-private)",
        ),
        ("http://[::1]/", "refused: loopback address ::1 (use --allow-private)"),
        (
            "http://[::ffff:10.1.2.3]/",
            "refused: private address ::ffff:10.1.2.3 (use --allow-private)",
        ),
        ("http://0.0.0.0/", "refused: unspecified address 0.0.0.0"),
        ("http://224.0.0.1/", "refused: multicast address 224.0.0.1"),
        ("http://100.64.0.1/", "refused: non-public address 100.64.0.1 (use --allow-private)"),
    ],
)
def test_refused_before_any_connection(
    url: str, reason: str, no_connections: list[tuple[object, ...]]
) -> None:
    with pytest.raises(UnsafeURLError) as info:
        check_url(url, allow_private=False)
    assert info.value.reason == reason
    assert info.value.url == url
    # The fetcher refuses the same way, and never connects.
    with HttpFetcher(allow_private=False) as fetcher, pytest.raises(UnsafeURLError) as again:
        fetcher.fetch(url)
    assert again.value.reason == reason
    assert no_connections == []


def test_allow_private_permits_private_but_never_multicast_or_unspecified() -> None:
    check_url("http://10.0.0.1/", allow_private=True)
    check_url("http://127.0.0.1:9/", allow_private=True)
    check_address("h", "169.254.1.1", allow_private=True)
    for address in ("0.0.0.0", "::", "224.0.0.1", "ff02::1"):
        with pytest.raises(BlockedAddress):
            check_address("h", address, allow_private=True)


def test_public_addresses_pass() -> None:
    for address in ("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "8.8.8.8"):
        check_address("h", address, allow_private=False)
    check_url("https://www.example.org/report.pdf", allow_private=False)


def test_a_name_resolving_to_a_private_address_is_refused_without_connecting(
    no_connections: list[tuple[object, ...]],
) -> None:
    looked_up: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        looked_up.append(host)
        return {"intranet.test": ["10.1.2.3"], "mixed.test": ["93.184.215.14", "192.168.0.7"]}[
            host
        ]

    with HttpFetcher(resolver=resolver) as fetcher:
        with pytest.raises(UnsafeURLError) as info:
            fetcher.fetch("http://intranet.test/secret")
        assert info.value.reason == "refused: private address 10.1.2.3 (use --allow-private)"
        # One public and one private answer: refused too, else a retry could land privately.
        with pytest.raises(UnsafeURLError, match=r"192\.168\.0\.7"):
            fetcher.fetch("https://mixed.test/")
    assert looked_up == ["intranet.test", "mixed.test"]
    assert no_connections == []


def test_connection_goes_to_the_address_that_was_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS is asked once per connection, and the socket opens to that very answer."""
    answers = iter([["127.0.0.1"], ["10.9.9.9"]])  # a rebinding resolver: 2nd answer private
    calls: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    connected: list[str] = []
    original = httpcore.SyncBackend.connect_tcp

    def spy(self: httpcore.SyncBackend, host: str, port: int, *args: object) -> object:
        connected.append(host)
        return original(self, host, port, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", spy)
    with serve({"/ok": Reply(body=b"<html><p>hello</p></html>")}) as server:
        backend = GuardedBackend(allow_private=True, resolver=resolver)
        stream = backend.connect_tcp("rebind.test", server.port, timeout=2)
        stream.close()
        assert connected == ["127.0.0.1"]
        strict = GuardedBackend(allow_private=False, resolver=resolver)
        with pytest.raises(BlockedAddress):
            strict.connect_tcp("rebind.test", server.port, timeout=2)
    assert calls == ["rebind.test", "rebind.test"]
    assert connected == ["127.0.0.1"]  # the refused answer was never connected to


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("http://10.0.0.1/admin", "refused: private address 10.0.0.1 (use --allow-private)"),
        ("http://intranet.test/", "refused: private address 10.1.2.3 (use --allow-private)"),
        ("file:///etc/passwd", "refused: scheme 'file' is not http or https"),
    ],
)
def test_every_redirect_hop_is_checked(
    target: str, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page on an allowed host may not bounce the fetcher to a refused one."""
    # Treat the loopback fixture server as if it were a public host, so that only the
    # redirect target is subject to the refusal under test.
    real = safety.address_category
    monkeypatch.setattr(
        safety, "address_category", lambda ip: None if str(ip) == "127.0.0.1" else real(ip)
    )
    connected: list[str] = []
    original = httpcore.SyncBackend.connect_tcp

    def spy(self: httpcore.SyncBackend, host: str, port: int, *args: object) -> object:
        connected.append(host)
        return original(self, host, port, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", spy)

    def resolver(host: str, port: int) -> list[str]:
        return {"public.test": ["127.0.0.1"], "intranet.test": ["10.1.2.3"]}[host]

    with serve({"/hop": Reply(302, headers={"Location": target})}) as server:
        with HttpFetcher(resolver=resolver) as fetcher, pytest.raises(UnsafeURLError) as info:
            fetcher.fetch(f"http://public.test:{server.port}/hop")
        assert len(server.hits("/hop")) == 1
    assert info.value.reason == reason
    assert connected == ["127.0.0.1"]


def test_resolution_failures_are_remembered_per_host() -> None:
    calls: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    backend = GuardedBackend(resolver=resolver)
    for _ in range(3):
        with pytest.raises(ResolutionFailed, match="name resolution failed"):
            backend.resolve("nowhere.invalid", 80)
    assert calls == ["nowhere.invalid"]
