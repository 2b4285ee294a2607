"""bm25s wrapper (index/sparse.py): tokenization, stopwords, stemming, save/load without pickle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index.sparse import BM25Params, SparseIndex

TEXTS = [
    "Children are trafficked for forced labour and domestic servitude.",
    "The Palermo Protocol was adopted in 2000 to prevent trafficking in persons.",
    "Girls represented 22% of detected victims, boys 16%.",
    "Rehabilitation programmes help victims recover from trauma.",
]


@pytest.fixture
def sparse() -> SparseIndex:
    return SparseIndex.build(TEXTS)


def test_finds_the_matching_passage(sparse: SparseIndex) -> None:
    rows, scores = sparse.search("Palermo protocol", 3)
    assert list(rows) == [1]  # only passages sharing a word are returned
    assert scores[0] > 0


def test_stemming_matches_inflected_forms(sparse: SparseIndex) -> None:
    assert list(sparse.search("protocols", 3)[0]) == [1]
    assert sparse.search("rehabilitating victim", 3)[0][0] == 3
    plain = SparseIndex.build(TEXTS, BM25Params(stemmer=None))
    assert plain.search("protocols", 3)[0].size == 0


@pytest.mark.parametrize("query", ["", "   ", "the and of to", "?!", "zzzzqx unseenword"])
def test_queries_without_indexed_words_return_nothing(sparse: SparseIndex, query: str) -> None:
    rows, scores = sparse.search(query, 5)
    assert rows.size == 0 and scores.size == 0


def test_queries_do_not_grow_the_vocabulary(sparse: SparseIndex) -> None:
    before = len(sparse.tokenizer.word_to_id)
    sparse.search("entirely novel vocabulary here", 5)
    assert sparse.query_tokens("entirely novel") == []
    assert len(sparse.tokenizer.stem_to_sid) <= before


def test_allowed_rows_filter(sparse: SparseIndex) -> None:
    rows, _ = sparse.search("victims", 5)
    assert set(rows) == {2, 3}
    rows, _ = sparse.search("victims", 5, allowed=np.array([0, 2]))
    assert list(rows) == [2]


def test_save_load_round_trip_without_pickle(tmp_path: Path, sparse: SparseIndex) -> None:
    sparse.save(tmp_path / "bm25")
    loaded = SparseIndex.load(tmp_path / "bm25")
    for query in ("palermo protocols", "victims trauma", "forced labour children", "the"):
        a, b = sparse.search(query, 4), loaded.search(query, 4)
        assert list(a[0]) == list(b[0])
        np.testing.assert_allclose(a[1], b[1])
    files = sorted(p.name for p in (tmp_path / "bm25").iterdir())
    assert "vocab.tokenizer.json" in files and "tokenizer.json" in files
    for path in (tmp_path / "bm25").iterdir():
        if path.suffix == ".npy":
            np.load(path, allow_pickle=False)  # raises if the array needed pickle
        else:
            assert path.suffix == ".json"
            json.loads(path.read_text(encoding="utf-8"))
    config = json.loads((tmp_path / "bm25" / "tokenizer.json").read_text())
    assert config["stemmer"] == "english" and config["size"] == len(TEXTS)


def test_params_are_saved(tmp_path: Path) -> None:
    params = BM25Params(k1=0.9, b=0.4, stopwords=None, stemmer=None)
    SparseIndex.build(TEXTS, params).save(tmp_path / "bm25")
    loaded = SparseIndex.load(tmp_path / "bm25")
    assert loaded.params == params
    assert loaded.search("the", 4)[0].size > 0  # no stopword list: "the" is searchable


def test_empty_index(tmp_path: Path) -> None:
    empty = SparseIndex.build([])
    assert empty.search("anything", 5)[0].size == 0
    empty.save(tmp_path / "bm25")
    assert SparseIndex.load(tmp_path / "bm25").search("anything", 5)[0].size == 0
