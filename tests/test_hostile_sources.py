"""Issue 15, ingest side: hostile cited sources and mirrors fail alone, with their reason.

Every server here listens on 127.0.0.1; nothing else is contacted.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fixtures_http import Reply, Route, serve

from ingest.chunking import ChunkingOptions, chunk_blocks
from ingest.errors import FetchError, MirrorError
from ingest.records import Block, Source
from ingest.sources.collect import source_id
from ingest.sources.fetch import MB, HttpFetcher
from ingest.sources.gather import FetchOptions, GatheredSource, gather_sources
from ingest.sources.mirror import MANIFEST_MAX_BYTES, Mirror

PAGE = (b"<html><head><title>T</title></head>"
        b"<body><p>Palermo hosts the conference.</p></body></html>")
HTML_TYPE = {"Content-Type": "text/html"}


def text_of(result: GatheredSource) -> str:
    assert result.parsed is not None, result.source.reason
    return "\n".join(block.text for block in result.parsed.blocks)


def src(url: str | None, title: str) -> Source:
    return Source(id=source_id(url, title), url=url, title=title,
                  status="pending" if url else "no_url")


def gather(tmp_path: Path, sources: list[Source], **kwargs: object) -> list[GatheredSource]:
    settings: dict[str, object] = {"allow_private": True, "backoff": 0.01, "retries": 0,
                                   "cache_dir": tmp_path / "cache"}
    settings.update(kwargs)
    return gather_sources(sources, FetchOptions(**settings), progress=False)  # type: ignore[arg-type]


# -- row 3: charsets that name no usable text encoding


@pytest.mark.parametrize("charset", ["rot13", "base64", "idna", "hex", "no-such-charset"])
@pytest.mark.parametrize("where", ["header", "meta"])
def test_unusable_charset_falls_back_to_detection(tmp_path: Path, charset: str, where: str) -> None:
    if where == "header":
        reply = Reply(body=PAGE, headers={"Content-Type": f"text/html; charset={charset}"})
    else:
        body = PAGE.replace(b"<head>", f'<head><meta charset="{charset}">'.encode())
        reply = Reply(body=body, headers={"Content-Type": "text/html"})
    with serve({"/page": reply, "/ok": Reply(body=PAGE, headers=HTML_TYPE)}) as s:
        bad, good = gather(tmp_path, [src(s.url("/page"), "Bad"), src(s.url("/ok"), "Good")])
    assert bad.source.status == "fetched", bad.source.reason
    assert "Palermo hosts the conference." in text_of(bad)
    assert good.source.status == "fetched"


def test_mirror_manifest_naming_a_transform_charset(tmp_path: Path) -> None:
    root = tmp_path / "mirror"
    (root / "files").mkdir(parents=True)
    (root / "files" / "a.txt").write_bytes(b"Article 1\n\nPalermo hosts the conference.")
    (root / "manifest.json").write_text(json.dumps({"entries": [
        {"title": "Work", "file": "files/a.txt", "content_type": "text/plain", "charset": "rot13"},
    ]}))
    [result] = gather(tmp_path, [src(None, "Work")], mirror=root)
    assert result.source.status == "mirror", result.source.reason
    assert "Palermo hosts the conference." in text_of(result)


# -- row 4: stacked content encodings under the byte cap


def test_stacked_gzip_bomb_is_refused_within_the_cap(tmp_path: Path) -> None:
    inner = gzip.compress(b"\0" * (200 * MB), compresslevel=9)
    bomb = gzip.compress(inner, compresslevel=9)
    assert len(bomb) < 64 * 1024  # the reproduction: a few KB on the wire
    routes: dict[str, Route] = {"/bomb": Reply(body=bomb, headers={"Content-Type": "text/html",
                                                  "Content-Encoding": "gzip, gzip"}),
              "/ok": Reply(body=PAGE, headers={"Content-Type": "text/html"})}
    with serve(routes) as s:
        tracemalloc.start()
        try:
            bad, good = gather(tmp_path, [src(s.url("/bomb"), "Bomb"), src(s.url("/ok"), "Good")],
                               max_bytes=4 * MB, concurrency=1)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert bad.source.status == "failed"
    assert bad.source.reason is not None and "too large" in bad.source.reason
    assert good.source.status == "fetched"
    assert peak < 64 * MB, f"peak {peak / MB:.1f} MB"


def test_stacked_gzip_within_the_cap_decodes(tmp_path: Path) -> None:
    body = gzip.compress(gzip.compress(PAGE))
    routes: dict[str, Route] = {"/p": Reply(body=body, headers={"Content-Type": "text/html",
                                               "Content-Encoding": "gzip, gzip"})}
    with serve(routes) as s, HttpFetcher(allow_private=True) as fetcher:
        assert fetcher.fetch(s.url("/p")).body == PAGE


def test_unknown_content_encoding_fails_that_source(tmp_path: Path) -> None:
    routes: dict[str, Route] = {"/p": Reply(body=b"xx", headers={"Content-Encoding": "br"})}
    with (
        serve(routes) as s,
        HttpFetcher(allow_private=True, retries=0) as fetcher,
        pytest.raises(FetchError, match="unsupported Content-Encoding: br"),
    ):
        fetcher.fetch(s.url("/p"))


# -- rows 5 and 6: damaged zip members and an oversized manifest


def _zip_mirror(path: Path, members: dict[str, bytes], manifest: bytes) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", manifest)
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _corrupt_member(path: Path, name: str) -> None:
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    raw = bytearray(path.read_bytes())
    data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(data_start + 2, data_start + min(info.compress_size, 40)):
        raw[i] ^= 0x5A
    path.write_bytes(bytes(raw))


def _lie_about_size(path: Path, name: str, size: int) -> None:
    """Rewrite the member's recorded uncompressed size (local and central headers)."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    raw = bytearray(path.read_bytes())
    raw[info.header_offset + 22 : info.header_offset + 26] = size.to_bytes(4, "little")
    central = bytes(raw).find(b"PK\x01\x02")
    while central != -1:
        length = int.from_bytes(raw[central + 28 : central + 30], "little")
        if raw[central + 46 : central + 46 + length] == name.encode():
            raw[central + 24 : central + 28] = size.to_bytes(4, "little")
        central = bytes(raw).find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(raw))


TEXT = b"Article 1\n\nPalermo hosts the conference. " * 200


def _two_entry_zip(tmp_path: Path) -> Path:
    manifest = json.dumps({"entries": [
        {"title": "Broken", "file": "files/broken.txt", "content_type": "text/plain"},
        {"title": "Fine", "file": "files/fine.txt", "content_type": "text/plain"},
    ]}).encode()
    return _zip_mirror(tmp_path / "m.zip", {"files/broken.txt": TEXT, "files/fine.txt": TEXT},
                       manifest)


@pytest.mark.parametrize("damage", ["corrupt", "lying_size"])
def test_damaged_zip_member_fails_that_entry(tmp_path: Path, damage: str) -> None:
    path = _two_entry_zip(tmp_path)
    if damage == "corrupt":
        _corrupt_member(path, "files/broken.txt")
    else:
        _lie_about_size(path, "files/broken.txt", 100)
    broken, fine = gather(tmp_path, [src(None, "Broken"), src(None, "Fine")], mirror=path,
                          offline=True)
    assert broken.source.status == "failed"
    assert broken.source.reason is not None and "files/broken.txt" in broken.source.reason
    assert "damaged zip member" in broken.source.reason
    assert fine.source.status == "mirror" and fine.parsed is not None


def test_manifest_bomb_is_refused_with_a_size_cap(tmp_path: Path) -> None:
    padded = b'{"entries": []' + b" " * (MANIFEST_MAX_BYTES + 10) + b"}"
    path = _zip_mirror(tmp_path / "m.zip", {}, padded)
    assert path.stat().st_size < 1 * MB
    with pytest.raises(MirrorError, match=r"manifest\.json is larger than"):
        Mirror.open(path)
    root = tmp_path / "dir"
    root.mkdir()
    (root / "manifest.json").write_bytes(padded)
    with pytest.raises(MirrorError, match=r"manifest\.json is larger than"):
        Mirror.open(root)


# -- row 7: one overall deadline, headers included


@contextmanager
def trickling_server(interval: float) -> Iterator[str]:
    """Answers every connection with a status line and headers, one byte per `interval`."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.1)
    stop = threading.Event()
    response = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 10_000 + b"\r\n\r\n"

    def handle(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                for byte in response:
                    if stop.is_set():
                        return
                    conn.sendall(bytes([byte]))
                    time.sleep(interval)
            except OSError:
                return

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/slow"
    finally:
        stop.set()
        thread.join(2)
        listener.close()


def test_headers_trickled_slowly_hit_the_overall_deadline() -> None:
    with trickling_server(0.05) as url, HttpFetcher(
        allow_private=True, read_timeout=1.0, total_timeout=1.5, retries=0
    ) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"timed out after 1.5 s \(total\)"):
            fetcher.fetch(url)
        elapsed = time.monotonic() - started
    assert elapsed < 3.0, f"{elapsed:.1f} s against a 1.5 s deadline"


# -- row 14: a hard length cap on chunks


def test_paragraph_without_punctuation_is_cut_under_the_cap() -> None:
    words = [f"word{i % 997}" for i in range(150_000)]
    paragraph = " ".join(words)
    assert len(paragraph) > 1_000_000
    options = ChunkingOptions()
    doc = chunk_blocks("doc", [Block(kind="paragraph", text=paragraph)], options)
    assert len(doc.chunks) > 1
    assert max(len(c.text) for c in doc.chunks) <= options.max_chars
    assert all(doc.text[c.char_start : c.char_end] == c.text for c in doc.chunks)
    assert " ".join(c.text for c in doc.chunks).split() == words  # every word, once, in order
