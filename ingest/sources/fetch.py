"""Download cited sources over HTTP(S): the `Fetcher` seam and its httpx implementation.

`HttpFetcher` is careful rather than fast: bounded retries with exponential backoff (connect
errors, 5xx, 429 with `Retry-After` honoured up to a cap), a redirect cap with every hop's
scheme and address re-checked (see `safety`), a size cap enforced while streaming, and
errors that say what happened in a few words ("HTTP 404", "timed out after 15 s"). Failures
raise `FetchError`/`UnsafeURLError`; the caller records them on the source.
"""

from __future__ import annotations

import email.utils
import random
import ssl
import time
from dataclasses import dataclass
from importlib import metadata
from types import TracebackType
from typing import Protocol, Self
from urllib.parse import urljoin

import httpx

from ingest.errors import FetchError, UnsafeURLError
from ingest.sources.compression import _DECODE_STEP, _content_encodings, _decoded
from ingest.sources.content import parse_content_type
from ingest.sources.safety import (
    BlockedAddress,
    ConnectFailed,
    GuardedBackend,
    ResolutionFailed,
    Resolver,
    check_url,
    refusal_reason,
)
from ingest.sources.transport import _DEADLINE, _GuardedTransport

MB = 1024 * 1024
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
RETRY_CODES = frozenset({429, 500, 502, 503, 504})


def user_agent() -> str:
    """`brief-qa/<version> (+<project URL>)`: an honest name a site operator can look up."""
    try:
        version = metadata.version("brief-qa")
        meta = metadata.metadata("brief-qa")
        urls = [u.split(",", 1)[-1].strip() for u in meta.get_all("Project-URL") or []]
        home = meta["Home-page"] if "Home-page" in meta else (urls[0] if urls else None)
    except metadata.PackageNotFoundError:
        version, home = "0+unknown", None
    contact = f"+{home}" if home else "retrieval-based QA over a brief and its cited sources"
    return f"brief-qa/{version} ({contact})"


def human_size(n: int) -> str:
    return f"{n / MB:g} MB" if n >= MB else f"{n} bytes"


@dataclass(frozen=True)
class FetchResult:
    """One completed request: 200 with a body, or 304 (body empty) for a revalidation."""

    url: str  # what was asked for
    final_url: str  # after redirects
    status_code: int
    body: bytes
    content_type: str | None = None  # media type from the header, lowercased, no params
    charset: str | None = None  # from the header
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status_code == 304


class Fetcher(Protocol):
    def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET `url` (conditionally when validators are given); raise `FetchError`."""
        ...


class _Retry(Exception):  # control flow inside `HttpFetcher`
    def __init__(self, reason: str, delay: float | None = None) -> None:
        self.reason, self.delay = reason, delay
        super().__init__(reason)


class HttpFetcher:
    """The real `Fetcher`. Thread-safe: one instance serves a pool of download threads."""

    def __init__(
        self,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 15.0,
        total_timeout: float = 120.0,
        retries: int = 2,
        backoff: float = 0.5,
        retry_after_cap: float = 30.0,
        max_redirects: int = 5,
        max_bytes: int = 50 * MB,
        allow_private: bool = False,
        resolver: Resolver | None = None,
        user_agent_header: str | None = None,
    ) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.total_timeout = total_timeout
        self.retries = retries
        self.backoff = backoff
        self.retry_after_cap = retry_after_cap
        self.max_redirects = max_redirects
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self.backend = GuardedBackend(
            allow_private=allow_private, resolver=resolver, resolve_timeout=connect_timeout
        )
        self._client = httpx.Client(
            transport=_GuardedTransport(self.backend),
            headers={
                "User-Agent": user_agent_header or user_agent(),
                "Accept": _ACCEPT,
                # Only what `_decoded` can inflate as a bounded stream.
                "Accept-Encoding": "gzip, deflate",
            },
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            follow_redirects=False,  # each hop is followed (and re-checked) by hand
            trust_env=False,  # no env proxies: the address check must see the real target
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        deadline = time.monotonic() + self.total_timeout
        current = url
        previous = getattr(_DEADLINE, "value", None)
        _DEADLINE.value = deadline  # read by `_DeadlineStream` on every socket operation
        try:
            for _hop in range(self.max_redirects + 1):
                check_url(current, allow_private=self.allow_private)
                result = self._get_with_retries(url, current, headers, deadline)
                if isinstance(result, FetchResult):
                    return result
                current = result  # a redirect target
        finally:
            _DEADLINE.value = previous
        raise FetchError(url, f"too many redirects (> {self.max_redirects})")

    # -- one hop, with retries

    def _get_with_retries(
        self, url: str, current: str, headers: dict[str, str], deadline: float
    ) -> FetchResult | str:
        attempt = 0
        while True:
            try:
                return self._get_once(url, current, headers, deadline)
            except _Retry as retry:
                if attempt >= self.retries:
                    suffix = f" after {attempt + 1} attempts" if attempt else ""
                    raise FetchError(url, f"{retry.reason}{suffix}") from None
                delay = self.backoff * (2**attempt) * (1 + random.random() / 4)
                if retry.delay is not None:
                    if retry.delay > self.retry_after_cap:
                        raise FetchError(
                            url,
                            f"{retry.reason} (Retry-After {retry.delay:g} s exceeds the "
                            f"{self.retry_after_cap:g} s cap)",
                        ) from None
                    delay = max(delay, retry.delay)
                if time.monotonic() + delay > deadline:
                    raise FetchError(url, f"{retry.reason} (no time left to retry)") from None
                time.sleep(delay)
                attempt += 1

    def _get_once(
        self, url: str, current: str, headers: dict[str, str], deadline: float
    ) -> FetchResult | str:
        try:
            with self._client.stream("GET", current, headers=headers) as response:
                status = response.status_code
                if status in REDIRECT_CODES:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(url, f"HTTP {status} without a Location header")
                    return urljoin(current, location)
                if status in RETRY_CODES:
                    raise _Retry(f"HTTP {status}", _retry_after(response.headers))
                if status == 304:
                    return self._result(url, response, b"")
                if not 200 <= status < 300:
                    raise FetchError(url, f"HTTP {status}")
                return self._result(url, response, self._read_body(url, response, deadline))
        except (FetchError, _Retry):
            raise
        except BlockedAddress as blocked:
            raise UnsafeURLError(url, refusal_reason(blocked)) from None
        except ResolutionFailed as failed:
            raise FetchError(url, f"unreachable: {failed.reason}") from None
        except ConnectFailed as failed:
            if failed.definitive:
                raise FetchError(url, f"unreachable: {failed.reason}") from None
            raise _Retry(f"unreachable: {failed.reason}") from None
        except httpx.TimeoutException as exc:
            if time.monotonic() >= deadline:
                raise FetchError(url, f"timed out after {self.total_timeout:g} s (total)") from None
            if isinstance(exc, httpx.ConnectTimeout):
                raise _Retry(f"timed out connecting after {self.connect_timeout:g} s") from None
            raise FetchError(url, f"timed out after {self.read_timeout:g} s") from None
        except httpx.ConnectError as exc:
            if isinstance(exc.__cause__, ssl.SSLError) or "SSL" in str(exc):
                raise FetchError(url, f"TLS error: {exc}") from None
            raise _Retry(f"unreachable: {exc}") from None
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise _Retry(f"connection dropped: {exc or exc.__class__.__name__}") from None
        except httpx.DecodingError as exc:
            raise FetchError(url, f"undecodable response: {exc}") from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise UnsafeURLError(url, f"invalid URL: {exc}") from None
        except httpx.HTTPError as exc:
            raise FetchError(url, f"network error: {exc.__class__.__name__}: {exc}") from None

    def _read_body(self, url: str, response: httpx.Response, deadline: float) -> bytes:
        too_large = f"too large (> {human_size(self.max_bytes)})"
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(url, too_large)
        chunks: list[bytes] = []
        size = 0
        encodings = _content_encodings(url, response.headers.get("content-encoding"))
        # Raw bytes, inflated here layer by layer with a bounded output per step: the cap
        # holds on decoded bytes as they are produced, so stacked gzip bombs stay small.
        for chunk in _decoded(url, response.iter_raw(), encodings, _DECODE_STEP):
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(url, too_large)
            if time.monotonic() > deadline:
                raise FetchError(url, f"timed out after {self.total_timeout:g} s (total)")
            chunks.append(chunk)
        return b"".join(chunks)

    def _result(self, url: str, response: httpx.Response, body: bytes) -> FetchResult:
        mime, charset = parse_content_type(response.headers.get("content-type"))
        return FetchResult(
            url=url,
            final_url=str(response.url),
            status_code=response.status_code,
            body=body,
            content_type=mime,
            charset=charset,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )


_ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.1"


def _retry_after(headers: httpx.Headers) -> float | None:
    """`Retry-After` as seconds from now (delta-seconds or an HTTP date), else None."""
    value = headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
