"""Every domain error brief-qa raises. The CLI and the app turn these into messages at the edge.

Each error names the file, URL or option it is about, and says what to do where that helps.
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


class IndexError_(BriefQAError):
    """Base for index problems (named with a trailing underscore to not shadow the builtin)."""


class IndexMissingError(IndexError_):
    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        super().__init__(
            f"no index at {self.path}: run `brief-qa ingest` first (or pass --index DIR)"
        )


class IndexCorruptError(IndexError_):
    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(
            f"index at {self.path} is unusable ({reason}): re-run `brief-qa ingest` to rebuild it"
        )


class IndexMismatchError(IndexError_):
    """The index was built with another model or format version."""

    def __init__(self, path: Path | str, field: str, found: object, expected: object) -> None:
        self.path = str(path)
        self.field = field
        if field == "format_version":
            message = (
                f"index at {self.path} is in format {found!r}; this brief-qa reads format "
                f"{expected!r}: re-run `brief-qa ingest` to rebuild it"
            )
        else:
            message = (
                f"index at {self.path} was built with {field}={found!r}, but {expected!r} was "
                f"asked for: re-run `brief-qa ingest` (with the same --model) to rebuild it"
            )
        super().__init__(message)


class IndexLocationError(IndexError_):
    """The index path holds something that is not a brief-qa index; it is never overwritten."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"cannot write an index at {self.path}: {reason}")


class ModelLoadError(BriefQAError):
    def __init__(self, model: str, reason: str) -> None:
        self.model = model
        super().__init__(f"cannot load embedding model {model!r}: {reason}")


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


class QueryError(BriefQAError):
    """A query or claim the assistant cannot use (e.g. a footnote number that does not exist)."""


class GoldFileError(BriefQAError):
    def __init__(self, path: Path | str, line: int, reason: str) -> None:
        self.path = str(path)
        self.line = line
        super().__init__(f"{self.path}:{line}: {reason}")
