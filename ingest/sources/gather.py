"""`gather_sources`: the entry point the ingest pipeline calls for the brief's cited sources.

For each source, in order of preference:

1. the offline mirror (`--mirror`), matched by URL, else by title → `status="mirror"`;
2. no URL and no mirror entry → `status="no_url"`;
3. `--offline`: the fetch cache only → `"cached"`, else `"offline"`;
4. the network, revalidating a cached copy (If-None-Match / If-Modified-Since): a 304
   keeps the cache → `"cached"`; a 200 replaces it → `"fetched"`; a failure falls back to a
   cached copy when there is one (`"cached"`, with the failure in `reason`), else `"failed"`.

Nothing here raises for one source: every failure is recorded on its `Source` (`status`,
`reason`) and the others go on. A broken mirror entry fails the source it would supply, with
its reason; a mirror that cannot be read at all (its manifest not JSON, over its size cap…) is
reported on stderr and the sources are gathered without it, each that ends up without text
naming the mirror's problem: the brief is indexed either way.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
from tqdm import tqdm

from ingest.errors import BriefQAError, FetchError, MirrorError
from ingest.records import Document, ParsedDocument, Source
from ingest.sources.cache import CacheEntry, FetchCache, default_cache_dir
from ingest.sources.extract import extract, source_document
from ingest.sources.fetch import MB, Fetcher, HttpFetcher, human_size
from ingest.sources.mirror import Mirror


@dataclass(frozen=True)
class FetchOptions:
    """How cited sources are gathered (the `brief-qa ingest` fetch flags)."""

    enabled: bool = True  # False (`--no-fetch`): sources are listed, nothing is read
    offline: bool = False  # use the cache (and mirror) only; send nothing
    mirror: Path | None = None  # directory or zip with manifest.json
    allow_private: bool = False  # permit private/loopback/link-local addresses
    cache_dir: Path = field(default_factory=default_cache_dir)
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    max_bytes: int = 50 * MB
    concurrency: int = 4
    retries: int = 2
    backoff: float = 0.5  # first retry delay in seconds; doubles each retry
    max_redirects: int = 5


@dataclass(frozen=True)
class GatheredSource:
    """A source after gathering; `document`/`parsed` are set when it has text to index."""

    source: Source
    document: Document | None = None
    parsed: ParsedDocument | None = None


def gather_sources(
    sources: Sequence[Source],
    options: FetchOptions,
    *,
    progress: bool = True,
    fetcher: Fetcher | None = None,
) -> list[GatheredSource]:
    """Fetch (or take from mirror/cache) and extract every source; results in input order.

    `fetcher` replaces the `HttpFetcher` built from `options` (tests, other transports).
    """
    if not options.enabled:
        return [
            GatheredSource(replace(s, status="offline", reason="not fetched (--no-fetch)"))
            for s in sources
        ]
    mirror, unusable = _open_mirror(options.mirror)
    own_fetcher = fetcher is None and not options.offline
    active: Fetcher | None = fetcher
    if own_fetcher:
        active = HttpFetcher(
            connect_timeout=options.connect_timeout,
            read_timeout=options.read_timeout,
            retries=options.retries,
            backoff=options.backoff,
            max_redirects=options.max_redirects,
            max_bytes=options.max_bytes,
            allow_private=options.allow_private,
        )
    worker = _Gatherer(options, FetchCache(options.cache_dir), mirror, active)
    results: list[GatheredSource | None] = [None] * len(sources)
    try:
        with (
            ThreadPoolExecutor(max_workers=max(1, options.concurrency)) as pool,
            tqdm(
                total=len(sources),
                desc="cited sources",
                unit="source",
                file=sys.stderr,
                disable=not progress or not sys.stderr.isatty(),
                leave=False,
            ) as bar,
        ):
            futures = {pool.submit(worker.gather, s): i for i, s in enumerate(sources)}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                bar.update(1)
    finally:
        if own_fetcher and isinstance(active, HttpFetcher):
            active.close()
        if mirror is not None:
            mirror.close()
    gathered = [r for r in results if r is not None]
    if unusable is not None:
        gathered = [_note_mirror(item, unusable) for item in gathered]
    return _share_duplicates(gathered)


def _open_mirror(path: Path | None) -> tuple[Mirror | None, str | None]:
    """(the mirror, None), or (None, why it cannot be used at all); entries that fail alone
    are reported here, once."""
    if path is None:
        return None, None
    try:
        mirror = Mirror.open(path)
    except MirrorError as exc:
        print(f"warning: {exc}; the cited sources are gathered without it", file=sys.stderr)
        return None, str(exc)
    for problem in mirror.problems:
        print(f"warning: mirror {path}: {problem} (that entry is skipped)", file=sys.stderr)
    return mirror, None


def _note_mirror(item: GatheredSource, unusable: str) -> GatheredSource:
    """A source left without text names the unusable mirror that might have supplied it."""
    if item.document is not None:
        return item
    reason = f"{item.source.reason}; {unusable}" if item.source.reason else unusable
    return replace(item, source=replace(item.source, reason=reason))


def _share_duplicates(results: list[GatheredSource]) -> list[GatheredSource]:
    """Two URLs that serve identical bytes (a redirect, an alias) are indexed once: later
    ones point at the first one's document and carry no document of their own."""
    first_by_hash: dict[str, Document] = {}
    out: list[GatheredSource] = []
    for item in results:
        doc = item.document
        if doc is None:
            out.append(item)
            continue
        first = first_by_hash.setdefault(doc.sha256, doc)
        if first is doc:
            out.append(item)
        else:
            note = f"same content as {first.url or first.origin}; indexed once"
            out.append(GatheredSource(replace(item.source, document_id=first.id, reason=note)))
    return out


class _Gatherer:
    def __init__(
        self,
        options: FetchOptions,
        cache: FetchCache,
        mirror: Mirror | None,
        fetcher: Fetcher | None,
    ) -> None:
        self.options = options
        self.cache = cache
        self.mirror = mirror
        self.fetcher = fetcher
        self._mirror_lock = threading.Lock()  # zipfile reads are not thread-safe

    def gather(self, source: Source) -> GatheredSource:
        if self.mirror is not None:
            entry = self.mirror.lookup(source.url, source.title)
            if entry is not None:
                name = self.mirror.describe(entry)
                try:
                    with self._mirror_lock:
                        body = self.mirror.read(entry, self.options.max_bytes)
                except MirrorError as exc:
                    return _failed(source, str(exc))  # already "mirror PATH: ..."
                except OSError as exc:
                    return _failed(source, f"mirror {name}: {exc}")
                return self._extracted(
                    replace(source, status="mirror", reason=None, final_url=None),
                    body,
                    content_type=entry.content_type,
                    charset=entry.charset,
                    origin=source.url or name,
                )
        if source.url is None:
            return GatheredSource(
                replace(
                    source,
                    status="no_url",
                    reason="the brief gives no URL; a --mirror entry with its title can supply it",
                )
            )
        cached = self.cache.get(source.url)
        if self.options.offline or self.fetcher is None:
            if cached is None:
                return GatheredSource(
                    replace(source, status="offline", reason="offline, and not in the cache")
                )
            hit, body = cached
            return self._extracted(
                replace(source, status="cached", reason=None, final_url=hit.final_url),
                body,
                content_type=hit.content_type,
                charset=hit.charset,
                origin=source.url,
            )
        return self._fetched(source, source.url, cached)

    def _fetched(
        self, source: Source, url: str, cached: tuple[CacheEntry, bytes] | None
    ) -> GatheredSource:
        assert self.fetcher is not None
        entry = cached[0] if cached is not None else None
        try:
            result = self.fetcher.fetch(
                url,
                etag=entry.etag if entry else None,
                last_modified=entry.last_modified if entry else None,
            )
        except FetchError as exc:
            if cached is None:
                return _failed(source, exc.reason)
            # Stale beats nothing: the copy we have is what the brief cited, just older.
            stale, body = cached
            return self._extracted(
                replace(
                    source,
                    status="cached",
                    reason=f"{exc.reason}; using the copy fetched {stale.fetched_at}",
                    final_url=stale.final_url,
                ),
                body,
                content_type=stale.content_type,
                charset=stale.charset,
                origin=url,
            )
        except httpx.HTTPError as exc:  # a custom Fetcher may let these through
            return _failed(source, f"network error: {exc}")

        if result.not_modified:
            if cached is None:
                return _failed(source, "HTTP 304 Not Modified, but no cached copy to use")
            note: str | None = None
            try:
                refreshed = self.cache.revalidated(cached[0], result)
            except OSError as exc:
                refreshed, note = cached[0], f"cache not updated: {exc}"
            return self._extracted(
                replace(source, status="cached", reason=note, final_url=refreshed.final_url),
                cached[1],
                content_type=refreshed.content_type,
                charset=refreshed.charset,
                origin=url,
            )
        note = None
        try:
            self.cache.put(result, title=source.title)
        except OSError as exc:
            note = f"fetched, but not cached: {exc}"
        return self._extracted(
            replace(source, status="fetched", reason=note, final_url=result.final_url),
            result.body,
            content_type=result.content_type,
            charset=result.charset,
            origin=result.final_url,
        )

    def _extracted(
        self,
        source: Source,
        body: bytes,
        *,
        content_type: str | None,
        charset: str | None,
        origin: str,
    ) -> GatheredSource:
        if len(body) > self.options.max_bytes:
            return _failed(source, f"too large (> {human_size(self.options.max_bytes)})")
        try:
            kind, parsed = extract(
                body, content_type=content_type, charset=charset, name=source.url or origin
            )
        except BriefQAError as exc:
            reason = getattr(exc, "reason", str(exc))
            return _failed(replace(source, content_type=content_type), reason)
        document = source_document(source, parsed, body, content_type=kind, origin=origin)
        updated = replace(
            source,
            content_type=kind,
            document_id=document.id,
            page_count=parsed.page_count,
        )
        return GatheredSource(updated, document, parsed)


def _failed(source: Source, reason: str) -> GatheredSource:
    return GatheredSource(replace(source, status="failed", reason=reason))
