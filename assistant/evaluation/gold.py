"""Gold-set evaluation: retrieval, citation, verdict and lookup accuracy, latency.

A gold file (read by `assistant.evaluation.goldfile`) is JSON lines, one item each::

    {"id": "q01", "kind": "question", "query": "...", "gold": ["verbatim snippet", ...],
     "footnotes": [5], "page": "42", "lang": "es"}
    {"id": "c01", "kind": "claim", "query": "...", "gold": [...], "verdict": "supported"}
    {"id": "l01", "kind": "lookup", "query": "what is footnote 5?", "footnotes": [5], "page": "42"}

A hit *matches* an item when any of its gold snippets occurs in the hit's text after
normalisation (Unicode NFKC, case folding, typographic quotes/dashes folded, whitespace
collapsed). `evaluate()` is pure over its `assistant` argument, so tests can pass a fake.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, get_args

import numpy as np

from assistant.evaluation.goldfile import GoldItem, GoldKind
from assistant.records import Answer, Hit, Verdict
from index.errors import QueryError
from ingest.errors import BriefQAError

MODES: tuple[str, ...] = ("bm25", "dense", "hybrid")
# Claims and lookups do not depend on the retrieval mode the caller picks (check() and the
# lookup router choose their own), so they are run once and reported under this mode.
FIXED_MODE = "hybrid"



class EvalTarget(Protocol):
    """What `evaluate` needs of an assistant (`assistant.Assistant` satisfies it)."""

    def ask(self, query: str, k: int = 5, *, mode: Any = "hybrid") -> Answer: ...

    def check(self, claim: str) -> Verdict: ...


# ------------------------------------------------------------------ matching

_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201f": '"', "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u00ad": None,  # soft hyphen: invisible, must not break a match
    }
)


def normalise(text: str) -> str:
    """Text as compared for matching: NFKC, case-folded, quotes/dashes folded, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_FOLD).casefold()
    return re.sub(r"\s+", " ", text).strip()


def matches(text: str, snippets: Iterable[str]) -> bool:
    """True when any snippet occurs in `text` (both normalised)."""
    haystack = normalise(text)
    return any(normalise(s) in haystack for s in snippets)


def first_match(hits: Sequence[Hit], snippets: Sequence[str], k: int) -> Hit | None:
    """The best-ranked hit among the first `k` whose text holds a gold snippet."""
    for hit in sorted(hits, key=lambda h: h.rank)[:k]:
        if matches(hit.chunk.text, snippets):
            return hit
    return None


def citations_ok(hit: Hit, footnotes: Sequence[int], page: str | None) -> bool:
    """Every expected footnote is cited by `hit`; with `page`, one of them cites that page."""
    cited = {c.number: c for c in hit.citations if c.number is not None}
    if not all(n in cited for n in footnotes):
        return False
    return page is None or any(_same_page(cited[n].page, page) for n in footnotes)


def _same_page(found: str | None, expected: str) -> bool:
    return found is not None and normalise(found).removeprefix("p.").strip() == normalise(expected)


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class ItemResult:
    """The outcome of one gold item in one mode."""

    id: str
    kind: GoldKind
    group: str
    mode: str
    latency_ms: float
    rank: int | None = None  # rank of the first matching hit within k (None: no match)
    citation_ok: bool | None = None  # None: nothing to check (no footnotes, or no match)
    answer_ok: bool | None = None  # questions: the direct answer quotes a gold snippet
    verdict: str | None = None
    verdict_ok: bool | None = None
    lookup_ok: bool | None = None
    error: str | None = None
    detail: str = ""  # why it failed, for the failure list

    @property
    def ok(self) -> bool:
        """Whether the item fully passed (the failure list shows those that did not)."""
        if self.error is not None:
            return False
        if self.kind == "lookup":
            return bool(self.lookup_ok)
        if self.kind == "claim":
            return bool(self.verdict_ok)
        return self.rank is not None and self.citation_ok is not False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "group": self.group,
            "mode": self.mode,
            "ok": self.ok,
            "rank": self.rank,
            "citation_ok": self.citation_ok,
            "answer_ok": self.answer_ok,
            "verdict": self.verdict,
            "verdict_ok": self.verdict_ok,
            "lookup_ok": self.lookup_ok,
            "latency_ms": round(self.latency_ms, 3),
            "error": self.error,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class GroupMetrics:
    """Aggregates of one (group, mode). A metric is None when no item of the group has it."""

    group: str
    mode: str
    n: int
    hit_at_1: float | None = None
    hit_at_k: float | None = None
    mrr: float | None = None
    citation_accuracy: float | None = None
    citation_n: int = 0  # items the citation accuracy is over (matched, with footnotes)
    # Share of questions whose direct answer (the sentence shown first) holds a gold snippet;
    # not part of an item's pass/fail: a different sentence may answer as well.
    direct_answer: float | None = None
    verdict_accuracy: float | None = None
    lookup_accuracy: float | None = None
    latency_p50_ms: float = 0.0
    latency_p95_ms: float = 0.0
    errors: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            out[name] = round(value, 4) if isinstance(value, float) else value
        return out


@dataclass(frozen=True)
class EvalReport:
    k: int
    modes: tuple[str, ...]
    groups: tuple[GroupMetrics, ...]
    results: tuple[ItemResult, ...]
    meta: dict[str, Any] = field(default_factory=dict)  # gold path, index, model, machine...

    def group(self, group: str, mode: str) -> GroupMetrics | None:
        return next((g for g in self.groups if g.group == group and g.mode == mode), None)

    def failures(self) -> tuple[ItemResult, ...]:
        return tuple(r for r in self.results if not r.ok)

    def to_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "modes": list(self.modes),
            "meta": self.meta,
            "groups": [g.to_dict() for g in self.groups],
            "results": [r.to_dict() for r in self.results],
        }


# ------------------------------------------------------------------ evaluation


def evaluate(
    assistant: EvalTarget,
    items: Sequence[GoldItem],
    modes: Sequence[str] = MODES,
    k: int = 5,
    *,
    on_result: Callable[[ItemResult], None] | None = None,
) -> EvalReport:
    """Run every gold item: questions in each of `modes`, claims and lookups once (hybrid).

    An item whose call raises a `BriefQAError` counts as a miss with the error recorded; other
    exceptions are bugs and propagate.
    """
    modes = tuple(dict.fromkeys(modes))
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        raise QueryError(
            f"unknown retrieval mode(s) {', '.join(unknown) or '(none)'}: use {', '.join(MODES)}"
        )
    if k < 1:
        raise QueryError(f"k must be at least 1, got {k}")
    results: list[ItemResult] = []
    for item in items:
        item_modes = modes if item.kind == "question" else (FIXED_MODE,)
        for mode in item_modes:
            result = _run_item(assistant, item, mode, k)
            results.append(result)
            if on_result is not None:
                on_result(result)
    groups = _aggregate(results, items, modes)
    return EvalReport(k=k, modes=modes, groups=groups, results=tuple(results))


def _run_item(assistant: EvalTarget, item: GoldItem, mode: str, k: int) -> ItemResult:
    base: dict[str, Any] = {"id": item.id, "kind": item.kind, "group": item.group, "mode": mode}
    started = time.perf_counter()
    try:
        if item.kind == "claim":
            verdict = assistant.check(item.query)
            latency = _ms(started)
            return _score_claim(item, verdict, k, latency, base)
        answer = assistant.ask(item.query, k, mode=mode)
        latency = _ms(started)
    except BriefQAError as exc:
        return ItemResult(**base, latency_ms=_ms(started), error=str(exc), detail=str(exc))
    if item.kind == "lookup":
        return _score_lookup(item, answer, latency, base)
    return _score_question(item, answer, k, latency, base)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


def _score_question(
    item: GoldItem, answer: Answer, k: int, latency: float, base: dict[str, Any]
) -> ItemResult:
    base = {**base, "answer_ok": matches(answer.direct_answer or "", item.gold)}
    hit = first_match(answer.hits, item.gold, k)
    if hit is None:
        top = answer.hits[0].chunk.text[:80] if answer.hits else "(no hits)"
        detail = f"no gold passage in top {k}; #1: {top!r}"
        return ItemResult(**base, latency_ms=latency, detail=detail)
    if not item.footnotes:
        return ItemResult(**base, latency_ms=latency, rank=hit.rank)
    ok = citations_ok(hit, item.footnotes, item.page)
    detail = "" if ok else f"expected {_expected(item)}, hit #{hit.rank} cites {_cited(hit)}"
    return ItemResult(**base, latency_ms=latency, rank=hit.rank, citation_ok=ok, detail=detail)


def _score_claim(
    item: GoldItem, verdict: Verdict, k: int, latency: float, base: dict[str, Any]
) -> ItemResult:
    ok = verdict.verdict == item.verdict
    # Evidence retrieval is scored like a question when the claim names its passage.
    hit = first_match(verdict.evidence, item.gold, k) if item.gold else None
    rank = hit.rank if hit is not None else None
    citation = citations_ok(hit, item.footnotes, item.page) if hit and item.footnotes else None
    detail = "" if ok else f"expected {item.verdict}, got {verdict.verdict}: {verdict.reason}"
    return ItemResult(
        **base,
        latency_ms=latency,
        rank=rank,
        citation_ok=citation,
        verdict=verdict.verdict,
        verdict_ok=ok,
        detail=detail,
    )


def _score_lookup(
    item: GoldItem, answer: Answer, latency: float, base: dict[str, Any]
) -> ItemResult:
    """A lookup passes when the top hit cites the expected footnote (and page, when given)."""
    top = min(answer.hits, key=lambda h: h.rank) if answer.hits else None
    ok = top is not None and citations_ok(top, item.footnotes, item.page)
    detail = ""
    if not ok:
        detail = f"expected {_expected(item)}, " + (
            f"top hit cites {_cited(top)}" if top is not None else "no hits"
        )
    return ItemResult(**base, latency_ms=latency, lookup_ok=ok, detail=detail)


def _expected(item: GoldItem) -> str:
    notes = ", ".join(f"fn {n}" for n in item.footnotes)
    return f"{notes} p. {item.page}" if item.page else notes


def _cited(hit: Hit) -> str:
    parts = [
        f"fn {c.number}" + (f" p. {c.page}" if c.page else "")
        for c in hit.citations
        if c.number is not None
    ]
    return ", ".join(parts) or "no footnote"


# ------------------------------------------------------------------ aggregation


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default); 0.0 for no values."""
    return float(np.percentile(np.asarray(values, dtype=float), q)) if values else 0.0


def _mean(flags: Sequence[bool | float]) -> float | None:
    return float(sum(flags)) / len(flags) if flags else None


def _aggregate(
    results: Sequence[ItemResult], items: Sequence[GoldItem], modes: Sequence[str]
) -> tuple[GroupMetrics, ...]:
    by_id = {item.id: item for item in items}
    order: list[tuple[str, str]] = []
    for r in results:
        if (r.group, r.mode) not in order:
            order.append((r.group, r.mode))
    order.sort(key=lambda gm: (_group_order(gm[0]), modes.index(gm[1]) if gm[1] in modes else 99))
    groups: list[GroupMetrics] = []
    for group, mode in order:
        rows = [r for r in results if r.group == group and r.mode == mode]
        retrieval = [r for r in rows if by_id[r.id].gold]
        cited = [r for r in rows if r.citation_ok is not None]
        answered = [r for r in rows if r.answer_ok is not None]
        claims = [r for r in rows if r.kind == "claim"]
        lookups = [r for r in rows if r.kind == "lookup"]
        latencies = [r.latency_ms for r in rows]
        groups.append(
            GroupMetrics(
                group=group,
                mode=mode,
                n=len(rows),
                hit_at_1=_mean([r.rank == 1 for r in retrieval]),
                hit_at_k=_mean([r.rank is not None for r in retrieval]),
                mrr=_mean([1.0 / r.rank if r.rank else 0.0 for r in retrieval]),
                citation_accuracy=_mean([bool(r.citation_ok) for r in cited]),
                citation_n=len(cited),
                direct_answer=_mean([bool(r.answer_ok) for r in answered]),
                verdict_accuracy=_mean([bool(r.verdict_ok) for r in claims]),
                lookup_accuracy=_mean([bool(r.lookup_ok) for r in lookups]),
                latency_p50_ms=percentile(latencies, 50),
                latency_p95_ms=percentile(latencies, 95),
                errors=sum(r.error is not None for r in rows),
            )
        )
    return tuple(groups)



def _group_order(group: str) -> tuple[int, str]:
    kind, _, lang = group.partition("/")
    kinds = get_args(GoldKind)
    return (kinds.index(kind) if kind in kinds else len(kinds), lang)


# ------------------------------------------------------------------ text report


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def format_report(report: EvalReport, *, failures: bool = True) -> str:
    """A fixed-width table per (group, mode), then the failing items."""
    header = (
        f"{'group':<14}{'mode':<8}{'n':>4}  {'hit@1':>6}{f'hit@{report.k}':>7}{'MRR':>7}"
        f"{'cite':>7}{'answer':>7}{'verdict':>8}{'lookup':>7}{'p50 ms':>9}{'p95 ms':>9}"
    )
    lines = [header, "-" * len(header)]
    for g in report.groups:
        lines.append(
            f"{g.group:<14}{g.mode:<8}{g.n:>4}  {_fmt(g.hit_at_1):>6}{_fmt(g.hit_at_k):>7}"
            f"{_fmt(g.mrr):>7}{_fmt(g.citation_accuracy):>7}{_fmt(g.direct_answer):>7}"
            f"{_fmt(g.verdict_accuracy):>8}"
            f"{_fmt(g.lookup_accuracy):>7}{g.latency_p50_ms:>9.1f}{g.latency_p95_ms:>9.1f}"
        )
    if failures:
        failed = report.failures()
        lines.append("")
        lines.append(f"{len(failed)} failing item-mode(s)" + (":" if failed else ""))
        for r in failed:
            lines.append(f"  {r.id:<5} {r.mode:<7} {r.detail}")
    return "\n".join(lines)
