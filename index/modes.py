"""The retrieval modes, defined once; importing this loads neither FAISS nor bm25s, so the
app's request validation can use it before the index is opened."""

from __future__ import annotations

from typing import Literal, get_args

SearchMode = Literal["hybrid", "dense", "bm25"]
SEARCH_MODES: tuple[str, ...] = get_args(SearchMode)
