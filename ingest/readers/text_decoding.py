"""Decoding a text file's bytes: UTF-8, damaged UTF-8 or cp1252 with a warning; binary refused.

Used by `ingest.readers.text`; see `decode_text`.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from ingest.errors import DocumentError

# Valid multi-byte UTF-8 sequences: their presence says "UTF-8 with a few damaged bytes".
_UTF8_MULTI = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_BINARY_MAGIC = (
    b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"GIF8", b"\xff\xd8\xff",
    b"\x7fELF",
)


def decode_text(data: bytes, path: Path | str) -> tuple[str, tuple[str, ...]]:
    """Decode a text file's bytes → (text, warnings).

    UTF-8 (BOM honoured; UTF-16 with a BOM too). Binary data (a known file signature, or
    over 5% control bytes) is refused. Otherwise, bytes that are not UTF-8 are decoded as
    UTF-8 with U+FFFD for the damaged bytes when the file also holds valid multi-byte UTF-8
    (at least a quarter as many sequences as bad bytes: UTF-8 with some damage), else as
    cp1252 if every byte is defined there; both with a warning. Else `DocumentError`.
    """
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), ()
            except UnicodeDecodeError as exc:
                raise DocumentError(path, f"invalid {encoding} text at byte {exc.start}") from exc
    if data.startswith(_BINARY_MAGIC):
        raise DocumentError(path, "binary file (its signature is not text), not a text file")
    if len(_BINARY_BYTES.findall(data[:65536])) > max(4, len(data[:65536]) // 20):
        raise DocumentError(path, "binary file (too many control bytes), not a text file")
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    replaced = data.decode("utf-8", errors="replace")
    bad = replaced.count("\ufffd") - data.count("\ufffd".encode())
    # cp1252 text rarely forms a valid UTF-8 sequence by accident; UTF-8 text has many.
    if 4 * len(_UTF8_MULTI.findall(data)) >= bad:
        return replaced, (
            f"{path}: {bad} byte sequence(s) are not valid UTF-8 (first at byte {first_bad}); "
            "replaced with U+FFFD",
        )
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            path, f"not valid UTF-8 (byte {first_bad}) nor cp1252 text; save it as UTF-8"
        ) from exc
    return text, (f"{path}: not valid UTF-8 (byte {first_bad}); decoded as cp1252",)
