"""`Assistant`: questions in, real passages with their citations out.

Kept small on purpose: retrieval lives in `index.store.SearchIndex`, citations in
`assistant.citations`; other features (check, cite, highlights...) add their own methods.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from assistant.citations import citations_for
from assistant.records import Answer, Hit
from index.embedder import Embedder
from index.store import SearchIndex

# Longer questions are cut here: nobody types more, the model reads only ~256 tokens anyway,
# and a pasted 100 KB document would otherwise cost seconds of tokenizing for nothing.
MAX_QUERY_CHARS = 2_000
DEFAULT_INDEX_DIR = ".brief-qa/index"


def default_index_dir() -> Path:
    return Path(os.environ.get("BRIEF_QA_INDEX", DEFAULT_INDEX_DIR))


def clean_query(query: str) -> tuple[str, str | None]:
    """`(query to search, notice)`: whitespace collapsed, overlong queries truncated."""
    text = " ".join(query.split())
    if not text:
        return "", "empty question"
    if len(text) > MAX_QUERY_CHARS:
        cut = text[:MAX_QUERY_CHARS]
        # Cut at a word boundary when there is one reasonably close.
        space = cut.rfind(" ")
        cut = cut[:space] if space > MAX_QUERY_CHARS * 0.8 else cut
        return cut, f"query truncated to {MAX_QUERY_CHARS:,} characters (was {len(text):,})"
    return text, None


class Assistant:
    """Answers questions from an index; `index` is public for other features to build on."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index

    @classmethod
    def open(
        cls, index_dir: str | Path | None = None, *, embedder: Embedder | None = None
    ) -> Assistant:
        """Open the index at `index_dir` (default `$BRIEF_QA_INDEX` or `.brief-qa/index`)."""
        path = Path(index_dir) if index_dir is not None else default_index_dir()
        return cls(SearchIndex.open(path, embedder=embedder))

    def ask(
        self,
        query: str,
        k: int = 5,
        *,
        mode: Literal["hybrid", "dense", "bm25"] = "hybrid",
        only: str | None = None,
        fusion: Literal["rrf", "convex"] = "rrf",
    ) -> Answer:
        """The `k` best passages for `query`, each with its citations.

        `only` limits the search to "brief", "sources" or one document id (`QueryError` lists
        the valid ones). An empty question gives no hits and `notice="empty question"`.
        """
        allowed = self.index.select(only)  # validates `only` even for an empty question
        text, notice = clean_query(query)
        if not text or k <= 0:
            return Answer(query=query, hits=(), notice=notice)
        ranked = self.index.search(text, k, mode=mode, fusion=fusion, allowed=allowed)
        if not ranked and mode == "bm25" and not self.index.sparse.query_tokens(text):
            notice = notice or "no searchable words for BM25 (only stopwords or unknown words)"
        return Answer(query=query, hits=self.hits(ranked), notice=notice)

    def hits(self, ranked: list[tuple[int, float]]) -> tuple[Hit, ...]:
        """`Hit` records (with citations) for `(row, score)` pairs from `SearchIndex.search`."""
        out = []
        for rank, (row, score) in enumerate(ranked, start=1):
            chunk = self.index.chunks[row]
            out.append(
                Hit(
                    rank=rank,
                    score=score,
                    chunk=chunk,
                    document=self.index.document(chunk.document_id),
                    citations=citations_for(chunk, self.index),
                )
            )
        return tuple(out)
