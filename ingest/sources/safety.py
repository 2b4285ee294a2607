"""Which URLs and addresses the fetcher may contact.

A brief (or a page it redirects to) could point the fetcher at the machine's own services:
`http://127.0.0.1:8080/admin`, a cloud metadata endpoint at 169.254.169.254, an intranet
host. So only `http`/`https` is fetched, and every address a host name resolves to must be a
public unicast address unless the user passes `--allow-private`.

TOCTOU choice: the check happens *inside the connection*. `GuardedBackend` is the httpcore
network backend of the fetcher's transport: it resolves the host name once, checks every
address, and opens the socket to the address it checked, never re-resolving the name. A DNS
answer that changes between "check" and "connect" (DNS rebinding) therefore cannot slip
through, and every redirect hop, being a new request, is checked the same way. TLS still
verifies the certificate against the host name (httpcore passes it as SNI). Proxies from the
environment are not used, since a proxy would resolve the name itself, out of our sight.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpcore

from ingest.errors import UnsafeURLError

ALLOWED_SCHEMES = ("http", "https")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port → IP address strings. Injectable so tests can simulate any DNS answer.
Resolver = Callable[[str, int], Sequence[str]]


class BlockedAddress(Exception):  # internal signal, turned into UnsafeURLError
    """A host resolved to an address the policy refuses."""

    def __init__(self, host: str, address: str, category: str) -> None:
        self.host, self.address, self.category = host, address, category
        super().__init__(f"{host} resolves to {category} address {address}")


class ResolutionFailed(Exception):  # internal signal, turned into FetchError
    def __init__(self, host: str, reason: str) -> None:
        self.host, self.reason = host, reason
        super().__init__(f"{host}: {reason}")


class ConnectFailed(Exception):  # internal signal, turned into FetchError
    """No checked address accepted the connection. `definitive`: retrying is pointless."""

    def __init__(self, host: str, reason: str, *, definitive: bool) -> None:
        self.host, self.reason, self.definitive = host, reason, definitive
        super().__init__(f"{host}: {reason}")


def address_category(address: IPAddress) -> str | None:
    """Why `address` is not public ("loopback", "private", ...), or None when it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address_category(address.ipv4_mapped)
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:  # e.g. 100.64.0.0/10 (carrier-grade NAT), documentation ranges
        return "non-public"
    return None


def check_address(host: str, address: str, *, allow_private: bool) -> None:
    """Raise `BlockedAddress` unless `address` may be contacted."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    category = address_category(ip)
    if category is None:
        return
    # Never useful as a destination, even for local testing.
    if category in ("unspecified", "multicast") or not allow_private:
        raise BlockedAddress(host, address, category)


def refusal_reason(blocked: BlockedAddress) -> str:
    hint = "" if blocked.category in ("unspecified", "multicast") else " (use --allow-private)"
    return f"refused: {blocked.category} address {blocked.address}{hint}"


def check_url(url: str, *, allow_private: bool) -> None:
    """Checks that need no DNS: the scheme, and the address when the host is an IP literal.

    Host names are checked when the connection is made (`GuardedBackend`).
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        raise UnsafeURLError(url, f"invalid URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        shown = f"{scheme!r}" if scheme else "(none)"
        raise UnsafeURLError(url, f"refused: scheme {shown} is not http or https")
    if not host:
        raise UnsafeURLError(url, "invalid URL: no host")
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return  # a name: checked after resolution
    try:
        check_address(host, host, allow_private=allow_private)
    except BlockedAddress as blocked:
        raise UnsafeURLError(url, refusal_reason(blocked)) from None


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def resolve_with_timeout(resolver: Resolver, host: str, port: int, timeout: float) -> list[str]:
    """Run `resolver` with a deadline: `getaddrinfo` itself has none, and a dead resolver
    would otherwise hang each lookup for the system's full retry schedule."""
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            outcome["addresses"] = list(resolver(host, port))
        except (OSError, UnicodeError) as exc:
            outcome["error"] = exc
        finally:
            done.set()

    # A daemon thread: a lookup still stuck when we give up must not delay interpreter exit.
    threading.Thread(target=work, name=f"resolve {host}", daemon=True).start()
    if not done.wait(timeout):
        raise ResolutionFailed(host, f"name resolution timed out after {timeout:g} s")
    if "error" in outcome:
        raise ResolutionFailed(host, "name resolution failed")
    if not outcome["addresses"]:
        raise ResolutionFailed(host, "name resolution failed")
    return list(outcome["addresses"])


# Errors that mean "this host will not answer now": retrying within one run does not help.
_DEFINITIVE_ERRNOS = {errno.ECONNREFUSED, errno.ENETUNREACH, errno.EHOSTUNREACH}


class GuardedBackend(httpcore.NetworkBackend):
    """An httpcore network backend that resolves once, checks, and connects to what it checked.

    It also remembers, for the lifetime of one fetcher, host names that failed to resolve,
    whether the resolver itself stopped answering, and whether connections keep timing out
    while none has ever succeeded (DNS works but traffic is dropped), so that with no network
    every source fails at once instead of each waiting out its own timeouts.
    """

    # Connect timeouts, with no successful connection yet, after which the network is down.
    DOWN_AFTER_TIMEOUTS = 3

    def __init__(
        self,
        *,
        allow_private: bool = False,
        resolver: Resolver | None = None,
        resolve_timeout: float = 5.0,
    ) -> None:
        self.allow_private = allow_private
        self.resolver: Resolver = resolver or system_resolver
        self.resolve_timeout = resolve_timeout
        self._inner = httpcore.SyncBackend()
        self._lock = threading.Lock()
        self._failed_hosts: dict[str, ResolutionFailed] = {}
        self._resolver_down: ResolutionFailed | None = None
        self._connected = False
        self._connect_timeouts = 0

    def resolve(self, host: str, port: int) -> list[str]:
        """Resolve `host` and check every address; raise `BlockedAddress` if any is refused."""
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
            addresses = [host]
        except ValueError:
            addresses = self._resolve_name(host, port)
        # Refuse when *any* answer is private: otherwise a name with one public and one
        # private address would let the connection fall back to the private one.
        for address in addresses:
            check_address(host, address, allow_private=self.allow_private)
        return addresses

    def _resolve_name(self, host: str, port: int) -> list[str]:
        with self._lock:
            known = self._failed_hosts.get(host) or self._resolver_down
        if known is not None:
            raise ResolutionFailed(host, known.reason)
        try:
            return resolve_with_timeout(self.resolver, host, port, self.resolve_timeout)
        except ResolutionFailed as failure:
            with self._lock:
                self._failed_hosts[host] = failure
                if "timed out" in failure.reason:
                    self._resolver_down = failure
            raise

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self.resolve(host, port)
        with self._lock:
            down = not self._connected and self._connect_timeouts >= self.DOWN_AFTER_TIMEOUTS
        if down:
            reason = f"network down ({self._connect_timeouts} connections timed out, none worked)"
            raise ConnectFailed(host, reason, definitive=True)
        failures: list[OSError | None] = []
        for address in addresses:
            try:
                stream = self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectTimeout:
                with self._lock:
                    self._connect_timeouts += 1
                raise
            except httpcore.ConnectError as exc:
                cause = exc.__cause__
                failures.append(cause if isinstance(cause, OSError) else None)
                continue
            with self._lock:
                self._connected = True
            return stream
        codes = {f.errno for f in failures if f is not None}
        if codes and codes <= _DEFINITIVE_ERRNOS:
            first = next(f for f in failures if f is not None)
            raise ConnectFailed(host, _describe(first), definitive=True)
        described = next((_describe(f) for f in failures if f is not None), "connection failed")
        raise ConnectFailed(host, described, definitive=False)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise ConnectFailed(path, "unix sockets are not fetched", definitive=True)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _describe(error: OSError) -> str:
    if error.errno == errno.ECONNREFUSED:
        return "connection refused"
    if error.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "network unreachable" if error.errno == errno.ENETUNREACH else "host unreachable"
    return (error.strerror or str(error)).lower()
