"""Loopback HTTP fixtures for the cited-source tests: a threaded stdlib server on 127.0.0.1
(port 0), routes that answer with canned or computed responses, a log of every request, and
generated PDFs whose printed page labels differ from their PDF index.

Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lowercased names


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a slow server)
    content_length: bool = True  # False: no Content-Length, body ends when the socket closes


Route = Reply | Callable[[Request], Reply]


class FixtureServer:
    """`with FixtureServer({"/a": Reply(body=b"hi")}) as server: server.url("/a")`."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def __enter__(self) -> FixtureServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                request = Request(
                    method="GET",
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                )
                with server._lock:
                    server.requests.append(request)
                route = server.routes.get(self.path.split("?", 1)[0])
                reply = Reply(404, b"not found") if route is None else route
                if callable(reply):
                    reply = reply(request)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if reply.content_length:
                        self.send_header("Content-Length", str(len(reply.body)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (size cap, timeout): that is what was tested

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output clean

        return Handler


@contextmanager
def serve(routes: dict[str, Route]) -> Iterator[FixtureServer]:
    with FixtureServer(routes) as server:
        yield server


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_labelled_pdf(
    pages: Sequence[str], *, roman_front_matter: int = 0, title: str = "Fixture report"
) -> bytes:
    """A PDF with one text paragraph per page and printed page labels.

    The first `roman_front_matter` pages are labelled i, ii, iii...; the rest 1, 2, 3...,
    so the PDF index differs from the printed page number (set with pypdf page labels).
    Each page also prints its label as a folio at the bottom, as a real report would.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.constants import PageLabelStyle
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(title)
    width, height = A4
    for index, text in enumerate(pages):
        label = (
            _roman(index + 1)
            if index < roman_front_matter
            else str(index - roman_front_matter + 1)
        )
        pdf.setFont("Helvetica", 11)
        y = height - 90
        for line in _wrap(text, 90):
            pdf.drawString(72, y, line)
            y -= 15
        pdf.setFont("Helvetica", 9)
        pdf.drawCentredString(width / 2, 40, label)
        pdf.showPage()
    pdf.save()

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(buffer.getvalue())).pages:
        writer.add_page(page)
    if roman_front_matter:
        writer.set_page_label(0, roman_front_matter - 1, style=PageLabelStyle.LOWERCASE_ROMAN)
    if roman_front_matter < len(pages):
        writer.set_page_label(
            roman_front_matter, len(pages) - 1, style=PageLabelStyle.DECIMAL, start=1
        )
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    return lines


def _roman(number: int) -> str:
    numerals = [(10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
    out = ""
    for value, letters in numerals:
        while number >= value:
            out += letters
            number -= value
    return out
