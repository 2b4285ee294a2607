"""API calls leave no session behind (issue 15: memory after 1,000 large requests).

Gradio gives every call a session (`gradio.state_holder.SessionState`): a `/call/ask` request
gets a fresh one, a `gradio_client` its own per client. The session keeps a copy of the UI's
config (~70 KB) and, for deep links, **the last value of every input and output of every call
made in it** — so each API call left its whole request (a 500 KB history) and its answer in
memory until 500 newer sessions (`state_session_capacity`) pushed it out: measured 257 → 503 MB
in the app after 1,000 requests of ~500 KB, all of it held by those sessions (tracemalloc: the
parsed request bodies; gc referrers: `SessionState.config_values`). They also pushed the
browsers' sessions out, and with them a delegate's follow-up context (`gr.State`).

The public endpoints (`/ask`, `/check`, `/cite`) keep nothing between calls, so their handlers
forget the session they ran in as they finish: the call in flight still holds it until its
answer is sent, and nothing is stored after. A session holding `gr.State` values (a browser's,
whose hash only that browser knows) is never dropped this way.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import MutableMapping
from typing import Any, Protocol


class StateHolderLike(Protocol):
    """What is used of `gradio.state_holder.StateHolder`."""

    @property
    def session_data(self) -> MutableMapping[str, Any]: ...

    @property
    def time_last_used(self) -> MutableMapping[str, Any]: ...

    @property
    def lock(self) -> threading.Lock: ...


def forget_session(holder: StateHolderLike | None, session_hash: str | None) -> bool:
    """Drop `session_hash`'s session from `holder` unless it holds `gr.State` values; whether
    it was dropped. Safe from any thread (the holder's own lock guards its eviction)."""
    if holder is None or not session_hash:
        return False
    with holder.lock:
        session = holder.session_data.get(session_hash)
        if session is None or getattr(session, "state_data", None):
            return False
        holder.session_data.pop(session_hash, None)
        with contextlib.suppress(KeyError):
            del holder.time_last_used[session_hash]
    return True


def forget_api_session(request: Any) -> bool:
    """Drop the session of the call `request` (a `gr.Request`) ran in: the API endpoints keep
    nothing between calls. Without a request (a direct call) there is nothing to drop."""
    if request is None:
        return False
    app = getattr(getattr(request, "request", None), "app", None)  # the server that ran it
    holder = getattr(app, "state_holder", None)
    return forget_session(holder, getattr(request, "session_hash", None))
