"""Offline mirrors: the cited sources as local files, for machines without network.

A mirror is a directory (or a `.zip` of one) holding `manifest.json`::

    {
      "format": "brief-qa-mirror", "version": 1,
      "entries": [
        {"url": "https://example.org/report.pdf", "title": "Annual report",
         "file": "files/report.pdf", "content_type": "application/pdf"},
        {"url": null, "title": "A work the brief cites without a URL",
         "file": "files/convention.html"}
      ]
    }

Each entry needs `file` (a relative POSIX path inside the mirror) and a `url` or a `title`.
Sources are matched by normalised URL first, then by title (case, punctuation and markdown
emphasis ignored) — which is how a source the brief cites without a URL can still be
supplied. `content_type` and `charset` are optional (the bytes are sniffed anyway; `charset`
matters for text that declares its encoding nowhere else); optional `sha256` is verified;
`format`/`version` are optional on input.

An entry fails alone: one whose `file` is absolute, contains `..`, resolves (through
symlinks) outside the mirror, is missing, is a symlink or directory member of a zip, or whose
record is malformed, is kept with its `problem` (a source it would supply fails with that
reason, never reading the file) and listed in `Mirror.problems`; the other entries are used.
Only a mirror that cannot be read at all (no manifest, a manifest that is not JSON or over
its size cap, not a directory or zip) raises `MirrorError` from `Mirror.open`, and
`gather_sources` then gathers the sources without it, each naming why. A zip is never
extracted to disk: members are read in place, so there is nothing to slip out of.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any, Self

from ingest.errors import MirrorError
from ingest.sources.cache import CacheEntry, FetchCache, now_iso
from ingest.sources.content import HTML, PDF, TEXT, sniff_content_type
from ingest.sources.urls import normalise_title, normalise_url, url_slug

MANIFEST = "manifest.json"
FORMAT = "brief-qa-mirror"
VERSION = 1
_EXTENSIONS = {PDF: ".pdf", HTML: ".html", TEXT: ".txt"}
# A manifest is a list of short records: 10,000 entries take about 3 MB. The cap holds on the
# bytes as read (or inflated, in a zip), so a manifest bomb costs at most this much memory.
MANIFEST_MAX_BYTES = 16 * 1024 * 1024
# What a damaged or lying zip member raises while it is inflated.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
               ValueError)


@dataclass(frozen=True)
class MirrorEntry:
    file: str  # relative POSIX path inside the mirror
    url: str | None = None  # normalised
    title: str | None = None
    content_type: str | None = None
    charset: str | None = None  # for text without a BOM or <meta charset>
    sha256: str | None = None
    problem: str | None = None  # why this entry cannot be used (it fails alone)


class Mirror:
    """An opened, validated mirror. Use as a context manager (a zip stays open)."""

    def __init__(
        self, location: Path, entries: Iterable[MirrorEntry], zip_file: zipfile.ZipFile | None
    ) -> None:
        self.location = location
        self.entries = tuple(entries)
        self._zip = zip_file
        # Entries that fail alone, as "entry N ...: reason" (shown by the ingest).
        self.problems = tuple(e.problem for e in self.entries if e.problem)
        # A usable entry wins over a broken one for the same URL or title.
        ordered = sorted(self.entries, key=lambda e: e.problem is None)
        self._by_url = {e.url: e for e in ordered if e.url}
        self._by_title = {normalise_title(e.title): e for e in ordered if e.title}

    @classmethod
    def open(cls, path: Path) -> Mirror:
        """Open a mirror directory or zip; raise `MirrorError` naming what is wrong."""
        if path.is_dir():
            manifest_path = path / MANIFEST
            if not manifest_path.is_file():
                raise MirrorError(path, f"no {MANIFEST} in the directory")
            try:
                with manifest_path.open("rb") as handle:
                    raw = handle.read(MANIFEST_MAX_BYTES + 1)
            except OSError as exc:
                raise MirrorError(path, f"cannot read {MANIFEST}: {exc}") from exc
            root = path.resolve()
            return cls(path, [_checked(entry, _dir_problem(path, root, entry.file))
                              for entry in _parse_manifest(path, raw)], None)
        if path.is_file() and zipfile.is_zipfile(path):
            try:
                archive = zipfile.ZipFile(path)
            except (OSError, *_ZIP_ERRORS) as exc:
                raise MirrorError(path, f"unreadable zip: {exc}") from exc
            try:
                return cls(path, _zip_entries(path, archive), archive)
            except BaseException:
                archive.close()
                raise
        if path.exists():
            raise MirrorError(path, "not a directory or a zip file")
        raise MirrorError(path, "no such directory or zip file")

    def lookup(self, url: str | None, title: str | None) -> MirrorEntry | None:
        if url:
            found = self._by_url.get(normalise_url(url))
            if found is not None:
                return found
        if title:
            return self._by_title.get(normalise_title(title))
        return None

    def read(self, entry: MirrorEntry, max_bytes: int) -> bytes:
        """The entry's bytes; `MirrorError` if unusable (`problem`), too large or not matching
        its `sha256`."""
        if entry.problem is not None:
            raise MirrorError(self.location, entry.problem)
        if self._zip is not None:
            info = self._zip.getinfo(entry.file)
            if info.file_size > max_bytes:
                raise MirrorError(self.location, f"{entry.file}: larger than {max_bytes} bytes")
            try:
                with self._zip.open(info) as handle:
                    data = handle.read(max_bytes + 1)  # bounded even if the header lies
            except _ZIP_ERRORS as exc:
                # A corrupt member, or one whose recorded size or CRC lies: this entry
                # fails, the rest of the mirror is still good.
                reason = f"{entry.file}: damaged zip member: {exc}"
                raise MirrorError(self.location, reason) from None
        else:
            path = self.location / entry.file
            if path.stat().st_size > max_bytes:
                raise MirrorError(self.location, f"{entry.file}: larger than {max_bytes} bytes")
            data = path.read_bytes()
        if len(data) > max_bytes:
            raise MirrorError(self.location, f"{entry.file}: larger than {max_bytes} bytes")
        if entry.sha256 and hashlib.sha256(data).hexdigest() != entry.sha256.lower():
            raise MirrorError(self.location, f"{entry.file}: sha256 does not match the manifest")
        return data

    def describe(self, entry: MirrorEntry) -> str:
        """Where an entry came from, for `Document.origin` of a source without URL."""
        separator = "!/" if self._zip is not None else "/"
        return f"{self.location}{separator}{entry.file}"

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _relative_problem(name: str) -> str | None:
    posix = PurePosixPath(name)
    if (
        not name
        or "\\" in name
        or posix.is_absolute()
        or ".." in posix.parts
        or (len(name) > 1 and name[1] == ":")  # a Windows drive
    ):
        return f"entry {name!r} is not a relative path inside the mirror"
    return None


def _dir_problem(mirror: Path, root: Path, name: str) -> str | None:
    if not name:
        return None  # already reported by the manifest check
    problem = _relative_problem(name)
    if problem is not None:
        return problem
    target = (mirror / name).resolve()
    if not target.is_relative_to(root):
        return f"entry {name!r} resolves outside the mirror"
    if not target.is_file():
        return f"entry {name!r}: no such file"
    return None


def _checked(entry: MirrorEntry, problem: str | None) -> MirrorEntry:
    if entry.problem is not None or problem is None:
        return entry
    return replace(entry, problem=problem)


def _parse_manifest(mirror: Path, raw: bytes) -> list[MirrorEntry]:
    if len(raw) > MANIFEST_MAX_BYTES:
        raise MirrorError(
            mirror, f"{MANIFEST} is larger than {MANIFEST_MAX_BYTES // (1024 * 1024)} MB"
        )
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise MirrorError(mirror, f"{MANIFEST} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise MirrorError(mirror, f'{MANIFEST} must be an object with an "entries" list')
    if data.get("format", FORMAT) != FORMAT or data.get("version", VERSION) != VERSION:
        raise MirrorError(
            mirror, f"{MANIFEST} is {data.get('format')!r} v{data.get('version')}, "
            f"expected {FORMAT!r} v{VERSION}"
        )
    entries = []
    for number, item in enumerate(data["entries"], start=1):
        # A malformed record fails alone: with a url or title it is kept (the source it names
        # fails with the reason); without either it can supply nothing and is only reported.
        if not isinstance(item, dict):
            item = {"problem": f"{MANIFEST} entry {number} is not an object"}
        file, url, title = item.get("file"), item.get("url"), item.get("title")
        problem = item.get("problem")
        if problem is None and not isinstance(file, str):
            problem = f'{MANIFEST} entry {number}: "file" must be a string'
        if not (isinstance(url, str) and url) and not (isinstance(title, str) and title):
            problem = problem or f'{MANIFEST} entry {number}: needs a "url" or a "title"'
        content_type, charset = item.get("content_type"), item.get("charset")
        sha = item.get("sha256")
        entries.append(
            MirrorEntry(
                problem=problem,
                file=file if isinstance(file, str) else "",
                url=normalise_url(url) if isinstance(url, str) and url else None,
                title=title if isinstance(title, str) and title else None,
                content_type=content_type if isinstance(content_type, str) else None,
                charset=charset if isinstance(charset, str) else None,
                sha256=sha if isinstance(sha, str) else None,
            )
        )
    return entries


def _zip_entries(path: Path, archive: zipfile.ZipFile) -> list[MirrorEntry]:
    try:
        info = archive.getinfo(MANIFEST)
    except KeyError:
        raise MirrorError(path, f"no {MANIFEST} at the top of the zip") from None
    if info.file_size > MANIFEST_MAX_BYTES:
        raise MirrorError(
            path, f"{MANIFEST} is larger than {MANIFEST_MAX_BYTES // (1024 * 1024)} MB"
        )
    try:
        with archive.open(info) as handle:
            raw = handle.read(MANIFEST_MAX_BYTES + 1)  # bounded even if the header lies
    except _ZIP_ERRORS as exc:
        raise MirrorError(path, f"{MANIFEST} is a damaged zip member: {exc}") from None
    return [_checked(entry, _zip_problem(archive, entry.file))
            for entry in _parse_manifest(path, raw)]


def _zip_problem(archive: zipfile.ZipFile, name: str) -> str | None:
    if not name:
        return None  # already reported by the manifest check
    problem = _relative_problem(name)
    if problem is not None:
        return problem
    try:
        info = archive.getinfo(name)
    except KeyError:
        return f"entry {name!r}: not in the zip"
    if stat.S_ISLNK(info.external_attr >> 16):
        return f"entry {name!r} is a symlink"
    if info.is_dir():
        return f"entry {name!r} is a directory"
    return None


def _member_name(entry: CacheEntry, content_type: str) -> str:
    # The cache key makes the name unique; the slug makes it readable.
    ext = _EXTENSIONS.get(content_type, ".bin")
    return f"files/{url_slug(entry.url)}-{FetchCache.key(entry.url)[:8]}{ext}"


def write_mirror_zip(cache_dir: Path, out_zip: Path) -> int:
    """`brief-qa pack`: write every cached source as a mirror zip; return how many.

    The zip is written to a temporary file next to `out_zip` and renamed into place.
    """
    cache = FetchCache(cache_dir)
    entries = list(cache.entries())
    if not entries:
        raise MirrorError(
            out_zip,
            f"the cache {cache.dir} holds no fetched sources: run `brief-qa ingest` with "
            f"network access first (or pass --cache DIR)",
        )
    manifest: list[dict[str, Any]] = []
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=out_zip.parent, prefix=f".{out_zip.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for entry in entries:
                body = cache.body_path(entry).read_bytes()
                if hashlib.sha256(body).hexdigest() != entry.sha256:
                    continue  # a torn or corrupt cache file: leave it out rather than ship it
                # The header may have lied (a PDF served as text/html): record what it is.
                content_type = sniff_content_type(body, entry.content_type)
                name = _member_name(entry, content_type)
                archive.writestr(name, body)
                manifest.append(
                    {
                        "url": entry.url,
                        "title": entry.title,
                        "file": name,
                        "content_type": content_type,
                        "charset": entry.charset,
                        "sha256": entry.sha256,
                        "final_url": entry.final_url,
                        "fetched_at": entry.fetched_at,
                    }
                )
            document = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": now_iso(),
                "entries": manifest,
            }
            archive.writestr(MANIFEST, json.dumps(document, indent=2, ensure_ascii=False))
        os.replace(tmp, out_zip)
    finally:
        tmp.unlink(missing_ok=True)
    return len(manifest)
