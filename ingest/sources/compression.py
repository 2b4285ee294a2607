"""Content-Encoding undone as a bounded stream: gzip and deflate layers, inflated step by step.

`HttpFetcher` reads raw bytes and inflates them here with a bounded output per step, so its
size cap holds on decoded bytes as they are produced and stacked gzip bombs stay small.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from ingest.errors import FetchError

_DECODE_STEP = 64 * 1024  # most bytes one inflate step may produce
_MAX_ENCODINGS = 4  # stacked Content-Encoding layers accepted


def _content_encodings(url: str, header: str | None) -> list[str]:
    """The codings to undo, outermost first; `FetchError` for one we cannot stream."""
    names = [n.strip().lower() for n in (header or "").split(",") if n.strip()]
    names = [n for n in names if n != "identity"]
    unknown = [n for n in names if n not in ("gzip", "x-gzip", "deflate")]
    if unknown:
        raise FetchError(url, f"unsupported Content-Encoding: {unknown[0]}")
    if len(names) > _MAX_ENCODINGS:
        raise FetchError(url, f"{len(names)} stacked Content-Encodings (> {_MAX_ENCODINGS})")
    return list(reversed(names))  # the last one listed was applied last


def _decoded(url: str, raw: Iterable[bytes], encodings: list[str], step: int) -> Iterator[bytes]:
    stream: Iterable[bytes] = raw
    for name in encodings:
        stream = _inflate(url, stream, name, step)
    return iter(stream)


def _inflate(url: str, chunks: Iterable[bytes], name: str, step: int) -> Iterator[bytes]:
    """One coding undone as a stream; no step yields more than `step` bytes."""
    decoder: zlib._Decompress | None = None
    try:
        for data in chunks:
            while data:
                if decoder is None:
                    decoder = zlib.decompressobj(_wbits(name, data))
                out = decoder.decompress(data, step)
                if out:
                    yield out
                if decoder.eof:  # a gzip member ended: another may follow
                    data, decoder = decoder.unused_data, None
                    continue
                data = decoder.unconsumed_tail
        if decoder is not None:
            while tail := decoder.decompress(b"", step):
                yield tail
    except zlib.error as exc:
        raise FetchError(url, f"undecodable response ({name}): {exc}") from None


def _wbits(name: str, first: bytes) -> int:
    if name in ("gzip", "x-gzip"):
        return 16 + zlib.MAX_WBITS
    # HTTP "deflate" is meant to be zlib-wrapped, but many servers send raw deflate.
    zlib_header = len(first) >= 2 and first[0] & 0x0F == 8 and (first[0] << 8 | first[1]) % 31 == 0
    return zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS
