"""`Assistant`: questions in, real passages with their citations out.

Kept small on purpose: retrieval lives in `index.store.SearchIndex`, citations in
`assistant.answer.citations`; other features (check, cite, highlights...) add their own methods.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from assistant.answer.citations import citations_for
from assistant.records import Answer, CitationLookup, Hit, Verdict
from assistant.serve.requests import MAX_QUERY_CHARS, cut_question
from index.embedder import Embedder
from index.fusion import Ranked
from index.modes import SearchMode
from index.store import SearchIndex
from ingest.config import default_index_dir
from ingest.records import Chunk, Document

if TYPE_CHECKING:
    from assistant.answer.engine import AnswerEngine



def clean_query(query: str) -> tuple[str, str | None]:
    """`(query to search, notice)`: whitespace collapsed, overlong queries truncated."""
    text = " ".join(query.split())
    if not text:
        return "", "empty question"
    if len(text) > MAX_QUERY_CHARS:
        notice = f"query truncated to {MAX_QUERY_CHARS:,} characters (was {len(text):,})"
        return cut_question(text), notice
    return text, None


class Assistant:
    """Answers questions from an index; `index` is public for other features to build on."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        self._engine: AnswerEngine | None = None
        self._engine_lock = threading.Lock()

    @property
    def engine(self) -> AnswerEngine:
        """Highlights, direct answers, trail, lookups, claim checks (`assistant.answer.engine`)."""
        with self._engine_lock:
            if self._engine is None:
                from assistant.answer.engine import AnswerEngine

                self._engine = AnswerEngine(self.index, self.hit)
            return self._engine

    @classmethod
    def open(
        cls,
        index_dir: str | Path | None = None,
        *,
        embedder: Embedder | None = None,
        warm: bool = False,
        model_process: bool = False,
    ) -> Assistant:
        """Open the index at `index_dir` (default `$BRIEF_QA_INDEX` or `.brief-qa/index`).

        `warm=True` (for serving) also builds the answer engine and embeds the brief's
        sentences now (`AnswerEngine.warm`), so no first question or claim pays for them;
        one-shot commands leave it off and embed only the passages they show.
        `model_process=True` (for servers): the model runs in a child process, where the
        server's other threads cannot slow it down (`index.embed_process`).
        """
        path = Path(index_dir) if index_dir is not None else default_index_dir()
        assistant = cls(SearchIndex.open(path, embedder=embedder, model_process=model_process))
        if warm:
            assistant.engine.warm()
        return assistant

    def ask(
        self,
        query: str,
        k: int = 5,
        *,
        mode: SearchMode = "hybrid",
        only: str | None = None,
        fusion: Literal["rrf", "convex"] = "rrf",
        history: Sequence[str] = (),
        brief: str | None = None,
    ) -> Answer:
        """The `k` best passages for `query`, each with its citations.

        `only` limits the search to "brief", "sources" or one document id (`QueryError` lists
        the valid ones); `brief` (a brief's document id) to that brief and the sources it
        cites. An empty question gives no hits and `notice="empty question"`.
        `history`: the user's earlier questions (oldest first); an elliptical follow-up ("and
        for boys?") is read against them. "footnote 5", "[5]" and "source of the 60% figure"
        are answered by the citation lookup.
        """
        # Validates `only` and `brief` even for an empty question.
        allowed = self.index.select(only, brief)
        text, notice = clean_query(query)
        if not text or k <= 0:
            return Answer(query=query, hits=(), notice=notice)
        engine = self.engine
        resolved = engine.resolve(text, history)
        if resolved != text:
            notice = f"read as: {resolved}" if notice is None else f"{notice}; read as: {resolved}"
        routed = engine.lookup_answer(query, resolved, k, brief=brief, allowed=allowed)
        if routed is not None:
            return routed
        ranked, language_notice = engine.search(
            resolved, k, mode=mode, fusion=fusion, allowed=allowed
        )
        if language_notice is not None:
            notice = language_notice if notice is None else f"{notice}; {language_notice}"
        if not ranked and mode == "bm25" and not self.index.sparse.query_tokens(resolved):
            notice = notice or "no searchable words for BM25 (only stopwords or unknown words)"
        return engine.enrich(Answer(query=query, hits=self.hits(ranked), notice=notice), resolved)

    def check(self, claim: str, k: int = 5, *, brief: str | None = None) -> Verdict:
        """Is `claim` supported, contradicted or not found? Evidence: the `k` best passages
        (of `brief` and its sources only, when given).

        Raises `QueryError` for an empty claim, one over 1,000 characters, one made only
        of figures (see `assistant.claims.verdict`), or an unknown `brief`.
        """
        allowed = self.index.select(None, brief)
        return self.engine.check(claim, k=k, candidates=max(15, 3 * k), allowed=allowed)

    def cite(self, number: int, *, brief: str | None = None) -> tuple[CitationLookup, ...]:
        """Footnote `number` of each loaded brief that has one (of `brief` only, when given):
        text, reference, URL, page, citing passages, source passages.

        Raises `QueryError` naming the footnotes there are when no brief has footnote `number`.
        """
        return self.engine.cite(number, brief)

    @property
    def briefs(self) -> tuple[Document, ...]:
        """The loaded briefs, in ingest order."""
        return self.index.briefs

    def hits(self, ranked: list[Ranked]) -> tuple[Hit, ...]:
        """`Hit` records (with citations) for `(row, score)` pairs from `SearchIndex.search`."""
        return tuple(
            self.hit(self.index.chunks[row], score, rank)
            for rank, (row, score) in enumerate(ranked, start=1)
        )

    def hit(self, chunk: Chunk, score: float, rank: int) -> Hit:
        """A `Hit` for one chunk, with its citations from provenance."""
        return Hit(
            rank=rank,
            score=score,
            chunk=chunk,
            document=self.index.document(chunk.document_id),
            citations=citations_for(chunk, self.index),
        )
