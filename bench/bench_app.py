"""App benchmark: start-up time, resident memory, and a loopback load run of the `ask` endpoint.

1. Start-up: wall time from launching `python app.py --index DIR` to the first HTTP 200 on `/`
   (index already built; the model loads in the background), then the first answer (which
   waits for the model if it is not loaded yet).
2. Single client: 20 questions and the gold set's claims (`/check`), one at a time; memory
   after these.
3. Load: N concurrent clients (default 50), each with its own session, asking back to back
   for D seconds (default 60) on 127.0.0.1; request count, throughput, p50/p95/max latency,
   errors; memory after it. Bounded: every client stops at the deadline, every request times
   out after 30 s.

Three workloads (`--workload all`), each against a freshly started app with its default
settings: `repeated`, the gold set's questions (tests/data/gold.jsonl) shuffled per client
through the API, as delegates re-ask example questions (the app's answer cache serves
repeats); `unique`, every question new (a gold question with a running number appended), so
every answer is computed: the worst case; `chat`, what a browser tab does: the Ask tab's own
event with the chat so far, conversations of 10 gold questions (follow-ups use the history,
so most answers are computed), then "New conversation".

Memory is the app process plus its embedding-model child (`index.embed_process`):
RSS of each, and PSS (shared pages split between the processes that map them, so the sum
counts the libraries both map once). The load average before and after is printed: other work
on the machine skews the figures. Prints markdown for docs/benchmarks.md; asserts nothing.

    python bench/bench_app.py [--index DIR] [--clients 50] [--duration 60] [--workload all]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import psutil

from common import REPO, machine, p50_p95, percentile, table  # isort: skip

GOLD = REPO / "tests" / "data" / "gold.jsonl"
TARGET_START_S = 10.0
TARGET_RSS_MB = 800.0
TARGET_P95_S = 1.0
REQUEST_TIMEOUT_S = 30.0


def gold(kind: str) -> list[str]:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line]
    return [r["query"] for r in rows if r.get("kind") == kind]


def questions() -> list[str]:
    return gold("question")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_index(index_dir: Path) -> None:
    """Build the shipped brief's index (no source fetching) unless one is there already."""
    if (index_dir / "manifest.json").exists():
        return
    print(f"building the index at {index_dir} …", file=sys.stderr)
    subprocess.run(
        [sys.executable, "-m", "assistant.cli.main", "ingest", str(REPO / "corpus"),
         "--index", str(index_dir), "--no-fetch", "--quiet"],
        cwd=REPO, check=True,
    )


def ask_sync(client: httpx.Client, base: str, query: str) -> float:
    """One question through the REST API; seconds until the answer arrived."""
    return call_sync(client, base, "ask", [query, 5, "hybrid", None, []])


def call_sync(client: httpx.Client, base: str, endpoint: str, data: list[Any]) -> float:
    """One call of a named endpoint through the REST API; seconds until its result arrived."""
    started = time.perf_counter()
    event = client.post(f"{base}gradio_api/call/{endpoint}", json={"data": data})
    event.raise_for_status()
    event_id = event.json()["event_id"]
    with client.stream("GET", f"{base}gradio_api/call/{endpoint}/{event_id}") as stream:
        outcome = _read_outcome(stream.iter_lines())
    if outcome != "complete":
        raise RuntimeError(f"{endpoint} ended with {outcome!r}")
    return time.perf_counter() - started


def _read_outcome(lines: Any) -> str:
    for line in lines:
        if line.startswith("event:"):
            kind = line.split(":", 1)[1].strip()
            if kind in ("complete", "error"):
                return kind
    return "no result"


async def ask_async(client: httpx.AsyncClient, base: str, query: str, session: str) -> str:
    event = await client.post(f"{base}gradio_api/call/ask",
                              json={"data": [query, 5, "hybrid", None, []],
                                    "session_hash": session})
    if event.status_code != 200:
        return f"HTTP {event.status_code}"
    event_id = event.json()["event_id"]
    async with client.stream("GET", f"{base}gradio_api/call/ask/{event_id}") as stream:
        async for line in stream.aiter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
                if kind in ("complete", "error"):
                    return kind
    return "no result"


CHAT_TURNS = 10  # questions per conversation before "New conversation"


class ChatSession:
    """One browser tab's chat: the Ask tab's own event (`/gradio_api/queue/join`, then the
    session's event stream, as Gradio's JavaScript client does), sending the chat so far
    with each question; a new conversation every `CHAT_TURNS` questions."""

    def __init__(self, client: httpx.AsyncClient, base: str, session: str,
                 events: dict[str, tuple[int, int | None]]) -> None:
        self.client, self.base, self.session, self.events = client, base, session, events
        self.chat: list[Any] = []
        self.turns = 0

    async def ask(self, query: str) -> str:
        if self.turns == CHAT_TURNS:
            await self._run("ui_new_chat", [])
            self.chat, self.turns = [], 0
        outcome, output = await self._run("ui_ask", [query, self.chat, None, "all", 5])
        if outcome == "complete":
            self.chat = output[0]
            self.turns += 1
        return outcome

    async def _run(self, name: str, data: list[Any]) -> tuple[str, Any]:
        fn_index, trigger = self.events[name]
        joined = await self.client.post(
            f"{self.base}gradio_api/queue/join",
            json={"data": data, "event_data": None, "fn_index": fn_index,
                  "trigger_id": trigger, "session_hash": self.session},
        )
        if joined.status_code != 200:
            return f"HTTP {joined.status_code}", None
        event_id = joined.json()["event_id"]
        async with self.client.stream("GET", f"{self.base}gradio_api/queue/data",
                                      params={"session_hash": self.session}) as stream:
            async for line in stream.aiter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed" and \
                        message.get("event_id") == event_id:
                    if not message.get("success"):
                        return "error", None
                    return "complete", message["output"]["data"]
        return "no result", None


def ui_events(base: str) -> dict[str, tuple[int, int | None]]:
    """The UI's private events by name: (fn_index, trigger id), from the app's config."""
    config = httpx.get(f"{base}config", timeout=REQUEST_TIMEOUT_S, trust_env=False).json()
    return {d["api_name"]: (d["id"], d["targets"][0][0] if d["targets"] else None)
            for d in config["dependencies"] if d.get("api_name")}


async def load_run(
    base: str, clients: int, duration: float, seed: int, *, workload: str = "repeated"
) -> dict[str, Any]:
    """`clients` concurrent askers for `duration` s, through the API (`repeated`: gold
    questions; `unique`: each with a running number appended, so no cache of the app's can
    answer it) or through the chat UI's own event (`chat`: conversations of gold questions)."""
    unique = workload == "unique"
    events = ui_events(base) if workload == "chat" else {}
    pool = questions()
    deadline = time.perf_counter() + duration
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=clients * 2, max_keepalive_connections=clients * 2)
    timeout = httpx.Timeout(REQUEST_TIMEOUT_S)

    async def client_loop(number: int) -> None:
        rng = random.Random(seed + number)
        # One session per client, as a browser tab or a gradio_client.Client has.
        session = f"bench-{seed}-{number}"
        asked = 0
        async with httpx.AsyncClient(limits=limits, timeout=timeout, trust_env=False) as client:
            chat = ChatSession(client, base, session, events) if events else None
            while time.perf_counter() < deadline:
                query = rng.choice(pool)
                if unique:
                    asked += 1
                    query = f"{query} ({session} #{asked})"
                started = time.perf_counter()
                try:
                    outcome = await asyncio.wait_for(
                        chat.ask(query) if chat else ask_async(client, base, query, session),
                        REQUEST_TIMEOUT_S,
                    )
                except (httpx.HTTPError, TimeoutError) as exc:
                    outcome = type(exc).__name__
                if outcome == "complete":
                    latencies.append(time.perf_counter() - started)
                else:
                    errors[outcome] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client_loop(i) for i in range(clients)))
    elapsed = time.perf_counter() - started
    p50, p95 = p50_p95(latencies) if latencies else (float("nan"), float("nan"))
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "answered": len(latencies),
        "errors": dict(errors),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_s": round(p50, 3),
        "p95_s": round(p95, 3),
        "p99_s": round(percentile(latencies, 99), 3) if latencies else None,
        "max_s": round(max(latencies), 3) if latencies else None,
    }


def memory_mb(process: psutil.Process) -> dict[str, float]:
    """The app's memory: RSS of the app and of its children (the embedding-model process),
    their sum, and the sum of their PSS (shared pages counted once across the processes)."""
    processes = [process, *process.children(recursive=True)]
    rss: list[float] = []
    pss = 0.0
    for each in processes:
        with contextlib.suppress(psutil.Error):
            info = each.memory_full_info()
            rss.append(info.rss / 2**20)
            pss += info.pss / 2**20
    return {"app_rss": round(rss[0], 1), "children_rss": round(sum(rss[1:]), 1),
            "rss_sum": round(sum(rss), 1), "pss_sum": round(pss, 1)}


def peak_rss_mb(process: psutil.Process) -> float | None:
    """Sum of the processes' high-water marks (VmHWM): an upper bound of the peak."""
    total = 0.0
    for each in [process, *process.children(recursive=True)]:
        try:
            for line in Path(f"/proc/{each.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            return None
    return round(total, 1)


def serve_and_measure(
    index_dir: Path, workdir: Path, args: argparse.Namespace, workload: str
) -> dict[str, Any]:
    """Launch `python app.py`, time its start, ask, measure memory, run the load; stop it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1",
               HF_HUB_DISABLE_TELEMETRY="1", TRANSFORMERS_OFFLINE="1")
    if args.concurrency:
        env["BRIEF_QA_CONCURRENCY"] = str(args.concurrency)
    results: dict[str, Any] = {"workload": workload, "load_average_before": _loadavg()}
    with open(workdir / f"app-{workload}.log", "w+b") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, str(REPO / "app.py"), "--index", str(index_dir), "--port", str(port)],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            with httpx.Client(timeout=REQUEST_TIMEOUT_S, trust_env=False) as client:
                _wait_for_200(client, base, proc, log, started)
                results["start_to_http_200_s"] = round(time.perf_counter() - started, 2)
                first = ask_sync(client, base, "What share of trafficking victims are children?")
                results["first_answer_s"] = round(first, 2)
                results["start_to_first_answer_s"] = round(time.perf_counter() - started, 2)
                single = [ask_sync(client, base, q) for q in questions()[:20]]
                results["single_client_p50_s"] = round(p50_p95(single)[0], 3)
                results["single_client_p95_s"] = round(p50_p95(single)[1], 3)
                checks = [call_sync(client, base, "check", [claim]) for claim in gold("claim")]
                results["check_p50_s"] = round(p50_p95(checks)[0], 3)
                results["check_p95_s"] = round(p50_p95(checks)[1], 3)
            process = psutil.Process(proc.pid)
            results["memory_after_queries_mb"] = memory_mb(process)
            if args.clients > 0 and args.duration > 0:
                results["load"] = asyncio.run(
                    load_run(base, args.clients, args.duration, args.seed, workload=workload)
                )
                results["memory_after_load_mb"] = memory_mb(process)
            results["peak_rss_mb"] = peak_rss_mb(process)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    results["load_average_after"] = _loadavg()
    return results


def _loadavg() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _wait_for_200(
    client: httpx.Client, base: str, proc: subprocess.Popen[bytes], log: Any, started: float
) -> None:
    while True:
        if proc.poll() is not None:
            log.seek(0)
            raise SystemExit(f"app.py exited with {proc.returncode}:\n"
                             + log.read().decode(errors="replace")[-3000:])
        if time.perf_counter() - started > 120:
            raise SystemExit("app.py did not answer HTTP 200 within 120 s")
        try:
            if client.get(base).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)


def _memory(memory: dict[str, float]) -> str:
    return (f"PSS {memory['pss_sum']:.0f} MB (RSS: app {memory['app_rss']:.0f} + model process "
            f"{memory['children_rss']:.0f} = {memory['rss_sum']:.0f} MB)")


def report(run: dict[str, Any]) -> str:
    rows: list[list[Any]] = [
        ["`python app.py` → first HTTP 200", f"{run['start_to_http_200_s']} s",
         f"≤ {TARGET_START_S:.0f} s"],
        ["→ first answer (model loaded)", f"{run['start_to_first_answer_s']} s", ""],
        ["single client, p50 / p95", f"{run['single_client_p50_s']} / "
         f"{run['single_client_p95_s']} s", ""],
        [f"claim check, single client, p50 / p95 ({len(gold('claim'))} claims)",
         f"{run['check_p50_s']} / {run['check_p95_s']} s", "≤ 1 s"],
        ["memory after these questions and claims", _memory(run["memory_after_queries_mb"]),
         f"≤ {TARGET_RSS_MB:.0f} MB"],
    ]
    load = run.get("load")
    if load:
        errors = sum(load["errors"].values())
        peak = run.get("peak_rss_mb")
        rows += [
            [f"load: {load['clients']} clients × {load['seconds']} s",
             f"{load['answered']} answers, {load['per_second']}/s", ""],
            ["load: p50 / p95 / max", f"{load['p50_s']} / {load['p95_s']} / {load['max_s']} s",
             f"p95 ≤ {TARGET_P95_S:.0f} s"],
            ["load: errors", f"{errors} {load['errors']}" if errors else "0", "0"],
            ["memory after load", _memory(run["memory_after_load_mb"]), ""],
            ["peak RSS (sum of VmHWM)", f"{peak:.0f} MB" if peak else "?", ""],
        ]
    rows.append(["load average before → after", f"{run['load_average_before']} → "
                 f"{run['load_average_after']}", ""])
    titles = {"repeated": "API, gold questions repeated (the answer cache serves repeats)",
              "unique": "API, every question new (every answer computed)",
              "chat": f"Chat UI event, conversations of {CHAT_TURNS} gold questions"}
    title = titles[run["workload"]]
    return f"{title}:\n\n" + table(["measure", "result", "target"], rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=None,
                        help="index to serve (default: build the shipped brief's in a temp dir)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="load run seconds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=None,
                        help="BRIEF_QA_CONCURRENCY for the app (default: the app's own)")
    parser.add_argument(
        "--workload", choices=["repeated", "unique", "chat", "all"], default="all",
        help="API: gold questions re-asked, or every question new; chat: conversations "
        "through the Ask tab's own event; all: each (one app start each)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-app-") as tmp:
        index_dir = args.index or Path(tmp) / "index"
        ensure_index(index_dir)
        workloads = ["repeated", "unique", "chat"] if args.workload == "all" else [args.workload]
        runs = [serve_and_measure(index_dir, Path(tmp), args, w) for w in workloads]
    results = {"machine": machine(), "runs": runs}
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nMachine: {results['machine']}\n")
    print("\n\n".join(report(run) for run in runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
