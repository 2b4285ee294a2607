"""Conference scale (issue 12): many briefs in one index.

Generates N briefs (default 60) with F footnotes (20) and S cited sources (15) each, as
Markdown/text files, and the sources as HTML pages in a mirror (`manifest.json`, the format
`brief-qa ingest --mirror` reads), so the real read → fetch-from-mirror → chunk → embed → index
path runs without a network. Neighbouring briefs share two sources, which must be indexed
once. With the packaged model it prints:

- ingest time of the whole conference (read, gather sources, chunk, embed, index);
- incremental add of one more brief into that index (only its chunks are embedded), against
  ingesting that brief alone into an empty index, measured in the same run;
- index size on disk;
- query p50/p95 of `Assistant.ask` on the conference index and on the one-brief index,
  against the floor: one `model.encode` of the query + one FAISS search;
- app memory: `app.py` serving the conference index against serving the one-brief index.

    python bench/bench_conference.py [--briefs 60] [--footnotes 20] [--sources 15] [--quick]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import httpx
import numpy as np
import psutil

from common import REPO, machine, p50_p95, table, time_each  # isort: skip
from bench_app import _wait_for_200, free_port, memory_mb  # isort: skip
from assistant import Assistant  # isort: skip
from index.embedder import SentenceTransformerEmbedder, load_embedder  # isort: skip
from index.writer import write_index  # isort: skip
from ingest.conference import EMPTY, add_briefs  # isort: skip
from ingest.sources.gather import FetchOptions  # isort: skip
from ingest.sources.mirror import FORMAT, MANIFEST, VERSION  # isort: skip

COMMITTEES = ["UNICEF", "DISEC", "UNHRC", "WHO", "UNEP", "ECOSOC", "SPECPOL", "UNESCO",
              "UNHCR", "UN Women", "Security Council", "Legal Committee"]
THEMES = ["water security", "refugee education", "cyber warfare", "maternal health",
          "ocean plastics", "child labour", "small arms", "press freedom", "food prices",
          "migrant workers", "vaccine access", "desertification", "space debris",
          "indigenous land rights", "urban flooding", "digital identity", "orphan care",
          "nuclear testing", "forest fires", "youth unemployment"]
NOUNS = ["programme", "treaty", "survey", "ministry", "coalition", "framework", "census",
         "tribunal", "fund", "registry", "mission", "network", "report", "strategy"]
VERBS = ["expanded", "reduced", "documented", "financed", "monitored", "delayed",
         "strengthened", "questioned", "replaced", "coordinated"]
PLACES = ["Kenya", "Peru", "Nepal", "Jordan", "Ghana", "Chile", "Vietnam", "Morocco",
          "Bolivia", "Senegal", "Mongolia", "Fiji", "Latvia", "Uruguay", "Malawi"]
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


class Conference(NamedTuple):
    briefs: Path  # folder of brief files
    extra: Path  # one more brief, for the incremental add
    mirror: Path  # folder with manifest.json and the source pages
    questions: list[str]


def _sentence(rng: random.Random, theme: str) -> str:
    return (f"In {rng.choice(PLACES)}, the {theme} {rng.choice(NOUNS)} "
            f"{rng.choice(VERBS)} {rng.randint(2, 95)}% of its {rng.choice(NOUNS)}s "
            f"between {rng.randint(1990, 2010)} and {rng.randint(2011, 2024)}.")


def _source_page(rng: random.Random, title: str, theme: str) -> str:
    paragraphs = "".join(
        "<p>" + " ".join(_sentence(rng, theme) for _ in range(6)) + "</p>" for _ in range(5)
    )
    head = f"<head><title>{title}</title></head>"
    return f"<html>{head}<body><h1>{title}</h1>{paragraphs}</body></html>"


def generate(root: Path, briefs: int, footnotes: int, sources: int, seed: int = 7) -> Conference:
    rng = random.Random(seed)
    folder, extra_folder, mirror = root / "briefs", root / "extra", root / "mirror"
    for each in (folder, extra_folder, mirror):
        each.mkdir(parents=True)
    entries: list[dict[str, str]] = []
    written: set[str] = set()
    questions: list[str] = []

    def source(key: str, theme: str) -> tuple[str, str]:
        url, title = f"https://sources.example.org/{key}", f"{theme.title()} {key} report"
        if url not in written:
            written.add(url)
            (mirror / f"{key}.html").write_text(_source_page(rng, title, theme), "utf-8")
            entries.append({"file": f"{key}.html", "url": url, "title": title,
                            "content_type": "text/html"})
        return url, title

    for number in range(briefs + 1):
        committee = COMMITTEES[number % len(COMMITTEES)]
        theme = THEMES[number % len(THEMES)] + ("" if number < len(THEMES) else f" {number}")
        cited = [
            # Sources 1–2 are shared with the neighbouring brief: fetched and indexed once.
            source(f"shared-{(number + k) // 2}-{k}", theme) if k < 2
            else source(f"b{number}-s{k}", theme)
            for k in range(sources)
        ]
        lines = [f"{committee}", "", f"Topic {'AB'[number % 2]}. Addressing {theme}", ""]
        notes = []
        for n in range(1, footnotes + 1):
            if n % 5 == 1:
                lines += [f"Section {n // 5 + 1}:", ""]
            text = " ".join(_sentence(rng, theme) for _ in range(3))
            lines += [text + str(n).translate(SUPERSCRIPT), ""]
            url, title = cited[(n - 1) % sources]
            page = f" p. {rng.randint(2, 40)}" if n > sources else ""
            notes.append(f"{str(n).translate(SUPERSCRIPT)} Author {n}. *{title}*. "
                         f"In: <{url}> (01/02/2025).{page}")
            if n % 4 == 0:
                place = text.split()[1].rstrip(",")
                questions.append(f"What did the {theme} programme achieve in {place}?")
        lines += [*[f"{note}\n" for note in notes], "References", ""]
        lines += [f"- *{title}*. In: <{url}>" for url, title in cited]
        target = extra_folder if number == briefs else folder
        (target / f"{committee.lower().replace(' ', '-')}-{number:02d}.md").write_text(
            "\n".join(lines) + "\n", "utf-8")
    (mirror / MANIFEST).write_text(json.dumps(
        {"format": FORMAT, "version": VERSION, "entries": entries}), "utf-8")
    return Conference(folder, extra_folder, mirror, questions)


def ingest(paths: list[Path], index_dir: Path, mirror: Path, embedder: SentenceTransformerEmbedder,
           base: Path | None = None) -> dict[str, float]:
    """Read + gather from the mirror + chunk + embed + index; the seconds and counts."""
    started = time.perf_counter()
    fetch = FetchOptions(offline=True, mirror=mirror, cache_dir=index_dir.parent / "cache")
    corpus = Assistant.open(base, embedder=embedder).index.corpus() if base else EMPTY
    added = add_briefs(corpus, paths, fetch=fetch)
    manifest = write_index(added.corpus, index_dir, embedder, progress=False)
    return {"seconds": time.perf_counter() - started, "chunks": manifest.chunk_count,
            "embedded": manifest.embedded_count, "documents": len(added.corpus.documents),
            "errors": len(added.corpus.errors)}


def disk_mb(index_dir: Path) -> float:
    target = index_dir.resolve()
    return sum(f.stat().st_size for f in target.rglob("*") if f.is_file()) / 2**20


class QueryTimes(NamedTuple):
    warm_s: float  # opening the index as the app does (`warm=True`: brief sentences embedded)
    percentiles: dict[str, tuple[float, float]]  # path → (p50 ms, p95 ms)


def query_times(index_dir: Path, embedder: SentenceTransformerEmbedder,
                questions: list[str]) -> QueryTimes:
    started = time.perf_counter()
    assistant = Assistant.open(index_dir, embedder=embedder, warm=True)
    warm_s = time.perf_counter() - started
    model, faiss_index = embedder.model, assistant.index.dense.index

    def floor(query: str) -> None:
        vector = model.encode([query], normalize_embeddings=True, convert_to_numpy=True)
        faiss_index.search(np.asarray(vector, dtype=np.float32), 10)

    for query in ("warm-up question one", "warm-up question two"):
        floor(query)
        assistant.ask(query)
    timings: dict[str, list[float]] = {"floor": [], "ask, first time": [], "ask, repeated": []}
    # Interleaved, so drifts in machine load hit every path alike. A first-time question also
    # embeds the sentences of source passages it shows (cached afterwards; the app's warm-up
    # embeds only the briefs' sentences).
    for path in ("ask, first time", "ask, repeated"):
        for query in questions:
            timings["floor"] += time_each(floor, [query], warmup=0)
            timings[path] += time_each(assistant.ask, [query], warmup=0)
    return QueryTimes(warm_s, {name: p50_p95(values) for name, values in timings.items()})


def app_memory(index_dir: Path, workdir: Path) -> float:
    """PSS (MB) of `app.py` and its model process serving `index_dir`, after two questions."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    with open(workdir / f"app-{port}.log", "w+b") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, str(REPO / "app.py"), "--index", str(index_dir), "--port", str(port),
             "--offline"], cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        try:
            with httpx.Client(timeout=60, trust_env=False) as client:
                _wait_for_200(client, base, proc, log, started)
            time.sleep(2)
            return memory_mb(psutil.Process(proc.pid))["pss_sum"]
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--briefs", type=int, default=60)
    parser.add_argument("--footnotes", type=int, default=20)
    parser.add_argument("--sources", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="10 briefs, no app memory")
    args = parser.parse_args()
    briefs = 10 if args.quick else args.briefs
    print(f"machine: {machine()}")
    embedder = load_embedder(None)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        conf = generate(root / "gen", briefs, args.footnotes, args.sources)
        whole = ingest([conf.briefs], root / "conference" / "index", conf.mirror, embedder)
        single = ingest([conf.extra], root / "single" / "index", conf.mirror, embedder)
        grown = ingest([conf.extra], root / "conference" / "index", conf.mirror, embedder,
                       base=root / "conference" / "index")
        print(f"\n{briefs} briefs × {args.footnotes} footnotes × {args.sources} sources: "
              f"{whole['documents']:.0f} documents, {whole['chunks']:.0f} chunks "
              f"({whole['errors']:.0f} ingest warnings)\n")
        print(table(["step", "seconds", "chunks in index", "chunks embedded", "ratio"], [
            [f"ingest {briefs} briefs", whole["seconds"], whole["chunks"], whole["embedded"], ""],
            ["ingest 1 brief alone (floor)", single["seconds"], single["chunks"],
             single["embedded"], "1.00×"],
            [f"add 1 brief to the {briefs}", grown["seconds"], grown["chunks"], grown["embedded"],
             f"{grown['seconds'] / single['seconds']:.2f}×"],
        ]))
        conference_q = query_times(root / "conference" / "index", embedder, conf.questions)
        single_q = query_times(root / "single" / "index", embedder, conf.questions)
        rows = []
        for label, result in (("conference", conference_q), ("one brief", single_q)):
            floor_p50 = result.percentiles["floor"][0]
            for path, (p50, p95) in result.percentiles.items():
                rows.append([label, path, len(conf.questions), p50, p95,
                             f"{p50 / floor_p50:.2f}×"])
        print(f"\nopening with warm-up: conference {conference_q.warm_s:.1f} s, "
              f"one brief {single_q.warm_s:.1f} s")
        print(table(["index", "path", "queries", "p50 ms", "p95 ms", "p50 / floor"], rows))
        sizes = [["conference", disk_mb(root / "conference" / "index")],
                 ["one brief", disk_mb(root / "single" / "index")]]
        if not args.quick:
            sizes[0].append(app_memory(root / "conference" / "index", root))
            sizes[1].append(app_memory(root / "single" / "index", root))
        headers = ["index", "on disk MB"] + ([] if args.quick else ["app PSS MB"])
        print("\n" + table(headers, sizes))


if __name__ == "__main__":
    main()
