"""Query latency of `Assistant.ask` on the shipped corpus, against the floor measured in the
same run (floor = one `model.encode` of the query + one FAISS search).

The index is built from the pipeline's corpus (`corpus/`, sources not fetched) into a temporary
directory with the packaged model. Questions: the English gold questions when
`tests/data/gold.jsonl` exists, else a built-in list. Target: hybrid p50 ≤ 1.5× floor p50.
"retrieval" is `SearchIndex.search` + citations; "ask" is the full answer (highlights, direct
answer, follow-up and lookup handling from `assistant.answer.engine` included).

    python bench/bench_query.py [--quick] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from common import REPO, machine, p50_p95, shipped_corpus, table, time_each  # isort: skip
from assistant import Assistant  # isort: skip
from index.embedder import SentenceTransformerEmbedder, load_embedder  # isort: skip
from index.writer import write_index  # isort: skip

FALLBACK_QUESTIONS = [
    "What does child trafficking involve?",
    "Which factors increase the risk of trafficking?",
    "What share of detected victims were children in 2022?",
    "When was the Palermo Protocol created?",
    "What do rehabilitation programmes provide?",
    "How do criminal networks use digital technologies?",
    "Why is international cooperation insufficient?",
    "What is a social safety net?",
]


def questions() -> list[str]:
    gold = REPO / "tests" / "data" / "gold.jsonl"
    if not gold.exists():
        return FALLBACK_QUESTIONS
    items = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line]
    found = [i["query"] for i in items if i.get("kind") == "question" and not i.get("lang")]
    return found or FALLBACK_QUESTIONS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one round over the questions")
    parser.add_argument("--rounds", type=int, default=None, help="passes over the questions")
    args = parser.parse_args()
    rounds = args.rounds or (1 if args.quick else 5)

    print(f"machine: {machine()}")
    embedder = load_embedder(None)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    corpus = shipped_corpus()
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        write_index(corpus, index_dir, embedder, progress=False)
        assistant = Assistant.open(index_dir, embedder=embedder)
        model, faiss_index = embedder.model, assistant.index.dense.index
        qs = questions() * rounds
        print(f"{len(corpus.chunks)} chunks, {len(qs)} queries ({rounds} rounds), "
              f"dense index {assistant.index.manifest.dense_kind}\n")

        def floor(query: str) -> None:
            vector = model.encode([query], normalize_embeddings=True, convert_to_numpy=True)
            faiss_index.search(np.asarray(vector, dtype=np.float32), 10)

        def retrieve(query: str) -> None:
            assistant.hits(assistant.index.search(query, 5))

        timings: dict[str, list[float]] = {
            "floor": [], "retrieval (hybrid)": [], "ask, first time (hybrid)": [],
            "ask (hybrid)": [], "ask (dense)": [], "ask (bm25)": [],
        }
        for query in qs[:5]:  # model warm-up
            floor(query)
            retrieve(query)
        # First pass: `ask` also embeds the sentences of passages it has not seen before
        # (highlights, direct answer; cached afterwards), so a new question costs more.
        for query in questions():
            timings["ask, first time (hybrid)"] += time_each(assistant.ask, [query], warmup=0)
        # Interleaved so that drifts (other load on the machine) hit every path alike.
        for query in qs:
            timings["floor"] += time_each(floor, [query], warmup=0)
            timings["retrieval (hybrid)"] += time_each(retrieve, [query], warmup=0)
            for mode in ("hybrid", "dense", "bm25"):
                timings[f"ask ({mode})"] += time_each(
                    lambda q, m=mode: assistant.ask(q, 5, mode=m), [query], warmup=0  # type: ignore[misc]
                )
    floor_p50, _ = p50_p95(timings["floor"])
    rows = []
    for name, values in timings.items():
        p50, p95 = p50_p95(values)
        rows.append([name, len(values), p50, p95, f"{p50 / floor_p50:.2f}×"])
    print(table(["path", "queries", "p50 ms", "p95 ms", "p50 / floor p50"], rows))


if __name__ == "__main__":
    main()
