"""Cited sources: collect them from the brief, fetch (cache, mirror, safety), extract text.

`collect_sources(footnotes, references)` → `gather_sources(sources, FetchOptions(...))` →
`GatheredSource(source, document, parsed)` for the pipeline to chunk.
"""

from ingest.sources.collect import collect_sources
from ingest.sources.fetch import Fetcher, FetchResult, HttpFetcher
from ingest.sources.gather import FetchOptions, GatheredSource, gather_sources
from ingest.sources.mirror import Mirror, write_mirror_zip
from ingest.sources.urls import normalise_url

__all__ = [
    "FetchOptions",
    "FetchResult",
    "Fetcher",
    "GatheredSource",
    "HttpFetcher",
    "Mirror",
    "collect_sources",
    "gather_sources",
    "normalise_url",
    "write_mirror_zip",
]
