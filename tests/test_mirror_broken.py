"""Issue 15: a broken mirror never stops an ingest. `brief-qa ingest --mirror M` with a
manifest that is not JSON, over its size cap, or with entries naming missing or corrupt
members: those entries fail alone, each source named with its reason, and the brief is indexed
(exit ≤ 1). The cited sources live on a loopback HTTP server; nothing else is contacted.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FakeEmbedder
from fixtures_http import FixtureServer, Reply, serve

import index.embedder
from assistant.cli.main import main
from assistant.cli.sources import load_sources
from ingest.records import Source
from ingest.sources.mirror import MANIFEST_MAX_BYTES

PAGE_A = (b"<html><body><main><p>Shelters in Palermo house rescued children.</p>"
          b"</main></body></html>")
PAGE_B = b"<html><body><main><p>Hotlines answer calls in twelve languages.</p></main></body></html>"
MIRROR_TEXT = b"Article 1\n\nThe mirror copy of the convention on child protection."


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    with serve({
        "/a.html": Reply(body=PAGE_A, headers={"Content-Type": "text/html"}),
        "/b.html": Reply(body=PAGE_B, headers={"Content-Type": "text/html"}),
    }) as running:
        yield running


@pytest.fixture(autouse=True)
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index.embedder, "load_embedder", lambda _name=None: FakeEmbedder())


def write_brief(folder: Path, server: FixtureServer) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    brief = folder / "brief.txt"
    brief.write_text(
        "Committee Z\n\nTopic D. Shelters\n\n"
        "Shelters house rescued children across the region.¹ Hotlines take calls day and "
        "night.² States ratified the convention on child protection.³\n\n"
        f"¹ Agency A. *Shelters*. In: <{server.url('/a.html')}> (01/03/2025).\n"
        f"² Agency B. *Hotlines*. In: <{server.url('/b.html')}> (01/03/2025).\n"
        "³ United Nations. *Convention on Child Protection*. 1989.\n",
        encoding="utf-8",
    )
    return brief


def ingest(tmp_path: Path, brief: Path, mirror: Path, *extra: str) -> tuple[int, str]:
    code = main(["ingest", str(brief), "--index", str(tmp_path / "index"), "--mirror",
                 str(mirror), "--allow-private", "--cache", str(tmp_path / "cache"),
                 "--quiet", *extra])
    return code, str(tmp_path / "index")


class Sources:
    """The index's sources, looked up by a word of their title (the footnote's text)."""

    def __init__(self, index_dir: str) -> None:
        self.all = load_sources(Path(index_dir))

    def __getitem__(self, word: str) -> Source:
        (found,) = [s for s in self.all if word in (s.title or "")]
        return found

    def values(self) -> list[Source]:
        return self.all


def sources_by_title(index_dir: str) -> Sources:
    return Sources(index_dir)


def zip_mirror(path: Path, manifest: bytes, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", manifest)
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def corrupt_member(path: Path, name: str) -> None:
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    raw = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 2, start + min(info.compress_size, 40)):
        raw[i] ^= 0x5A
    path.write_bytes(bytes(raw))


def test_an_unparseable_manifest_leaves_the_sources_to_the_network(
    tmp_path: Path, server: FixtureServer, capsys: pytest.CaptureFixture[str]
) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "manifest.json").write_text('{"entries": [{"url": ', encoding="utf-8")
    code, index_dir = ingest(tmp_path, write_brief(tmp_path / "in", server), mirror)
    captured = capsys.readouterr()
    err = captured.err
    assert code <= 1, err
    assert "ingested 1 brief document(s)" in captured.out
    assert "manifest.json is not valid JSON" in err and "Traceback" not in err
    sources = sources_by_title(index_dir)
    assert sources["Shelters"].status == "fetched" and sources["Hotlines"].status == "fetched"
    protocol = sources["Convention"]
    assert protocol.status == "no_url"
    assert protocol.reason is not None and "not valid JSON" in protocol.reason
    assert server.hits("/a.html") and server.hits("/b.html")


def test_a_manifest_over_its_cap_fails_its_sources_offline(
    tmp_path: Path, server: FixtureServer, capsys: pytest.CaptureFixture[str]
) -> None:
    padded = b'{"entries": []' + b" " * (MANIFEST_MAX_BYTES + 10) + b"}"
    mirror = zip_mirror(tmp_path / "m.zip", padded, {})
    code, index_dir = ingest(tmp_path, write_brief(tmp_path / "in", server), mirror,
                             "--offline")
    captured = capsys.readouterr()
    assert code <= 1, captured.err
    assert "manifest.json is larger than" in captured.err
    assert "ingested 1 brief document(s)" in captured.out
    for source in sources_by_title(index_dir).values():
        assert source.document_id is None
        assert source.reason is not None and "manifest.json is larger than" in source.reason
    assert server.requests == []  # --offline: nothing sent


def test_entries_naming_missing_or_corrupt_members_fail_alone(
    tmp_path: Path, server: FixtureServer, capsys: pytest.CaptureFixture[str]
) -> None:
    brief = write_brief(tmp_path / "in", server)
    manifest = json.dumps({"entries": [
        {"url": server.url("/a.html"), "file": "files/absent.html"},
        {"url": server.url("/b.html"), "file": "files/b.txt", "content_type": "text/plain"},
        {"title": "United Nations. *Convention on Child Protection*. 1989.",
         "file": "files/crc.txt",
         "content_type": "text/plain"},
        {"title": "No file given"},
        "not an entry",
    ]}).encode()
    mirror = zip_mirror(tmp_path / "m.zip", manifest,
                        {"files/b.txt": MIRROR_TEXT * 50, "files/crc.txt": MIRROR_TEXT})
    corrupt_member(mirror, "files/b.txt")
    code, index_dir = ingest(tmp_path, brief, mirror, "--offline")
    captured = capsys.readouterr()
    assert code <= 1, captured.err
    assert "ingested 1 brief document(s)" in captured.out
    assert "Traceback" not in captured.err
    assert "'files/absent.html': not in the zip" in captured.err
    assert 'entry 4: "file" must be a string' in captured.err
    assert "entry 5 is not an object" in captured.err
    sources = sources_by_title(index_dir)
    shelters, hotlines = sources["Shelters"], sources["Hotlines"]
    assert shelters.status == "failed" and "not in the zip" in (shelters.reason or "")
    assert hotlines.status == "failed" and "damaged zip member" in (hotlines.reason or "")
    assert "files/b.txt" in (hotlines.reason or "")
    convention = sources["Convention"]
    assert convention.status == "mirror" and convention.document_id is not None
    assert server.requests == []
