"""The app's named API endpoints (`/ask`, `/check`, `/cite`) through `gradio_client`.

The app runs in this process on a free loopback port: on the synthetic index with
`FakeEmbedder` (fast), and on the shipped brief with the real packaged model (`model`).
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from app_server import (
    BRIEF_TITLE,
    FOOTNOTES,
    REPO,
    REPORT_URL,
    build_synthetic_index,
    free_port,
    real_brief_index,
    serve,
    serving,
)
from gradio_client import Client
from gradio_client.exceptions import AppError

import app

pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")


def connect(url: str) -> Client:
    # analytics off: the client would otherwise report usage to a remote server.
    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    from conftest import FakeEmbedder

    index_dir = build_synthetic_index(tmp_path_factory.mktemp("client") / "index",
                                      FakeEmbedder())
    with serve(index_dir, FakeEmbedder()) as url:
        yield connect(url)


def assert_json(data: Any) -> None:
    assert isinstance(data, dict)
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


def test_only_the_three_named_endpoints_are_public(client: Client) -> None:
    info = client.view_api(print_info=False, return_format="dict")
    assert isinstance(info, dict)
    assert set(info["named_endpoints"]) == {"/ask", "/check", "/cite"}
    assert info["unnamed_endpoints"] == {}
    params = [p["parameter_name"] for p in info["named_endpoints"]["/ask"]["parameters"]]
    assert params == ["query", "k", "mode", "only", "history", "brief"]


def test_ask(client: Client) -> None:
    answer = client.predict(
        query="What share of detected victims were children in 2022?", k=3, api_name="/ask"
    )
    assert_json(answer)
    assert len(answer["hits"]) == 3
    top = answer["hits"][0]
    assert top["text"].startswith("In 2022, children accounted for 38%")
    assert top["citations"] == [
        {"number": 2, "text": FOOTNOTES[1].text, "url": REPORT_URL, "page": "42",
         "brief": {"id": "brief", "title": BRIEF_TITLE}}
    ]
    assert top["document"]["kind"] == "brief" and top["pages"] == "2"


def test_ask_with_filter_mode_and_history(client: Client) -> None:
    answer = client.predict(
        query="And girls?", k=5, mode="bm25", only="brief",
        history=["What share of detected victims were children in 2022?"], api_name="/ask",
    )
    assert_json(answer)
    assert answer["hits"]
    assert {h["document"]["id"] for h in answer["hits"]} == {"brief"}


def test_ask_errors_come_back_as_messages(client: Client) -> None:
    with pytest.raises(AppError, match="unknown document 'nope'"):
        client.predict(query="children", only="nope", api_name="/ask")
    with pytest.raises(AppError, match="unknown mode"):
        client.predict(query="children", mode="magic", api_name="/ask")


def test_check(client: Client) -> None:
    supported = client.predict(
        claim="In 2022, children accounted for 38% of detected victims of trafficking.",
        api_name="/check",
    )
    assert_json(supported)
    assert supported["verdict"] == "supported", supported["reason"]
    assert supported["evidence"][0]["citations"][0]["number"] == 2
    contradicted = client.predict(
        claim="In 2022, children accounted for 75% of detected victims of trafficking.",
        api_name="/check",
    )
    assert contradicted["verdict"] == "contradicted", contradicted["reason"]


def test_cite(client: Client) -> None:
    result = client.predict(number=2, api_name="/cite")
    assert_json(result)
    assert result["number"] == 2 and result["brief"] is None
    (lookup,) = result["lookups"]
    assert lookup["brief"] == {"id": "brief", "title": BRIEF_TITLE}
    assert lookup["number"] == 2 and lookup["text"] == FOOTNOTES[1].text
    assert lookup["pages"] == ["42"]
    assert any("38%" in h["text"] for h in lookup["brief_passages"])
    assert any("38 per cent" in h["text"] for h in lookup["source_passages"])
    with pytest.raises(AppError):
        client.predict(number=99, api_name="/cite")


def test_api_calls_do_not_pile_up_sessions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every API call is a Gradio session holding a copy of the UI config (and, for deep
    links, the call's inputs and outputs): they are capped, and since issue 15 an API call's
    session is dropped as it finishes (`assistant.serve.api_sessions`,
    tests/test_api_sessions.py)."""
    from conftest import FakeEmbedder

    monkeypatch.setattr(app, "SESSION_CAPACITY", 5)
    index_dir = build_synthetic_index(tmp_path / "index", FakeEmbedder())
    with serving(index_dir, FakeEmbedder()) as (demo, url), httpx.Client(
        trust_env=False, timeout=30
    ) as http:
        for i in range(12):  # plain REST calls: each one is a new session
            posted = http.post(f"{url}gradio_api/call/ask",
                               json={"data": [f"children {i}", 1, "hybrid", None, [], None]})
            result = http.get(f"{url}gradio_api/call/ask/{posted.json()['event_id']}")
            assert "event: complete" in result.text
        assert len(demo.state_holder.session_data) <= 5


# ------------------------------------------------------------------ the real model


@pytest.fixture(scope="module")
def brief_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    index_dir, embedder = real_brief_index(tmp_path_factory.mktemp("brief"))
    with serve(Path(index_dir), embedder) as url:
        yield connect(url)


@pytest.mark.model
def test_real_model_end_to_end_on_the_shipped_brief(brief_client: Client) -> None:
    answer = brief_client.predict(
        query="What share of detected trafficking victims were children in 2022?",
        api_name="/ask",
    )
    assert_json(answer)
    cited = [h for h in answer["hits"] if "38%" in h["text"]]
    assert cited, [h["text"][:80] for h in answer["hits"]]
    numbers = {c["number"] for c in cited[0]["citations"]}
    assert 5 in numbers
    assert answer["direct_answer"] is None or isinstance(answer["direct_answer"], str)

    verdict = brief_client.predict(
        claim="Children account for 38% of detected trafficking victims.", api_name="/check"
    )
    assert verdict["verdict"] == "supported", verdict["reason"]
    wrong = brief_client.predict(
        claim="Children account for 75% of detected trafficking victims.", api_name="/check"
    )
    assert wrong["verdict"] == "contradicted", wrong["reason"]

    (lookup,) = brief_client.predict(number=5, api_name="/cite")["lookups"]
    assert lookup["number"] == 5 and "Global Report on Trafficking in Persons 2024" in (
        lookup["text"]
    )
    assert lookup["pages"] == ["42"]
    assert any("38%" in h["text"] for h in lookup["brief_passages"])


@pytest.mark.model
@pytest.mark.slow
def test_python_app_py_serves_on_loopback_only(tmp_path_factory: pytest.TempPathFactory) -> None:
    index_dir, _ = real_brief_index(tmp_path_factory.mktemp("brief"))
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--index", str(index_dir), "--port", str(port)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/", trust_env=False).status_code
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert status == 200
        info = httpx.get(f"http://127.0.0.1:{port}/gradio_api/info", trust_env=False).json()
        assert set(info["named_endpoints"]) == {"/ask", "/check", "/cite"}
        # Listening on loopback only unless --host says otherwise (checked without sending).
        listening = [
            c.laddr for c in psutil.Process(proc.pid).net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN
        ]
        assert listening and {a.ip for a in listening} == {"127.0.0.1"}, listening
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.model
@pytest.mark.slow
def test_first_run_ingests_the_corpus_without_fetching(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(REPO / "tests" / "data" / "unicef-topic-b-child-trafficking.txt", corpus)
    index_dir = tmp_path / "index"
    # The ingest runs in a child process: the app process never loads the model for it.
    code = (
        "import sys, app\n"
        f"status = app.ensure_index(app.Path({str(index_dir)!r}), app.Path({str(corpus)!r}),"
        " ['--no-fetch'])\n"
        "print(status, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=300, check=True)
    assert out.stdout.splitlines()[-1].split() == ["0", "False"], out.stderr[-2000:]
    assert (index_dir / "manifest.json").exists()
    assert app.ensure_index(index_dir, corpus, ["--no-fetch"]) == 0  # already there: no-op
    footnotes = json.loads((index_dir / "footnotes.json").read_text())
    assert len(footnotes) == 12
