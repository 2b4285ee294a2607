"""The assistant's errors: a question, claim or gold file it cannot use."""

from __future__ import annotations

from pathlib import Path

from ingest.errors import BriefQAError


class QueryError(BriefQAError):
    """A query or claim the assistant cannot use (e.g. a footnote number that does not exist)."""


class GoldFileError(BriefQAError):
    def __init__(self, path: Path | str, line: int, reason: str) -> None:
        self.path = str(path)
        self.line = line
        super().__init__(f"{self.path}:{line}: {reason}")
