"""Retrieval evaluation on a dataset in BEIR layout: nDCG@10, recall@100, MRR@10 per mode.

Layout (as in the BEIR benchmark)::

    DIR/corpus.jsonl      {"_id": "d1", "title": "...", "text": "..."}
    DIR/queries.jsonl     {"_id": "q1", "text": "..."}
    DIR/qrels/test.tsv    query-id <TAB> corpus-id <TAB> score   (first line is this header)

Every corpus entry becomes a `Document` (kind "source") chunked by `ingest.chunking` — one
chunk unless it is longer than the chunker allows — and is indexed with the same
`index.writer.write_index` / `SearchIndex.search` the assistant uses. Chunk scores are
aggregated to documents by their maximum, so a document ranks where its best chunk ranks.

Metrics follow trec_eval, as BEIR does: relevance > 0 is relevant; nDCG uses the graded
relevance itself as the gain with a log2(rank + 1) discount, and the ideal ranking is built
from every judged document of the query; queries without a relevant document are skipped.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from assistant.errors import GoldFileError
from assistant.evaluation.gold import MODES, percentile
from index.embedder import Embedder
from index.errors import QueryError
from ingest.chunking import ChunkingOptions, chunk_blocks
from ingest.records import Block, Chunk, Corpus, Document

if TYPE_CHECKING:
    from index.store import FusionMethod, SearchMode

TOP_DOCUMENTS = 100  # depth of the document ranking (recall@100)
NDCG_AT = 10
MRR_AT = 10


@dataclass(frozen=True)
class BeirDocument:
    id: str
    title: str
    text: str


@dataclass(frozen=True)
class BeirDataset:
    name: str
    documents: tuple[BeirDocument, ...]
    queries: dict[str, str]  # query id → text, only queries that have judgments
    qrels: dict[str, dict[str, int]]  # query id → {document id: graded relevance}


# ------------------------------------------------------------------ loading


def load_beir(directory: Path, split: str = "test") -> BeirDataset:
    """Read a BEIR dataset; malformed lines raise `GoldFileError(path, line, reason)`."""
    corpus_path = directory / "corpus.jsonl"
    queries_path = directory / "queries.jsonl"
    qrels_path = directory / "qrels" / f"{split}.tsv"
    documents: list[BeirDocument] = []
    seen: set[str] = set()
    for number, row in _jsonl(corpus_path):
        doc_id = _string(row, "_id", corpus_path, number)
        if doc_id in seen:
            raise GoldFileError(corpus_path, number, f"duplicate document id {doc_id!r}")
        seen.add(doc_id)
        title = row.get("title") or ""
        text = row.get("text")
        if not isinstance(title, str) or not isinstance(text, str):
            raise GoldFileError(corpus_path, number, "'title' and 'text' must be strings")
        if not (title.strip() or text.strip()):
            raise GoldFileError(corpus_path, number, f"document {doc_id!r} has no text")
        documents.append(BeirDocument(doc_id, title.strip(), text.strip()))
    all_queries = {
        _string(row, "_id", queries_path, number): _string(row, "text", queries_path, number)
        for number, row in _jsonl(queries_path)
    }
    qrels = _read_qrels(qrels_path, all_queries, seen)
    return BeirDataset(
        name=directory.resolve().name,
        documents=tuple(documents),
        queries={q: all_queries[q] for q in qrels},
        qrels=qrels,
    )


def _jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise GoldFileError(path, 0, f"cannot read: {exc.strerror or exc}") from exc
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise GoldFileError(path, number, f"not valid JSON: {exc.msg}") from exc
            if not isinstance(row, dict):
                raise GoldFileError(path, number, "expected a JSON object")
            yield number, row


def _string(row: Mapping[str, Any], name: str, path: Path, number: int) -> str:
    value = row.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # some datasets write numeric ids
    if not isinstance(value, str) or not value.strip():
        raise GoldFileError(path, number, f"field {name!r} must be a non-empty string")
    return value


def _read_qrels(
    path: Path, queries: Mapping[str, str], documents: set[str]
) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise GoldFileError(path, 0, f"cannot read: {exc.strerror or exc}") from exc
    with handle:
        for number, row in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if not row or not "".join(row).strip():
                continue
            if number == 1 and row[0].strip().lower() in ("query-id", "query_id", "qid"):
                continue
            problem, judgment = _qrel(row, queries, documents)
            if judgment is None:
                raise GoldFileError(path, number, problem)
            query_id, doc_id, score = judgment
            qrels.setdefault(query_id, {})[doc_id] = score
    if not qrels:
        raise GoldFileError(path, 0, "no relevance judgments")
    return qrels


def _qrel(
    row: Sequence[str], queries: Mapping[str, str], documents: set[str]
) -> tuple[str, tuple[str, str, int] | None]:
    """`("", (query, document, score))` for a valid qrels row, else `(reason, None)`."""
    if len(row) != 3:
        return f"expected 3 tab-separated fields, got {len(row)}", None
    query_id, doc_id, score_text = (cell.strip() for cell in row)
    try:
        score = int(score_text)
    except ValueError:
        return f"score {score_text!r} is not an integer", None
    if query_id not in queries:
        return f"query {query_id!r} is not in queries.jsonl", None
    if doc_id not in documents:
        return f"document {doc_id!r} is not in corpus.jsonl", None
    return "", (query_id, doc_id, score)


# ------------------------------------------------------------------ corpus


def beir_corpus(dataset: BeirDataset, options: ChunkingOptions | None = None) -> Corpus:
    """Documents and chunks for the index; chunk ids keep the BEIR document id."""
    documents: list[Document] = []
    chunks: list[Chunk] = []
    texts: dict[str, str] = {}
    for doc in dataset.documents:
        # The title is a paragraph of its own so that it is embedded and BM25-indexed with the
        # text (as BEIR baselines do); a heading would only go into `section`.
        paragraphs = [doc.title] if doc.title else []
        paragraphs += [p.strip() for p in doc.text.split("\n\n") if p.strip()]
        blocks = [Block("paragraph", p) for p in paragraphs]
        chunked = chunk_blocks(doc.id, blocks, options)
        documents.append(
            Document(
                id=doc.id,
                title=doc.title or doc.id,
                kind="source",
                origin=f"{dataset.name}/corpus.jsonl#{doc.id}",
                sha256=hashlib.sha256(chunked.text.encode()).hexdigest(),
                page_count=0,
            )
        )
        chunks.extend(chunked.chunks)
        texts[doc.id] = chunked.text
    return Corpus(documents=tuple(documents), chunks=tuple(chunks), document_texts=texts)


# ------------------------------------------------------------------ metrics


def ndcg_at_k(ranking: Sequence[str], qrels: Mapping[str, int], k: int = NDCG_AT) -> float:
    """nDCG@k with graded gains (trec_eval): Σ rel_i / log2(i + 1) over the ideal's."""
    dcg = sum(
        max(qrels.get(doc, 0), 0) / math.log2(rank + 1)
        for rank, doc in enumerate(ranking[:k], start=1)
    )
    ideal = sorted((g for g in qrels.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal, start=1))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(ranking: Sequence[str], qrels: Mapping[str, int], k: int = TOP_DOCUMENTS) -> float:
    """Share of the relevant documents (relevance > 0) found in the top k."""
    relevant = {doc for doc, g in qrels.items() if g > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranking[:k])) / len(relevant)


def mrr_at_k(ranking: Sequence[str], qrels: Mapping[str, int], k: int = MRR_AT) -> float:
    """1 / rank of the first relevant document within the top k, else 0."""
    for rank, doc in enumerate(ranking[:k], start=1):
        if qrels.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


def documents_by_max(scored_chunks: Sequence[tuple[str, float]]) -> list[str]:
    """Document ids ranked by their best chunk; `scored_chunks` is (document id, score).

    Ties keep the order in which the chunks came (the retriever's order).
    """
    best: dict[str, float] = {}
    first: dict[str, int] = {}
    for position, (doc, score) in enumerate(scored_chunks):
        first.setdefault(doc, position)
        best[doc] = max(score, best.get(doc, -math.inf))
    return sorted(best, key=lambda d: (-best[d], first[d]))


# ------------------------------------------------------------------ running


@dataclass(frozen=True)
class ModeScores:
    mode: str
    queries: int
    ndcg_at_10: float
    recall_at_100: float
    mrr_at_10: float
    latency_p50_ms: float
    latency_p95_ms: float
    query_seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in vars(self).items()}


@dataclass(frozen=True)
class BeirReport:
    dataset: str
    documents: int
    chunks: int
    queries: int
    ingest_seconds: float  # BEIR records → chunks
    index_seconds: float  # embedding + dense + BM25 + write
    modes: tuple[ModeScores, ...]
    per_query: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def mode(self, name: str) -> ModeScores | None:
        return next((m for m in self.modes if m.mode == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "documents": self.documents,
            "chunks": self.chunks,
            "queries": self.queries,
            "ingest_seconds": round(self.ingest_seconds, 3),
            "index_seconds": round(self.index_seconds, 3),
            "modes": [m.to_dict() for m in self.modes],
            "per_query": self.per_query,
            "meta": self.meta,
        }


def run_beir(
    dataset: BeirDataset,
    embedder: Embedder,
    modes: Sequence[str] = MODES,
    *,
    index_dir: Path | None = None,
    chunking: ChunkingOptions | None = None,
    progress: Callable[[str], None] | None = None,
    fusion: FusionMethod = "rrf",
) -> BeirReport:
    """Index `dataset` (into `index_dir`, else a temporary directory) and score every mode."""
    from index.store import SearchIndex
    from index.writer import write_index

    modes = tuple(dict.fromkeys(modes))
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        raise QueryError(
            f"unknown retrieval mode(s) {', '.join(unknown) or '(none)'}: use {', '.join(MODES)}"
        )
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    corpus = beir_corpus(dataset, chunking)
    ingest_seconds = time.perf_counter() - started
    say(f"{len(corpus.documents)} documents → {len(corpus.chunks)} chunks")

    with tempfile.TemporaryDirectory(prefix="brief-qa-beir-") as scratch:
        target = index_dir if index_dir is not None else Path(scratch) / "index"
        started = time.perf_counter()
        # With a progress callback (the CLI), write_index shows its own embedding bar and
        # stage lines on stderr: embedding thousands of chunks takes minutes on a few cores.
        write_index(corpus, target, embedder, progress=progress is not None)
        index_seconds = time.perf_counter() - started
        say(f"indexed in {index_seconds:.1f} s")
        index = SearchIndex.open(target, embedder)
        owner = [chunk.document_id for chunk in index.chunks]
        # Enough chunks for TOP_DOCUMENTS documents when documents average several chunks.
        per_doc = math.ceil(len(index.chunks) / max(len(corpus.documents), 1))
        depth = min(len(index.chunks), TOP_DOCUMENTS * per_doc)
        scores: list[ModeScores] = []
        per_query: dict[str, dict[str, dict[str, float]]] = {}
        for mode in modes:
            latencies: list[float] = []
            ndcg, recall, mrr = [], [], []
            for query_id, text in dataset.queries.items():
                t0 = time.perf_counter()
                rows = index.search(text, depth, mode=cast("SearchMode", mode), fusion=fusion)
                latencies.append((time.perf_counter() - t0) * 1000.0)
                ranking = documents_by_max([(owner[row], score) for row, score in rows])
                judged = dataset.qrels[query_id]
                values = {
                    "ndcg@10": ndcg_at_k(ranking, judged),
                    "recall@100": recall_at_k(ranking, judged),
                    "mrr@10": mrr_at_k(ranking, judged),
                }
                per_query.setdefault(query_id, {})[mode] = values
                ndcg.append(values["ndcg@10"])
                recall.append(values["recall@100"])
                mrr.append(values["mrr@10"])
            n = len(latencies)
            scores.append(
                ModeScores(
                    mode=mode,
                    queries=n,
                    ndcg_at_10=sum(ndcg) / n if n else 0.0,
                    recall_at_100=sum(recall) / n if n else 0.0,
                    mrr_at_10=sum(mrr) / n if n else 0.0,
                    latency_p50_ms=percentile(latencies, 50),
                    latency_p95_ms=percentile(latencies, 95),
                    query_seconds=sum(latencies) / 1000.0,
                )
            )
            say(f"{mode}: nDCG@10 {scores[-1].ndcg_at_10:.3f}")
    return BeirReport(
        dataset=dataset.name,
        documents=len(corpus.documents),
        chunks=len(corpus.chunks),
        queries=len(dataset.queries),
        ingest_seconds=ingest_seconds,
        index_seconds=index_seconds,
        modes=tuple(scores),
        per_query=per_query,
        meta={"model": embedder.name, "depth_chunks": depth, "fusion": fusion},
    )


def format_beir_report(report: BeirReport) -> str:
    lines = [
        f"{report.dataset}: {report.documents} documents, {report.chunks} chunks, "
        f"{report.queries} queries; ingest {report.ingest_seconds:.2f} s, "
        f"index {report.index_seconds:.2f} s",
        f"{'mode':<8}{'nDCG@10':>9}{'R@100':>8}{'MRR@10':>8}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'total s':>9}",
    ]
    for m in report.modes:
        lines.append(
            f"{m.mode:<8}{m.ndcg_at_10:>9.3f}{m.recall_at_100:>8.3f}{m.mrr_at_10:>8.3f}"
            f"{m.latency_p50_ms:>9.1f}{m.latency_p95_ms:>9.1f}{m.query_seconds:>9.2f}"
        )
    return "\n".join(lines)
