"""The files of an index directory: their names, and the plain-JSON readers every caller uses.

One module knows the layout, so the writer (`index.writer.write_index`), the reader
(`SearchIndex`), the manifest's checksums and the `chunks` command never disagree on it.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from index.errors import IndexCorruptError, IndexMissingError
from ingest.records import Chunk

MANIFEST_FILE = "manifest.json"
DOCUMENTS_FILE = "documents.json"
FOOTNOTES_FILE = "footnotes.json"
REFERENCES_FILE = "references.json"
SOURCES_FILE = "sources.json"
TEXTS_FILE = "texts.json"
ERRORS_FILE = "errors.json"
CHUNKS_FILE = "chunks.jsonl"
EMBEDDINGS_FILE = "embeddings.npy"
DENSE_FILE = "dense.faiss"
BM25_DIR = "bm25"
SENTENCES_FILE = "sentences.npy"
SENTENCE_OFFSETS_FILE = "sentence_offsets.npy"

# np.load parses each .npy header with ast.literal_eval, and CPython 3.11's compiler is not
# safe against concurrent use ("SystemError: AST constructor recursion depth mismatch" when app
# workers open the index together), so loads of index files are serialised.
LOAD_LOCK = threading.Lock()


def has_index(directory: Path) -> bool:
    """Whether `directory` (or the version its link points to) holds a built index."""
    return (directory / MANIFEST_FILE).exists()


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def read_chunk_file(root: Path) -> tuple[Chunk, ...]:
    """`root`'s chunks, one JSON object a line (no check; `read_chunks` checks)."""
    with (root / CHUNKS_FILE).open(encoding="utf-8") as handle:
        return tuple(Chunk.from_dict(json.loads(line)) for line in handle if line.strip())


def read_chunks(directory: Path) -> tuple[Chunk, ...]:
    """The chunks of the index at `directory` without opening the rest (no model, no FAISS):
    what `brief-qa chunks` lists."""
    if not has_index(directory):
        raise IndexMissingError(directory)
    try:
        return read_chunk_file(directory)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexCorruptError(directory, f"{CHUNKS_FILE}: {exc}") from exc
