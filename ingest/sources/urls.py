"""URL normalisation, slugs and stable ids for cited sources.

Two citations of one page should become one source, so URLs are compared after normalising
the parts that never change what a server returns: scheme/host case, default ports, fragments
(including Chrome's `#:~:text=` highlight links) and click-tracking query parameters.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import unquote_plus, urlsplit, urlunsplit

# Query parameters that only identify a click or campaign, never the resource itself.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "ref_src",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def normalise_url(url: str) -> str:
    """The comparable form of `url`; a string that is not an absolute URL is only trimmed.

    >>> normalise_url("HTTPS://Example.ORG:443/a?utm_source=x&id=2#:~:text=foo")
    'https://example.org/a?id=2'
    """
    raw = url.strip().strip("<>").strip()
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:  # e.g. a non-numeric port: keep it as printed, the fetch will say why
        return raw
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if not scheme or not host:
        return raw
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{host}"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    path = parts.path or ("/" if scheme in _DEFAULT_PORTS else "")
    # Filter the raw `name=value` pairs so the kept ones stay byte-for-byte as cited.
    query = "&".join(
        pair
        for pair in parts.query.split("&")
        if pair and not _is_tracking(unquote_plus(pair.split("=", 1)[0]))
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def slugify(text: str, max_length: int = 40) -> str:
    """ASCII, lowercase, dash-separated; "Protección infantil" → "proteccion-infantil"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def url_slug(url: str) -> str:
    """A readable slug from a URL's host (minus `www.`) and last path segment."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    host_words = host.rsplit(".", 1)[0] if "." in host else host
    segments = [s for s in parts.path.split("/") if s]
    last = re.sub(r"\.(html?|php|aspx?|pdf)$", "", segments[-1], flags=re.I) if segments else ""
    return slugify(f"{host_words} {last}") or "source"


def short_hash(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def normalise_title(title: str) -> str:
    """Titles compared loosely: case, accents kept, markdown emphasis and punctuation dropped."""
    text = unicodedata.normalize("NFC", title).casefold()
    text = re.sub(r"[*_“”\"'‘’«»]", "", text)
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())
