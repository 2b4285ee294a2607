"""The index's errors: no index, a damaged one, one built otherwise, a model that cannot load,
and a query it cannot run (`QueryError`: an unknown brief, mode or document, text the model
cannot encode; the assistant raises it too for questions and claims it cannot use)."""

from __future__ import annotations

from pathlib import Path

from ingest.errors import BriefQAError


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


class QueryError(BriefQAError):
    """A query or claim the assistant cannot use (e.g. a footnote number that does not exist)."""
