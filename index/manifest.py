"""`manifest.json`: what an index directory holds, how it was built, and checksums of its files."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from index.errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from index.files import MANIFEST_FILE
from ingest.records import Chunk

# 2: footnotes and reference entries are identified by (brief, number), not number alone.
FORMAT_VERSION = 2
# Above this many bytes of index files, `open` checks sizes only: hashing hundreds of MB on
# every start would dominate start-up time (a truncated file still changes its size).
VERIFY_HASH_LIMIT = 256 * 1024 * 1024


@dataclass(frozen=True)
class FileEntry:
    sha256: str
    bytes: int


@dataclass(frozen=True)
class Manifest:
    format_version: int
    build_id: str
    built_at: str  # ISO 8601, UTC
    model: str
    dimension: int
    chunk_count: int
    document_count: int
    fingerprint: str  # sha256 over model + chunk ids + texts
    dense_kind: str
    dense_params: dict[str, Any] = field(default_factory=dict)
    bm25: dict[str, Any] = field(default_factory=dict)
    files: dict[str, FileEntry] = field(default_factory=dict)
    model_source: str | None = None  # a local model directory, to reload it for queries
    embedded_count: int = 0  # chunks embedded by this build
    reused_count: int = 0  # chunks whose vectors came from the previous index (embedding cache)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        data = dict(data)
        data["files"] = {name: FileEntry(**entry) for name, entry in data["files"].items()}
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


def fingerprint(model: str, chunks: Iterable[Chunk]) -> str:
    """Identity of the indexed content: same model and same chunk ids and texts → same value."""
    digest = hashlib.sha256(model.encode())
    for chunk in chunks:
        digest.update(b"\0" + chunk.id.encode() + b"\0" + chunk.text.encode())
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_entries(directory: Path) -> dict[str, FileEntry]:
    """Checksums of every file under `directory` except the manifest, by relative path."""
    return {
        path.relative_to(directory).as_posix(): FileEntry(sha256_file(path), path.stat().st_size)
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.name != MANIFEST_FILE
    }


def read_manifest(directory: Path, *, shown: Path | str | None = None) -> Manifest:
    """Parse and validate `directory/manifest.json`. `shown` is the path named in errors."""
    shown = shown if shown is not None else directory
    path = directory / MANIFEST_FILE
    if not directory.is_dir() or not path.is_file():
        raise IndexMissingError(shown)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexCorruptError(shown, f"{MANIFEST_FILE} is unreadable: {exc}") from exc
    if not isinstance(data, dict):
        raise IndexCorruptError(shown, f"{MANIFEST_FILE} is not a JSON object")
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexMismatchError(shown, "format_version", version, FORMAT_VERSION)
    try:
        return Manifest.from_dict(data)
    except (KeyError, TypeError, AttributeError) as exc:
        raise IndexCorruptError(shown, f"{MANIFEST_FILE} is incomplete: {exc!r}") from exc


def verify_files(directory: Path, manifest: Manifest, *, shown: Path | str | None = None) -> None:
    """Every listed file exists with its recorded size and (for small indexes) its sha256."""
    shown = shown if shown is not None else directory
    total = sum(entry.bytes for entry in manifest.files.values())
    check_hash = total <= VERIFY_HASH_LIMIT
    for name, entry in manifest.files.items():
        path = directory / name
        try:
            size = path.stat().st_size
            matches = not check_hash or sha256_file(path) == entry.sha256
        except OSError as exc:
            # Also what a reader sees when a rebuild removes this version mid-check: as a
            # corrupt-index error, `SearchIndex.open` retries on the newly linked version.
            raise IndexCorruptError(shown, f"{name} is missing ({type(exc).__name__})") from exc
        if size != entry.bytes:
            raise IndexCorruptError(
                shown, f"{name} has {size} bytes, the manifest says {entry.bytes} (truncated?)"
            )
        if not matches:
            raise IndexCorruptError(shown, f"{name} does not match its checksum")


def write_manifest(directory: Path, manifest: Manifest) -> None:
    text = json.dumps(manifest.to_dict(), indent=2, ensure_ascii=False)
    (directory / MANIFEST_FILE).write_text(text + "\n", encoding="utf-8")
