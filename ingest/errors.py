"""The base of every domain error brief-qa raises, and the errors of reading and fetching.

Each layer owns its errors (`index.errors`, `assistant.errors`); each names the file, URL or
option it is about, and says what to do where that helps. The CLI and the app turn them into
messages at the edge.
"""

from __future__ import annotations

from pathlib import Path


class BriefQAError(Exception):
    """Base class: anything a user can be shown as a one-line message."""


class DocumentError(BriefQAError):
    """A document could not be read. Names the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnsupportedFormatError(DocumentError):
    """No reader handles this file's extension."""








class FetchError(BriefQAError):
    """A cited source could not be fetched. Recorded on the source, never fatal to ingest."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


class UnsafeURLError(FetchError):
    """Scheme not http(s), or the host resolves to a private/loopback/link-local address."""


class MirrorError(BriefQAError):
    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        super().__init__(f"mirror {self.path}: {reason}")


class UnknownBriefError(BriefQAError):
    """A brief id that names no loaded brief (removing a brief from a corpus)."""
