"""`build_corpus`: files (and the sources they cite) → a `Corpus` of typed records.

One bad document never stops the run: its error (naming the file) is recorded in
`Corpus.errors` and the other documents are ingested.
"""

from __future__ import annotations

import hashlib
import re
import stat
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.chunking import ChunkingOptions, chunk_blocks
from ingest.errors import BriefQAError, DocumentError, UnsupportedFormatError
from ingest.footnotes import (
    find_reference_section,
    link_footnotes,
    parse_footnote,
    parse_references,
)
from ingest.readers.base import SUPPORTED_SUFFIXES, reader_for
from ingest.records import (
    Chunk,
    Corpus,
    Document,
    Footnote,
    ParsedDocument,
    Reference,
    SetAside,
    set_aside,
)

if TYPE_CHECKING:
    from ingest.sources.gather import FetchOptions

Progress = Callable[[str], None]


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
    """Expand directories into the documents they hold; report files no reader handles."""
    files: list[Path] = []
    errors: list[str] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not any(p.startswith(".") for p in child.parts[-1:]):
                    if child.suffix.lower() in SUPPORTED_SUFFIXES:
                        files.append(child)
                    elif child.name.lower() not in {"readme", "readme.md", "license"}:
                        errors.append(str(UnsupportedFormatError(child, _unsupported(child))))
        elif path.exists():
            files.append(path)
        else:
            errors.append(str(DocumentError(path, "no such file or directory")))
    return files, errors


def _unsupported(path: Path) -> str:
    return f"unsupported file type {path.suffix or '(none)'!r}; expected one of " + ", ".join(
        SUPPORTED_SUFFIXES
    )


def document_id_for(path: Path, taken: set[str]) -> str:
    """A readable, stable id from the file name: "UNICEF Topic B.pdf" → "unicef-topic-b"."""
    base = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "document"
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def read_document(path: Path) -> ParsedDocument:
    """Read one file with its format's reader; any failure becomes a `DocumentError`."""
    reader = reader_for(path)
    try:
        # A FIFO or device named like a document would block the reader forever.
        if not stat.S_ISREG(path.stat().st_mode):
            raise DocumentError(path, "not a regular file (pipe, socket or device?)")
        return reader.read(path)
    except BriefQAError:
        raise
    except (OSError, ValueError, RecursionError, MemoryError) as exc:
        raise DocumentError(path, f"cannot read: {exc.__class__.__name__}: {exc}") from exc


@dataclass(frozen=True)
class BriefRecords:
    """One brief read, chunked and with its footnotes and reference list."""

    document: Document
    chunks: tuple[Chunk, ...]
    footnotes: tuple[Footnote, ...]
    references: tuple[Reference, ...]
    text: str  # the cleaned text the chunks' offsets index
    warnings: tuple[str, ...]  # each naming the file
    set_aside: tuple[SetAside, ...] = ()  # its page furniture, counted by kind


def read_brief(
    path: Path, taken: set[str], chunking: ChunkingOptions | None = None
) -> BriefRecords:
    """Read one brief; its document id is made from the file name, unique among `taken`
    (which it joins). Raises a `BriefQAError` naming the file when it cannot be read."""
    parsed = read_document(path)
    doc_id = document_id_for(path, taken)
    document = Document(
        id=doc_id,
        title=parsed.title or path.stem,
        kind="brief",
        origin=str(path),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        page_count=parsed.page_count,
        masthead=masthead(parsed),
    )
    footnotes, references = _footnotes_and_references(doc_id, parsed)
    chunked = chunk_blocks(doc_id, parsed.blocks, chunking)
    return BriefRecords(
        document=document,
        chunks=chunked.chunks,
        footnotes=tuple(footnotes),
        references=tuple(references),
        text=chunked.text,
        warnings=tuple(
            warning if warning.startswith(str(path)) else f"{path}: {warning}"
            for warning in parsed.warnings
        ),
        set_aside=set_aside(doc_id, parsed.furniture),
    )


def build_corpus(
    paths: Sequence[Path],
    *,
    fetch: FetchOptions | None = None,
    chunking: ChunkingOptions | None = None,
    progress: bool = True,
    log: Progress | None = None,
) -> Corpus:
    """Read every document under `paths`, fetch what they cite (when `fetch` is given), chunk."""
    from ingest.conference import EMPTY, add_briefs

    say = log or (lambda message: print(message, file=sys.stderr))
    corpus = add_briefs(EMPTY, paths, fetch=fetch, chunking=chunking, progress=progress).corpus
    if not corpus.documents:
        say("no document could be read")
    return corpus


MASTHEAD_LINES = 3
MASTHEAD_CHARS = 200


def masthead(parsed: ParsedDocument) -> tuple[str, ...]:
    """The headings a document opens with, before its first paragraph: where a brief prints
    its committee and topic ("United Nations Children's Fund (UNICEF)", "Topic B. …")."""
    lines: list[str] = []
    for block in parsed.blocks:
        if block.kind != "heading" or len(lines) == MASTHEAD_LINES:
            break
        if len(block.text) <= MASTHEAD_CHARS:
            lines.append(block.text)
    return tuple(lines)


def _footnotes_and_references(
    document_id: str, parsed: ParsedDocument
) -> tuple[list[Footnote], list[Reference]]:
    section = find_reference_section(parsed.blocks)
    refs: tuple[Reference, ...] = ()
    if section is not None:
        start, end = section
        refs = parse_references(parsed.blocks[start:end], document_id)
    notes = [parse_footnote(raw, document_id) for raw in parsed.footnotes]
    return list(link_footnotes(notes, refs)), list(refs)


def _progress(items: list[Path], enabled: bool, label: str) -> Iterable[Path]:
    if not enabled or len(items) < 2 or not sys.stderr.isatty():
        return items
    from tqdm import tqdm

    return tqdm(items, desc=label, unit="doc", file=sys.stderr)
