"""A cap on the size of every request body the app's server accepts (issue 15, row 8).

Gradio reads a request's whole body before anything of ours sees it, so a 40 MB question
costs 40 MB however soon `assistant.serve.requests` cuts it to 2,000 characters. This ASGI
middleware sits in front of Gradio's routes: a body announced larger than the cap
(`Content-Length`) is refused with **413** before a byte of it is read, and one sent without a
length (chunked) is counted as it arrives and refused the moment it passes the cap.

Three caps, by route:

* uploads (`/gradio_api/upload`): the upload cap (`BRIEF_QA_MAX_UPLOAD_MB`) plus room for the
  multipart framing;
* the queue's entry point (`/gradio_api/queue/join`, what the page and `gradio_client` post
  to): `BRIEF_QA_MAX_CHAT_BODY_KB` (default 1024 KiB), because the Ask tab sends its whole
  conversation back with every question (2-5 KB of Markdown per answer);
* every other body (the API's `/gradio_api/call/ask` and friends): `BRIEF_QA_MAX_BODY_KB`,
  by default sized to what a request can use at all — a question and the 20 history items
  that are kept, 2,000 characters each, even if every character travels as a 6-byte JSON
  escape (`\u00e9`): 21 × 2,000 × 6 bytes + room for the other fields = 256 KiB. A body
  larger than that only carries what `assistant.serve.requests` throws away, after Gradio
  has parsed, validated and copied it (measured: 800 KB histories cost ordinary clients 3.3×
  their p95).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from assistant.serve.requests import MAX_HISTORY_ITEMS, MAX_QUERY_CHARS

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KB = 1024
MB = 1024 * KB
# The most a request can use (see above), rounded up to a power of two.
JSON_ESCAPE_BYTES = 6  # "\u00e9": the longest form of a BMP character in JSON
USABLE_BODY_BYTES = (MAX_HISTORY_ITEMS + 1) * MAX_QUERY_CHARS * JSON_ESCAPE_BYTES
DEFAULT_MAX_BODY_KB = 256
DEFAULT_MAX_CHAT_BODY_KB = 1024
UPLOAD_PATH_SUFFIX = "/gradio_api/upload"
QUEUE_JOIN_PATH_SUFFIX = "/gradio_api/queue/join"
UPLOAD_FRAMING_BYTES = 1 * MB  # multipart boundaries and headers around the file


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        print(f"warning: {name}={raw!r} is not a number; using {default:g}", file=sys.stderr)
        return default
    return value if value > 0 else default


def max_body_bytes() -> int:
    """The cap on an API request body, from `BRIEF_QA_MAX_BODY_KB`."""
    return int(_env_number("BRIEF_QA_MAX_BODY_KB", DEFAULT_MAX_BODY_KB) * KB)


def max_chat_body_bytes() -> int:
    """The cap on a body posted to the queue (the page's events carry the conversation), from
    `BRIEF_QA_MAX_CHAT_BODY_KB`; never below the API cap (`gradio_client` posts there too)."""
    chat = int(_env_number("BRIEF_QA_MAX_CHAT_BODY_KB", DEFAULT_MAX_CHAT_BODY_KB) * KB)
    return max(chat, max_body_bytes())


def max_upload_body_bytes() -> int:
    """The cap on an upload's body: the upload cap (`BRIEF_QA_MAX_UPLOAD_MB`) + framing."""
    from assistant.serve.uploads import max_upload_bytes

    return max_upload_bytes() + UPLOAD_FRAMING_BYTES


class BodyLimitMiddleware:
    """Refuse request bodies over `max_bytes` (the queue: `chat_max_bytes`; uploads:
    `upload_max_bytes`) with 413."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int | None = None,
        upload_max_bytes: int | None = None,
        chat_max_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes if max_bytes is not None else max_body_bytes()
        self.upload_max_bytes = (
            upload_max_bytes if upload_max_bytes is not None else max_upload_body_bytes()
        )
        self.chat_max_bytes = (
            chat_max_bytes if chat_max_bytes is not None else max_chat_body_bytes()
        )

    def limit_for(self, path: str) -> int:
        route = path.rstrip("/")
        if route.endswith(UPLOAD_PATH_SUFFIX):
            return self.upload_max_bytes
        if route.endswith(QUEUE_JOIN_PATH_SUFFIX):
            return self.chat_max_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(str(scope.get("path", "")))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, limit)
            return
        received = 0
        started = refused = False

        async def counted_receive() -> Message:
            # Past the cap the 413 goes out at once, and the app is told the client left:
            # whatever it answers then is dropped (FastAPI turns a body error into a 400).
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await _refuse(send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted_receive, tracked_send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def refusal_text(limit: int) -> str:
    size = f"{limit // MB} MB" if limit % MB == 0 else f"{limit // KB} KB"
    return (f"request body too large: this server accepts at most {size} "
            f"(questions are cut at {MAX_QUERY_CHARS:,} characters and only the last "
            f"{MAX_HISTORY_ITEMS} history items are read anyway)")


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps({"error": refusal_text(limit)}).encode()
    await send({
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    })
    await send({"type": "http.response.body", "body": body})


def app_kwargs() -> dict[str, Any]:
    """What `demo.launch(app_kwargs=...)` needs to put the cap in front of Gradio's routes."""
    from starlette.middleware import Middleware

    return {"middleware": [Middleware(BodyLimitMiddleware)]}
