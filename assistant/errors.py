"""The assistant's errors: a gold file it cannot use. (A question or claim it cannot use is
an `index.errors.QueryError`: the index runs the query.)"""

from __future__ import annotations

from pathlib import Path

from ingest.errors import BriefQAError


class GoldFileError(BriefQAError):
    def __init__(self, path: Path | str, line: int, reason: str) -> None:
        self.path = str(path)
        self.line = line
        super().__init__(f"{self.path}:{line}: {reason}")
