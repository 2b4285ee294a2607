"""What a fetched body really is: its media type (sniffed, not just trusted) and its charset.

Servers mislabel: PDFs go out as `text/html` or `application/octet-stream`, HTML as
`application/octet-stream`, Latin-1 pages without any declaration. The bytes decide where
they are unambiguous (`%PDF-`, an HTML start tag, a BOM); the header decides otherwise.
"""

from __future__ import annotations

import codecs
import re
from email.message import Message

PDF = "application/pdf"
HTML = "text/html"
TEXT = "text/plain"
SUPPORTED = (PDF, HTML, TEXT)

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)[\s>/]",
    re.IGNORECASE | re.DOTALL,
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
# WHATWG: these labels mean windows-1252 in browsers, and servers rely on it.
_ALIASES = {"iso-8859-1": "windows-1252", "latin-1": "windows-1252", "latin1": "windows-1252",
            "us-ascii": "windows-1252", "ascii": "windows-1252", "iso8859-1": "windows-1252"}
FALLBACK_CHARSET = "windows-1252"


def parse_content_type(header: str | None) -> tuple[str | None, str | None]:
    """`"text/html; charset=ISO-8859-1"` → `("text/html", "iso-8859-1")`."""
    if not header:
        return None, None
    message = Message()
    message["content-type"] = header
    mime = message.get_content_type().lower()
    charset = message.get_param("charset")
    return mime, (str(charset).strip().lower() if isinstance(charset, str) else None)


def _bom_charset(body: bytes) -> str | None:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    return None


def sniff_content_type(body: bytes, declared: str | None) -> str:
    """The media type to treat `body` as: signature bytes first, then the declared type."""
    head = body[:1024]
    bom = _bom_charset(head)
    if bom is not None and bom != "utf-8":
        head = head.decode(bom, errors="ignore").encode("utf-8")
    elif bom == "utf-8":
        head = head[len(codecs.BOM_UTF8) :]
    if head.lstrip().startswith(b"%PDF-") or b"%PDF-" in head[:16]:
        return PDF
    if _HTML_START.match(head):
        return HTML
    if declared in ("application/xhtml+xml", HTML):
        return HTML
    if declared in (None, "application/octet-stream", "binary/octet-stream", "text/plain"):
        if b"<html" in head.lower():
            return HTML
        if declared == "text/plain" or _looks_like_text(head):
            return TEXT
        return declared or "application/octet-stream"
    return declared


def _looks_like_text(head: bytes) -> bool:
    if not head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return b"\x00" not in head and controls / len(head) < 0.01


_PROBE = b"probe \xe9\xff\x00\r\n"


def _known(charset: str | None) -> str | None:
    """`charset` if it names a usable text encoding, else None (the caller falls back to
    detection). Python's codec registry also holds transforms (rot13, base64, zlib) and
    codecs that refuse lenient decoding (idna, punycode, undefined): a page may name any of
    them, and none of them may stop an ingest."""
    if not charset:
        return None
    name = _ALIASES.get(charset.lower(), charset.lower())
    try:
        if not codecs.lookup(name)._is_text_encoding:
            return None
        _PROBE.decode(name, errors="replace")
    except (LookupError, UnicodeError, ValueError, TypeError):
        return None
    return name


def detect_charset(body: bytes, declared: str | None, *, html: bool) -> str:
    """BOM, then the header's charset, then `<meta charset>`, then UTF-8 if it decodes, else
    windows-1252 (which decodes any byte)."""
    bom = _bom_charset(body)
    if bom is not None:
        return bom
    header = _known(declared)
    if header is not None:
        return header
    if html:
        meta = _META_CHARSET.search(body[:4096])
        if meta is not None:
            found = _known(meta.group(1).decode("ascii", "ignore"))
            if found is not None:
                # A UTF-16 <meta> read as ASCII bytes is a contradiction: the bytes are 8-bit.
                return "utf-8" if found.startswith("utf-16") else found
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return FALLBACK_CHARSET
    return "utf-8"


def decode(body: bytes, charset: str) -> str:
    """`body` as text; a charset that fails on these bytes falls back to detection's last
    resort, which decodes any byte."""
    try:
        text = body.decode(charset, errors="replace")
    except (LookupError, UnicodeError, ValueError, TypeError):
        text = body.decode(FALLBACK_CHARSET, errors="replace")
    return text.removeprefix("\ufeff")
