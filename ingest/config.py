"""Where brief-qa keeps its index: one definition for the CLI, the app and the API."""

from __future__ import annotations

import os
from pathlib import Path

INDEX_ENV = "BRIEF_QA_INDEX"
DEFAULT_INDEX_DIR = Path(".brief-qa/index")


def default_index_dir() -> Path:
    return Path(os.environ.get(INDEX_ENV, DEFAULT_INDEX_DIR))
