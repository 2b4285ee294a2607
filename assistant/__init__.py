"""brief-qa's answering side. `from assistant import Assistant` is the entry point.

`Assistant` is imported lazily so that `import assistant.records` (used by ingest-side code and
tests) does not pull in FAISS and bm25s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.assistant import Assistant

__all__ = ["Assistant"]


def __getattr__(name: str) -> Any:
    if name == "Assistant":
        from assistant.assistant import Assistant

        return Assistant
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
