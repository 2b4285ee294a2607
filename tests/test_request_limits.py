"""Issue 15, row 8: bounded work per request. Bodies over the cap are refused with 413 by the
live app on loopback; a request past the time limit is refused with a clear message; the
answer cache's memory does not grow with the size of what clients send.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from app_server import build_synthetic_index, serve

import app
from assistant.assistant import Assistant
from assistant.serve import body_limit, service
from assistant.serve import requests as edge
from assistant.serve.service import AssistantProvider, RequestTimeoutError

pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")

CAP = body_limit.max_body_bytes()
CHAT_CAP = body_limit.max_chat_body_bytes()


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import FakeEmbedder

    return build_synthetic_index(tmp_path_factory.mktemp("limits") / "index", FakeEmbedder())


@pytest.fixture(scope="module")
def app_url(index_dir: Path) -> Iterator[str]:
    from conftest import FakeEmbedder

    with serve(index_dir, FakeEmbedder()) as url:
        yield url


def ask_body(query: str, history: list[str] | None = None) -> bytes:
    return json.dumps({"data": [query, 3, "hybrid", None, history or [], None]}).encode()


def call_ask(client: httpx.Client, url: str, body: bytes) -> dict[str, Any]:
    """POST /gradio_api/call/ask then read its event stream: the answer's JSON."""
    started = client.post(f"{url}gradio_api/call/ask", content=body,
                          headers={"Content-Type": "application/json"})
    assert started.status_code == 200, started.text
    event_id = started.json()["event_id"]
    stream = client.get(f"{url}gradio_api/call/ask/{event_id}")
    lines = stream.text.splitlines()
    assert "event: complete" in lines, stream.text[:500]
    data = lines[lines.index("event: complete") + 1].removeprefix("data: ")
    result: dict[str, Any] = json.loads(data)[0]
    return result


def test_a_body_over_the_cap_is_refused_with_413(app_url: str) -> None:
    huge = ask_body("Palermo " * ((2 * CAP) // 8))
    assert len(huge) > CAP
    with httpx.Client(timeout=30) as client:
        refused = client.post(f"{app_url}gradio_api/call/ask", content=huge,
                              headers={"Content-Type": "application/json"})
        assert refused.status_code == 413
        assert refused.json()["error"] == body_limit.refusal_text(CAP)
        assert "256 KB" in refused.json()["error"]
        # The queue's own entry point (what gradio_client and the page use) over its cap too.
        huger = ask_body("Palermo " * ((2 * CHAT_CAP) // 8))
        joined = client.post(f"{app_url}gradio_api/queue/join", content=huger,
                             headers={"Content-Type": "application/json"})
        assert joined.status_code == 413
        # And the server still answers an ordinary question right after.
        answer = call_ask(client, app_url, ask_body("What is the Palermo Protocol?"))
        assert answer["hits"]


def test_the_api_cap_holds_what_a_request_can_use(app_url: str) -> None:
    """The default API cap is sized to the largest request that is read in full: a question
    and the 20 history items kept, 2,000 characters each, every one a 6-byte JSON escape."""
    assert body_limit.USABLE_BODY_BYTES < CAP == body_limit.DEFAULT_MAX_BODY_KB * 1024
    longest = "é" * edge.MAX_QUERY_CHARS
    history = [longest] * edge.MAX_HISTORY_ITEMS
    body = ask_body(longest, history)
    assert body_limit.USABLE_BODY_BYTES <= len(body) <= CAP
    with httpx.Client(timeout=30) as client:
        answer = call_ask(client, app_url, body)
    assert answer["query"] == longest


def test_the_queue_keeps_room_for_the_conversation(app_url: str) -> None:
    """The page posts its whole conversation with each question: the queue's cap is larger
    than the API's, so a body between the two is refused by /call but not by the queue."""
    assert CHAT_CAP >= 4 * CAP
    body = json.dumps({"data": ["x" * (2 * CAP)], "fn_index": 0, "session_hash": "s1"}).encode()
    assert CAP < len(body) < CHAT_CAP
    with httpx.Client(timeout=30) as client:
        joined = client.post(f"{app_url}gradio_api/queue/join", content=body,
                             headers={"Content-Type": "application/json"})
        called = client.post(f"{app_url}gradio_api/call/ask", content=body,
                             headers={"Content-Type": "application/json"})
    assert joined.status_code != 413
    assert called.status_code == 413


def test_a_chunked_body_is_counted_as_it_arrives(app_url: str) -> None:
    """No Content-Length to go by: the body is refused once it passes the cap."""
    piece = b" " * 65536
    sent = 0

    def body() -> Iterator[bytes]:
        nonlocal sent
        yield b'{"data": ["Palermo'
        for _ in range((4 * CAP) // len(piece)):
            sent += len(piece)
            yield piece
        yield b'", 3, "hybrid", null, [], null]}'

    with httpx.Client(timeout=30) as client:
        try:
            refused = client.post(f"{app_url}gradio_api/call/ask", content=body(),
                                  headers={"Content-Type": "application/json"})
        except httpx.TransportError:
            pass  # the server may close before the client has finished sending
        else:
            assert refused.status_code == 413
            assert "request body too large" in refused.text
        answer = call_ask(client, app_url, ask_body("What is the Palermo Protocol?"))
        assert answer["hits"]


def test_a_body_just_under_the_cap_is_answered(app_url: str) -> None:
    history = ["What share of victims are children? " * 55] * 40  # ~80 KB, cut at the edge
    query = "And for boys?" + " " * (CAP - 100_000)
    body = ask_body(query, history)
    assert 0.8 * CAP < len(body) <= CAP
    with httpx.Client(timeout=30) as client:
        answer = call_ask(client, app_url, body)
    assert answer["hits"] and len(answer["query"]) <= 2_000


def test_uploads_get_the_upload_cap() -> None:
    limits = body_limit.BodyLimitMiddleware(app=None, max_bytes=1000,  # type: ignore[arg-type]
                                            upload_max_bytes=5000, chat_max_bytes=3000)
    assert limits.limit_for("/gradio_api/upload") == 5000
    assert limits.limit_for("/gradio_api/upload/") == 5000
    assert limits.limit_for("/gradio_api/queue/join") == 3000
    assert limits.limit_for("/gradio_api/call/ask") == 1000
    assert limits.limit_for("/gradio_api/run/ask") == 1000
    assert app.launch_options()["max_file_size"] == body_limit.max_upload_body_bytes()


def test_cap_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BRIEF_QA_MAX_BODY_KB", "64")
    assert body_limit.max_body_bytes() == 64 * 1024
    monkeypatch.setenv("BRIEF_QA_MAX_BODY_KB", "lots")
    assert body_limit.max_body_bytes() == body_limit.DEFAULT_MAX_BODY_KB * 1024
    assert "BRIEF_QA_MAX_BODY_KB='lots'" in capsys.readouterr().err
    assert "1 MB" in body_limit.refusal_text(1024 * 1024)
    monkeypatch.setenv("BRIEF_QA_MAX_CHAT_BODY_KB", "2048")
    assert body_limit.max_chat_body_bytes() == 2048 * 1024
    monkeypatch.setenv("BRIEF_QA_MAX_CHAT_BODY_KB", "8")  # never below the API cap
    assert body_limit.max_chat_body_bytes() == body_limit.max_body_bytes()
    assert "64 KB" in body_limit.refusal_text(64 * 1024)


# ------------------------------------------------------------------ the time limit


def test_a_request_past_the_time_limit_is_refused(index_dir: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import FakeEmbedder

    provider = AssistantProvider(index_dir, embedder=FakeEmbedder())
    provider.timeout_s = 0.5
    original = Assistant.ask

    def slow(self: Assistant, query: str, k: int = 5, **kwargs: Any) -> Any:
        if "slow" in query:
            time.sleep(2)
        return original(self, query, k, **kwargs)

    monkeypatch.setattr(Assistant, "ask", slow)
    started = time.perf_counter()
    with pytest.raises(RequestTimeoutError, match=r"longer than 0\.5 s"):
        provider.ask("a slow question about children")
    assert time.perf_counter() - started < 1.5
    # Nothing was remembered for it; other questions are answered meanwhile.
    assert provider.ask("children victims").hits
    handlers = app.Handlers(provider)
    with pytest.raises(app.gr.Error, match=r"longer than 0\.5 s"):
        handlers.api_ask("another slow question")
    chat, _, _ = handlers.respond("one more slow question", [], [])
    assert "longer than 0.5 s" in chat[-1]["content"]


def test_the_default_time_limit_is_set() -> None:
    assert service.REQUEST_TIMEOUT_S >= 1
    assert AssistantProvider().timeout_s == service.REQUEST_TIMEOUT_S


def test_cached_answers_cost_the_same_whatever_history_came_with_them(
    index_dir: Path,
) -> None:
    from conftest import FakeEmbedder

    provider = AssistantProvider(index_dir, embedder=FakeEmbedder())
    history = tuple(f"What about children in region {i}? " * 50 for i in range(20))
    provider.ask("and for boys?", history=history)
    (key,) = provider.cache._items
    assert sum(len(part) for part in key if isinstance(part, str)) < 200
    # Different histories are different answers; the same history is a hit.
    provider.ask("and for boys?", history=history[:-1])
    provider.ask("and for boys?", history=history)
    assert len(provider.cache) == 2 and provider.cache.hits == 1
