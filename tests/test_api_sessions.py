"""Issue 15, memory: an API call leaves no Gradio session behind (`assistant.serve.api_sessions`).

Gradio gives every `/call/ask` its own session and keeps, in it, the last value of every input
and output for deep links: each API call's whole request stayed in memory until 500 newer
sessions pushed it out (measured: 257 → 503 MB after 1,000 requests of ~500 KB).
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from app_server import build_synthetic_index, serving

from assistant.serve.api_sessions import forget_api_session, forget_session

pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")

HISTORY_ITEM = "What share of detected victims were children in that region? " * 30


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    from conftest import FakeEmbedder

    index_dir = build_synthetic_index(tmp_path_factory.mktemp("sessions") / "index",
                                      FakeEmbedder())
    with serving(index_dir, FakeEmbedder()) as demo_and_url:
        yield demo_and_url


def call(client: httpx.Client, url: str, endpoint: str, data: list[Any]) -> str:
    """POST /gradio_api/call/<endpoint>, read its event stream: the final event's name."""
    started = client.post(f"{url}gradio_api/call/{endpoint}", json={"data": data})
    assert started.status_code == 200, started.text
    event_id = started.json()["event_id"]
    lines = client.get(f"{url}gradio_api/call/{endpoint}/{event_id}").text.splitlines()
    return next(line.split(":", 1)[1].strip() for line in lines
                if line.startswith("event:") and ("complete" in line or "error" in line))


def held_bytes(demo: Any) -> int:
    """Characters of request text the app's sessions still hold (the history items)."""
    held = 0
    for session in list(demo.state_holder.session_data.values()):
        held += len(json.dumps(session.config_values, default=str).split(HISTORY_ITEM)) - 1
    return held * len(HISTORY_ITEM)


def test_api_calls_leave_no_session_and_no_request_behind(served: tuple[Any, str]) -> None:
    demo, url = served
    before = len(demo.state_holder.session_data)
    with httpx.Client(timeout=30, trust_env=False) as client:
        for n in range(12):
            history = [f"{n}-{i} {HISTORY_ITEM}" for i in range(40)]  # ~75 KB per request
            assert call(client, url, "ask", [f"and for boys {n}?", 3, "hybrid", None,
                                             history, None]) == "complete"
        assert call(client, url, "check", ["Children are 38% of victims.", None]) == "complete"
        assert call(client, url, "cite", [1, None]) == "complete"
        # A refused request (an error event) does not stay either.
        assert call(client, url, "ask", [None, 3, "hybrid", None, [], None]) == "error"
    assert len(demo.state_holder.session_data) == before
    assert held_bytes(demo) == 0


def test_concurrent_api_calls_all_complete(served: tuple[Any, str]) -> None:
    """The session is dropped while its call is finishing: concurrent calls, each in its own
    session, are all answered."""
    demo, url = served
    outcomes: list[str] = []

    def client_thread(number: int) -> None:
        with httpx.Client(timeout=30, trust_env=False) as client:
            for n in range(5):
                outcomes.append(call(client, url, "ask", [f"children {number} {n}", 3, "hybrid",
                                                          None, [HISTORY_ITEM], None]))

    threads = [threading.Thread(target=client_thread, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["complete"] * 20
    assert held_bytes(demo) == 0


class _Holder:
    def __init__(self, sessions: dict[str, Any]) -> None:
        self.session_data = dict(sessions)
        self.time_last_used = {name: 0 for name in sessions}
        self.lock = threading.Lock()


class _Session:
    def __init__(self, state_data: dict[int, Any]) -> None:
        self.state_data = state_data


def test_a_session_holding_state_is_kept() -> None:
    """A browser's session (its `gr.State`, say the follow-up turns) is never dropped."""
    holder = _Holder({"api": _Session({}), "browser": _Session({7: ["earlier question"]})})
    assert forget_session(holder, "api") is True
    assert forget_session(holder, "browser") is False
    assert forget_session(holder, "gone") is False
    assert forget_session(None, "api") is False
    assert forget_session(holder, None) is False
    assert list(holder.session_data) == ["browser"] and list(holder.time_last_used) == ["browser"]


def test_the_session_is_found_from_the_request() -> None:
    """The handler's `gr.Request` leads to the server that ran the call and its session."""
    holder = _Holder({"call": _Session({})})
    server = SimpleNamespace(app=SimpleNamespace(state_holder=holder))
    assert forget_api_session(SimpleNamespace(request=server, session_hash="call")) is True
    assert holder.session_data == {}
    assert forget_api_session(None) is False  # a direct call (the tests, the CLI)


if __name__ == "__main__":
    sys.exit(pytest.main([str(Path(__file__)), "-q"]))
