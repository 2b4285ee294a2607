"""Abuse benchmark (issue 15): ordinary clients measured beside each attacker, and memory after
1,000 large requests.

Starts `python app.py` on the shipped brief's index (built with `--no-fetch` when missing) on a
free loopback port, with the real model, then:

1. **baseline**: `--clients` ordinary clients (default 8) ask new questions back to back
   (a gold question with a running number: every answer is computed) for `--duration` s,
   after 5 s of the same that are not reported (one-time costs); measured again after the
   attackers (the machine is shared), and each row's p95 is compared with the faster baseline;
2. the same beside each **attacker** (`--attackers` clients of each kind, default 2):
   * `surrogate`: questions holding a lone surrogate (`"Palermo \\ud800"`);
   * `history`: follow-ups whose history is `--history-items` × `--history-chars`
     (default 400 × 2,000 characters, ~800 KB: under the old 1 MB cap, over the API's 256 KB);
   * `history-cap`: the same with as many items as the API's body cap accepts (~125);
   * `huge-body`: bodies of `--huge-mb` MB (default 40), refused with 413;
   * `non-english`: long Spanish questions (2,000 characters, each new);
   * `long-english` (not run by default): the same questions in English, to tell what the
     language costs from what the length does;
3. **memory**: the app's memory (app + model processes, PSS and RSS) before and after
   `--large-requests` (default 1,000) distinct large requests (~`--large-kb` KB each; default:
   just under the API's body cap, `BRIEF_QA_MAX_BODY_KB`, which the app reads from the same
   environment).

For each phase: ordinary requests, errors, p50/p95, p95 ratio to the baseline, and the
attacker's outcomes. Targets: 0 ordinary errors, p95 ≤ 2× the baseline, memory ≤ 1.1×.
Prints markdown for docs/robustness.md; asserts nothing. Runs in about 5-6 minutes on 2 cores.

    python bench/bench_abuse.py [--index DIR] [--clients 8] [--attackers 2] [--duration 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench_app import ensure_index, free_port, memory_mb, questions  # isort: skip
from common import REPO, machine, p50_p95, table  # isort: skip

sys.path.insert(0, str(REPO))
from assistant.serve.body_limit import max_body_bytes  # isort: skip
from assistant.answer.multilingual import detect_language  # isort: skip

REQUEST_TIMEOUT_S = 60.0
SPANISH = ("¿Cuál es la proporción de niños entre las víctimas de la trata detectadas en {n} y "
           "qué medidas de protección recomiendan los Estados miembros? ")
ENGLISH = ("What share of the trafficking victims detected in {n} were children, and which "
           "protection measures do the member states recommend? ")
TARGET_P95_RATIO = 2.0
TARGET_MEMORY_RATIO = 1.1


def ask_body(query: str, history: list[str] | None = None) -> bytes:
    # ensure_ascii: a lone surrogate travels as the JSON escape "\ud800", as a client sends it.
    return json.dumps({"data": [query, 5, "hybrid", None, history or [], None]}).encode()


async def ask(client: httpx.AsyncClient, base: str, body: bytes) -> tuple[str, float]:
    """One /ask call: (outcome, seconds); outcome "complete", "error", "HTTP 413", ..."""
    started = time.perf_counter()
    try:
        event = await client.post(f"{base}gradio_api/call/ask", content=body,
                                  headers={"Content-Type": "application/json"})
        if event.status_code != 200:
            return f"HTTP {event.status_code}", time.perf_counter() - started
        event_id = event.json()["event_id"]
        async with client.stream("GET", f"{base}gradio_api/call/ask/{event_id}") as stream:
            async for line in stream.aiter_lines():
                if line.startswith("event:"):
                    kind = line.split(":", 1)[1].strip()
                    if kind in ("complete", "error"):
                        return kind, time.perf_counter() - started
        return "no result", time.perf_counter() - started
    except httpx.HTTPError as exc:
        return type(exc).__name__, time.perf_counter() - started


class Attacks:
    """The request bodies each attacker sends (`next(kind, n)`: its n-th)."""

    def __init__(self, args: argparse.Namespace) -> None:
        history_item = ("What share of detected victims were children? " * 60)[: args.history_chars]
        self.history = [history_item] * args.history_items
        # As many items as the API's cap takes, with room for the rest of the body.
        fits = (max_body_bytes() - 4096) // (len(json.dumps(history_item)) + 2)
        self.history_at_cap = [history_item] * fits
        self.huge = ask_body("Palermo " + "a" * int(args.huge_mb * 2**20))

    def body(self, kind: str, n: int) -> bytes:
        if kind == "surrogate":
            return ask_body(f"Palermo \ud800 protocol {n}")
        if kind == "history":
            return ask_body(f"and for boys in {n}?", self.history)
        if kind == "history-cap":
            return ask_body(f"and for boys in {n}?", self.history_at_cap)
        if kind == "huge-body":
            return self.huge
        if kind == "non-english":
            return ask_body((SPANISH.format(n=n) * 20)[:2000])
        if kind == "long-english":  # the same length in English: what is the language's share?
            return ask_body((ENGLISH.format(n=n) * 20)[:2000])
        raise ValueError(kind)


async def phase(
    base: str, args: argparse.Namespace, attack: str | None, attacks: Attacks, offset: int
) -> dict[str, Any]:
    """Ordinary clients (and attackers) for `args.duration` seconds."""
    hostile: Counter[str] = Counter()
    deadline = time.perf_counter() + args.duration
    pool = questions()
    # 8 of the 73 gold questions are Spanish or French: their times are also shown apart.
    english = {q: detect_language(q) in ("en", "und") for q in pool}
    ordinary: list[tuple[str, float, bool]] = []
    limits = httpx.Limits(max_connections=args.clients + args.attackers + 4)

    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, limits=limits,
                                 trust_env=False) as client:

        async def ordinary_client(number: int) -> None:
            rng = random.Random(args.seed + number + offset)
            n = 0
            while time.perf_counter() < deadline:
                n += 1
                asked = rng.choice(pool)
                query = f"{asked} {offset + number * 100_000 + n}"
                ordinary.append((*await ask(client, base, ask_body(query)), english[asked]))

        async def attacker(number: int) -> None:
            assert attack is not None
            n = 0
            while time.perf_counter() < deadline:
                n += 1
                body = attacks.body(attack, offset + number * 1000 + n)
                outcome, _ = await ask(client, base, body)
                hostile[outcome] += 1

        tasks = [ordinary_client(i) for i in range(args.clients)]
        if attack is not None:
            tasks += [attacker(i) for i in range(args.attackers)]
        await asyncio.gather(*tasks)
    times = [seconds for outcome, seconds, _ in ordinary if outcome == "complete"]
    errors = Counter(outcome for outcome, _, _ in ordinary if outcome != "complete")
    p50, p95 = p50_p95(times) if times else (float("nan"), float("nan"))
    by_language = [[seconds for outcome, seconds, en in ordinary
                    if outcome == "complete" and en == wanted] for wanted in (True, False)]
    p95_en, p95_other = (p50_p95(part)[1] if part else float("nan") for part in by_language)
    return {"attack": attack or "none (baseline)", "requests": len(ordinary),
            "errors": dict(errors), "p50": p50, "p95": p95, "attacker": dict(hostile),
            "p95_en": p95_en, "p95_other": p95_other}


async def large_requests(base: str, args: argparse.Namespace) -> Counter[str]:
    """`args.large_requests` distinct bodies of about `args.large_kb` KB, 8 at a time."""
    outcomes: Counter[str] = Counter()
    item = ("Which shelters take children rescued from trafficking? " * 40)[:2000]
    items = max(1, (args.large_kb * 1024) // (len(item) + 4))
    queue = list(range(args.large_requests))

    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, trust_env=False) as client:

        async def worker() -> None:
            while queue:
                n = queue.pop()
                history = [f"{n}-{i} {item}" for i in range(items)]
                outcome, _ = await ask(client, base, ask_body(f"and in region {n}?", history))
                outcomes[outcome] += 1

        await asyncio.gather(*(worker() for _ in range(8)))
    return outcomes


def start_app(index_dir: Path, log: Any) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1",
               HF_HUB_DISABLE_TELEMETRY="1", TRANSFORMERS_OFFLINE="1")
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "app.py"), "--index", str(index_dir), "--port", str(port)],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    started = time.perf_counter()
    with httpx.Client(timeout=REQUEST_TIMEOUT_S, trust_env=False) as client:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"app.py exited with {proc.returncode}")
            if time.perf_counter() - started > 180:
                raise SystemExit("app.py did not answer within 180 s")
            try:
                if client.get(base).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    # The first answer waits for the model; warm the multilingual child too.
    asyncio.run(_warm(base))
    return proc, base


async def _warm(base: str) -> None:
    async with httpx.AsyncClient(timeout=180, trust_env=False) as client:
        for query in ("What is the Palermo Protocol?", "¿Qué es el Protocolo de Palermo?"):
            outcome, _ = await ask(client, base, ask_body(query))
            if outcome != "complete":
                raise SystemExit(f"warm-up question ended with {outcome}")


def warm_args(args: argparse.Namespace) -> argparse.Namespace:
    """The ordinary clients alone for a few seconds, before anything is measured."""
    return argparse.Namespace(**{**vars(args), "duration": min(5.0, args.duration)})


def per_process_mb(process: psutil.Process) -> dict[str, tuple[float, float, float]]:
    """(RSS, PSS, USS) in MB of the app and of each model process, named by what it serves.
    USS (the pages no other process maps) is what the app itself holds; PSS also moves when
    other processes on the machine that map the same libraries (torch) start or exit."""
    found: dict[str, tuple[float, float, float]] = {}
    for each in [process, *process.children(recursive=True)]:
        try:
            command = each.cmdline()
            info = each.memory_full_info()
        except psutil.Error:
            continue
        name = "app"
        if "index.embed_process" in command:
            name = "multilingual models" if "multilingual" in " ".join(command) else "model"
        rss, pss, uss = found.get(name, (0.0, 0.0, 0.0))  # the multilingual model runs in two
        found[name] = (rss + info.rss / 2**20, pss + info.pss / 2**20, uss + info.uss / 2**20)
    return found


def uss(processes: dict[str, tuple[float, float, float]]) -> float:
    return sum(values[2] for values in processes.values())


def report(phases: list[dict[str, Any]], memory: dict[str, Any], args: argparse.Namespace) -> str:
    # The stricter of the two baselines (the faster one) is what each row is compared with.
    base_p95 = min(run["p95"] for run in phases if run["attack"].startswith("none"))
    rows = []
    for run in phases:
        ratio = run["p95"] / base_p95 if base_p95 else float("nan")
        errors = sum(run["errors"].values())
        attacker = ", ".join(f"{k} {v}" for k, v in sorted(run["attacker"].items())) or "—"
        rows.append([run["attack"], run["requests"],
                     f"{errors}" + (f" ({run['errors']})" if errors else ""),
                     f"{run['p50']:.3f}", f"{run['p95']:.3f}", f"{ratio:.2f}×",
                     f"{run['p95_en']:.3f} / {run['p95_other']:.3f}", attacker])
    lines = [
        f"Machine: {machine()}. {args.clients} ordinary clients (every question new) for "
        f"{args.duration:g} s per row; {args.attackers} attacker clients beside them.",
        "",
        table(["attacker", "ordinary requests", "ordinary errors", "p50 s", "p95 s",
               "p95 vs baseline", "p95 s English / es+fr", "attacker outcomes"], rows),
        "",
        f"Memory before/after {args.large_requests} distinct large requests "
        f"(~{args.large_kb} KB each; outcomes {dict(memory['outcomes'])}): PSS "
        f"{memory['before']['pss_sum']:.0f} → {memory['after']['pss_sum']:.0f} MB "
        f"({memory['after']['pss_sum'] / memory['before']['pss_sum']:.3f}×); RSS app "
        f"{memory['before']['app_rss']:.0f} → {memory['after']['app_rss']:.0f} MB, "
        f"sum {memory['before']['rss_sum']:.0f} → {memory['after']['rss_sum']:.0f} MB "
        f"({memory['after']['rss_sum'] / memory['before']['rss_sum']:.3f}×).",
        f"USS (private) {uss(memory['before_processes']):.0f} → "
        f"{uss(memory['after_processes']):.0f} MB "
        f"({uss(memory['after_processes']) / uss(memory['before_processes']):.3f}×).",
        "Per process, RSS / PSS / USS MB before → after: " + "; ".join(
            f"{name} {' / '.join(f'{x:.0f}' for x in before)} → "
            f"{' / '.join(f'{x:.0f}' for x in memory['after_processes'].get(name, (0, 0, 0)))}"
            for name, before in memory["before_processes"].items()) + ".",
        f"Targets: 0 ordinary errors; p95 ≤ {TARGET_P95_RATIO:g}× baseline; memory ≤ "
        f"{TARGET_MEMORY_RATIO:g}×. API body cap {max_body_bytes() // 1024} KB. Load average "
        f"at the start: {memory['load_start']}; at the end: "
        + " ".join(f"{x:.1f}" for x in os.getloadavg()),
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=None,
                        help="index of the shipped brief (default: built in a temp dir)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--attackers", type=int, default=2)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--history-items", type=int, default=400)
    parser.add_argument("--history-chars", type=int, default=2000)
    parser.add_argument("--huge-mb", type=float, default=40.0)
    parser.add_argument("--large-requests", type=int, default=1000)
    parser.add_argument("--large-kb", type=int, default=max_body_bytes() // 1024 - 8,
                        help="size of each large request (default: just under the API cap)")
    parser.add_argument("--attacks",
                        default="surrogate,history,history-cap,huge-body,non-english")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    load_start = " ".join(f"{x:.1f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="bench-abuse-") as tmp:
        index_dir = args.index or Path(tmp) / "index"
        ensure_index(index_dir)
        attacks = Attacks(args)
        with open(Path(tmp) / "app.log", "w+b") as log:
            proc, base = start_app(index_dir, log)
            try:
                process = psutil.Process(proc.pid)
                # Not reported: the first seconds of load pay one-time costs (measured: a
                # baseline p95 of 2.4 s against 0.6 s a minute later).
                asyncio.run(phase(base, warm_args(args), None, attacks, 90_000_000))
                phases = [asyncio.run(phase(base, args, None, attacks, 0))]
                kinds = list(filter(None, args.attacks.split(",")))
                for number, attack in enumerate(kinds, start=1):
                    phases.append(asyncio.run(phase(base, args, attack, attacks,
                                                    number * 10_000_000)))
                    print(f"{attack}: done", file=sys.stderr)
                if kinds:  # the machine is shared: the baseline again, after the attackers
                    again = asyncio.run(phase(base, args, None, attacks, 80_000_000))
                    again["attack"] = "none (baseline, again)"
                    phases.append(again)
                before, before_processes = memory_mb(process), per_process_mb(process)
                outcomes = asyncio.run(large_requests(base, args))
                time.sleep(1.0)
                after, after_processes = memory_mb(process), per_process_mb(process)
            finally:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    print(report(phases, {"before": before, "after": after, "outcomes": outcomes,
                          "before_processes": before_processes,
                          "after_processes": after_processes, "load_start": load_start}, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
