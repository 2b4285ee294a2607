"""The on-disk fetch cache: raw bytes plus JSON metadata, one pair per source URL.

Layout (under `BRIEF_QA_CACHE`, default `.brief-qa/cache`)::

    sources/<key>.body   the bytes exactly as downloaded
    sources/<key>.json   {"url", "final_url", "status_code", "content_type", "charset",
                          "sha256", "size", "fetched_at", "etag", "last_modified", "title"}

`<key>` is a hash of the normalised URL. Both files are written atomically (temp file +
rename), body first: the metadata is the commit record, and its sha256 must match the body,
so a crash or a concurrent writer can leave at worst an entry that reads as a miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.sources.fetch import FetchResult

CACHE_ENV = "BRIEF_QA_CACHE"


def default_cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV, ".brief-qa/cache"))


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class CacheEntry:
    url: str
    final_url: str
    status_code: int
    content_type: str | None
    charset: str | None
    sha256: str
    size: int
    fetched_at: str  # ISO 8601 UTC of the last download or successful revalidation
    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None  # the citing source's title, so `pack` can write it out

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so readers see the old file or the new one, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class FetchCache:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.dir = root / "sources"

    @staticmethod
    def key(url: str) -> str:
        return hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = self.key(url)
        return self.dir / f"{key}.body", self.dir / f"{key}.json"

    def body_path(self, entry: CacheEntry) -> Path:
        return self._paths(entry.url)[0]

    def lookup(self, url: str) -> CacheEntry | None:
        """The entry for `url` if its metadata is readable (the body is not checked)."""
        meta_path = self._paths(url)[1]
        try:
            data = json.loads(meta_path.read_text(encoding="utf-8"))
            entry = CacheEntry(**data)
        except (OSError, ValueError, TypeError):
            return None
        return entry if entry.url == url else None

    def get(self, url: str) -> tuple[CacheEntry, bytes] | None:
        """The cached entry and body for `url`, or None (missing, unreadable or corrupt)."""
        entry = self.lookup(url)
        if entry is None:
            return None
        try:
            body = self._paths(url)[0].read_bytes()
        except OSError:
            return None
        if hashlib.sha256(body).hexdigest() != entry.sha256:
            return None
        return entry, body

    def put(self, result: FetchResult, *, title: str | None = None) -> CacheEntry:
        body_path, meta_path = self._paths(result.url)
        entry = CacheEntry(
            url=result.url,
            final_url=result.final_url,
            status_code=result.status_code,
            content_type=result.content_type,
            charset=result.charset,
            sha256=hashlib.sha256(result.body).hexdigest(),
            size=len(result.body),
            fetched_at=now_iso(),
            etag=result.etag,
            last_modified=result.last_modified,
            title=title,
        )
        atomic_write(body_path, result.body)
        self._write_meta(meta_path, entry)
        return entry

    def revalidated(self, entry: CacheEntry, result: FetchResult) -> CacheEntry:
        """Record a 304: the body stands, the time and any new validators are updated."""
        updated = replace(
            entry,
            fetched_at=now_iso(),
            etag=result.etag or entry.etag,
            last_modified=result.last_modified or entry.last_modified,
        )
        self._write_meta(self._paths(entry.url)[1], updated)
        return updated

    def _write_meta(self, path: Path, entry: CacheEntry) -> None:
        text = json.dumps(entry.to_dict(), indent=2, ensure_ascii=False) + "\n"
        atomic_write(path, text.encode("utf-8"))

    def entries(self) -> Iterator[CacheEntry]:
        """Every readable entry whose body is present, in key order."""
        if not self.dir.is_dir():
            return
        for meta_path in sorted(self.dir.glob("*.json")):
            try:
                entry = CacheEntry(**json.loads(meta_path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                continue
            if self.body_path(entry).is_file():
                yield entry
