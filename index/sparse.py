"""Sparse retrieval: BM25 via `bm25s`, with its `Tokenizer` (English stopwords, Snowball stemmer).

On disk (a directory): bm25s's own `save` — score arrays as `.npy` written and read with
`allow_pickle=False`, vocabulary and parameters as JSON — plus the tokenizer's vocabulary and
stopwords (JSON) and `tokenizer.json` (lower-casing, splitter, stemmer language), so a query is
tokenized exactly as the chunks were.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import Stemmer

from index.dense import _top_k
from ingest.records import Corpus

TOKENIZER_FILE = "tokenizer.json"
# bm25s's default splitter: words of two or more word characters.
SPLITTER = r"(?u)\b\w\w+\b"


@dataclass(frozen=True)
class BM25Params:
    """BM25 scoring and tokenization settings (recorded in the manifest).

    Defaults chosen by measurement on the gold questions (docs/benchmarks.md): weaker length
    normalisation (b=0.4) and earlier term saturation (k1=0.9) suit short passages of uneven
    length better than the textbook 1.2 / 0.75.
    """

    k1: float = 0.9
    b: float = 0.4
    method: str = "lucene"
    stopwords: str | None = "english"
    stemmer: str | None = "english"  # a PyStemmer language, or None
    # Index each chunk with its document's title in front (`indexed_text`): a passage cut from
    # the middle of a document otherwise loses the words its title gives it (BEIR SciFact,
    # train split: nDCG@10 0.675 → 0.691 for BM25 alone; docs/benchmarks.md).
    title: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BM25Params:
        names = ("k1", "b", "method", "stopwords", "stemmer", "title")
        values = {k: data[k] for k in names if k in data}
        values.setdefault("title", False)  # indexes written before the field had no titles
        return cls(**values)


def indexed_text(title: str, text: str) -> str:
    """What BM25 indexes for a chunk: its document's title, then its text.

    A chunk that already opens with the title (a document's first chunk) is left as it is, so
    the title's words are not counted twice there.
    """
    title = title.strip()
    if not title or text.startswith(title):
        return text
    return f"{title}\n\n{text}"


def sparse_texts(corpus: Corpus, params: BM25Params) -> list[str]:
    """The text BM25 indexes for each of `corpus`'s chunks, in chunk order."""
    if not params.title:
        return [chunk.text for chunk in corpus.chunks]
    titles = {document.id: document.title for document in corpus.documents}
    return [indexed_text(titles.get(c.document_id, ""), c.text) for c in corpus.chunks]


def _tokenizer(params: BM25Params) -> bm25s.tokenization.Tokenizer:
    stemmer = Stemmer.Stemmer(params.stemmer) if params.stemmer else None
    return bm25s.tokenization.Tokenizer(
        lower=True,
        splitter=SPLITTER,
        stopwords=params.stopwords or [],
        stemmer=stemmer,
    )


class SparseIndex:
    """A bm25s retriever and the tokenizer that fed it."""

    def __init__(
        self,
        retriever: bm25s.BM25,
        tokenizer: bm25s.tokenization.Tokenizer,
        params: BM25Params,
        size: int,
    ) -> None:
        self.retriever = retriever
        self.tokenizer = tokenizer
        self.params = params
        self.size = size
        self._stopwords = frozenset(tokenizer.stopwords or ())

    @classmethod
    def build(cls, texts: Sequence[str], params: BM25Params | None = None) -> SparseIndex:
        params = params or BM25Params()
        tokenizer = _tokenizer(params)
        retriever = bm25s.BM25(k1=params.k1, b=params.b, method=params.method)
        if texts:
            tokens = tokenizer.tokenize(list(texts), show_progress=False, return_as="tuple")
            retriever.index(tokens, show_progress=False)
        return cls(retriever, tokenizer, params, len(texts))

    def query_tokens(self, query: str) -> list[int]:
        """Token ids of `query` in the index vocabulary; unknown words and stopwords drop out.

        Same steps as the bm25s tokenizer (lower-case, split, drop stopwords, stem), but only
        looks the vocabulary up: bm25s's own query path either adds unseen words to it or, in
        its "never" mode, misses inflections of known stems ("protocols" → "protocol").
        """
        tok = self.tokenizer
        stopwords = self._stopwords
        ids: list[int] = []
        for word in tok.splitter(query.lower() if tok.lower else query):
            if word in stopwords:
                continue
            if tok.stemmer is not None:
                stem = tok.word_to_stem.get(word) or tok.stemmer(word)
                token_id = tok.stem_to_sid.get(stem)
            else:
                token_id = tok.word_to_id.get(word)
            if token_id is not None:
                ids.append(int(token_id))
        return ids

    def search(
        self, query: str, k: int, *, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-`k` rows with a positive BM25 score → `(rows, scores)`, best first.

        A query with no indexed words (empty, stopwords only, unseen terms) gives no results.
        """
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        if k <= 0 or self.size == 0:
            return empty
        ids = self.query_tokens(query)
        if not ids:
            return empty
        scores = np.asarray(self.retriever.get_scores(ids), dtype=np.float32)
        if allowed is not None:
            allowed = np.asarray(allowed, dtype=np.int64)
            masked = np.zeros_like(scores)
            masked[allowed] = scores[allowed]
            scores = masked
        top = _top_k(scores, k)
        top = top[scores[top] > 0]
        return top.astype(np.int64), scores[top]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if self.size:  # an empty bm25s retriever has no score arrays to save
            self.retriever.save(
                str(directory), corpus=None, allow_pickle=False, show_progress=False
            )
        self.tokenizer.save_vocab(str(directory))
        self.tokenizer.save_stopwords(str(directory))
        config = {"lower": True, "splitter": SPLITTER, "size": self.size, **self.params.to_dict()}
        (directory / TOKENIZER_FILE).write_text(json.dumps(config, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> SparseIndex:
        config = json.loads((directory / TOKENIZER_FILE).read_text(encoding="utf-8"))
        params = BM25Params.from_dict(config)
        tokenizer = _tokenizer(params)
        tokenizer.load_vocab(str(directory))
        tokenizer.load_stopwords(str(directory))
        size = int(config["size"])
        if size:
            retriever = bm25s.BM25.load(
                str(directory), mmap=False, allow_pickle=False, load_corpus=False,
                show_progress=False,
            )
        else:
            retriever = bm25s.BM25(k1=params.k1, b=params.b, method=params.method)
        return cls(retriever, tokenizer, params, size)
