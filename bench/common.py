"""Shared helpers for the benchmark scripts: timing, percentiles, memory, the shipped corpus.

The scripts print figures (markdown tables); they are not tests and assert nothing.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as `python bench/x.py` from anywhere
    sys.path.insert(0, str(REPO))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

CORPUS_DIR = REPO / "corpus"
BRIEF_TXT = REPO / "tests" / "data" / "unicef-topic-b-child-trafficking.txt"


def machine() -> str:
    """One line naming the machine the figures come from."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = psutil.virtual_memory().total / 2**30
    python = platform.python_version()
    return f"{cores} cores ({cpu}), {memory:.0f} GiB RAM, CPU only, Python {python}"


def time_calls(fn: Callable[[], Any], repeat: int, warmup: int = 3) -> list[float]:
    """Wall time of each call in milliseconds (after `warmup` untimed calls)."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def time_each(fn: Callable[[Any], Any], items: Sequence[Any], warmup: int = 3) -> list[float]:
    """Wall time in ms of `fn(item)` for each item (the first `warmup` items run untimed too)."""
    for item in items[:warmup]:
        fn(item)
    out = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - start) * 1000)
    return out


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def p50_p95(values: Sequence[float]) -> tuple[float, float]:
    return statistics.median(values), percentile(values, 95)


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A markdown table (what docs/benchmarks.md pastes)."""

    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
        return str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def shipped_corpus() -> Any:
    """The corpus the pipeline builds from `corpus/` (the brief; cited sources not fetched)."""
    from ingest.pipeline import build_corpus

    return build_corpus([CORPUS_DIR], fetch=None, progress=False, log=lambda _message: None)
