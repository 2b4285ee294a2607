"""Offline mirrors: manifest lookup by URL and by title, path-escape refusals, zip input
read in place, and the `pack` → zip → `--mirror` round trip."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from conftest import DATA
from fixtures_http import Reply, make_labelled_pdf, serve

from ingest.errors import MirrorError
from ingest.records import Source
from ingest.sources.collect import source_id
from ingest.sources.gather import FetchOptions, gather_sources
from ingest.sources.mirror import Mirror, write_mirror_zip

ARTICLE = (DATA / "sources" / "article.html").read_bytes()


def src(url: str | None, title: str) -> Source:
    return Source(id=source_id(url, title), url=url, title=title,
                  status="pending" if url else "no_url")


def write_mirror(root: Path, entries: list[dict[str, object]], files: dict[str, bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    (root / "manifest.json").write_text(json.dumps({"entries": entries}), encoding="utf-8")
    return root


def options(tmp_path: Path, mirror: Path, **kwargs: object) -> FetchOptions:
    return FetchOptions(mirror=mirror, cache_dir=tmp_path / "cache", **kwargs)  # type: ignore[arg-type]


def test_mirror_supplies_sources_by_url_and_by_title(tmp_path: Path) -> None:
    mirror = write_mirror(
        tmp_path / "mirror",
        [
            {"url": "HTTPS://Example.org/article#top", "file": "files/article.html",
             "content_type": "text/html"},
            {"title": "Convention on the *Rights* of the Child", "file": "files/crc.txt"},
        ],
        {"files/article.html": ARTICLE,
         "files/crc.txt": b"Article 1\n\nFor the purposes of the present Convention."},
    )
    sources = [
        src("https://example.org/article", "Article"),
        src(None, "Convention on the Rights of the Child"),
        src(None, "Some other work"),
    ]
    # offline=False and no server: the mirror must answer before any network use.
    results = gather_sources(sources, options(tmp_path, mirror), progress=False)
    article, crc, other = results
    assert article.source.status == "mirror" and article.source.reason is None
    assert article.document is not None and article.document.url == "https://example.org/article"
    assert any(b.text == "Sub-Saharan Africa | 60%" for b in article.parsed.blocks)  # type: ignore[union-attr]
    assert crc.source.status == "mirror"
    assert crc.document is not None and crc.document.url is None
    assert crc.document.origin == f"{mirror}/files/crc.txt"
    assert [b.text for b in crc.parsed.blocks] == [  # type: ignore[union-attr]
        "Article 1", "For the purposes of the present Convention."
    ]
    assert other.source.status == "no_url"
    assert not (tmp_path / "cache").exists()  # mirror hits are not copied into the cache


@pytest.mark.parametrize(
    ("file", "message"),
    [
        ("../outside.html", "is not a relative path inside the mirror"),
        ("files/../../outside.html", "is not a relative path inside the mirror"),
        ("/etc/passwd", "is not a relative path inside the mirror"),
        ("C:/Windows/win.ini", "is not a relative path inside the mirror"),
        ("files\\article.html", "is not a relative path inside the mirror"),
        ("escape/outside.html", "resolves outside the mirror"),  # through a symlink
        ("files/missing.html", "no such file"),
    ],
)
def test_paths_escaping_the_mirror_are_refused(tmp_path: Path, file: str, message: str) -> None:
    (tmp_path / "outside.html").write_bytes(b"<p>secret</p>")
    mirror = write_mirror(tmp_path / "mirror", [{"url": "https://e.org/", "file": file}],
                          {"files/article.html": ARTICLE})
    os.symlink(tmp_path, mirror / "escape")
    # The entry fails alone, with its reason; its file is never read.
    with Mirror.open(mirror) as opened:
        assert len(opened.problems) == 1 and message in opened.problems[0]
    (result,) = gather_sources([src("https://e.org/", "E")],
                               options(tmp_path, mirror, offline=True), progress=False)
    assert result.source.status == "failed" and result.document is None
    assert result.source.reason is not None and message in result.source.reason
    assert result.source.reason.startswith(f"mirror {mirror}: ")


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (None, "no manifest.json"),
        ("{not json", "manifest.json is not valid JSON"),
        ('{"files": []}', 'must be an object with an "entries" list'),
        ('{"format": "other", "entries": []}', "expected 'brief-qa-mirror' v1"),
    ],
)
def test_bad_manifests(tmp_path: Path, manifest: str | None, message: str) -> None:
    root = tmp_path / "m"
    root.mkdir()
    if manifest is not None:
        (root / "manifest.json").write_text(manifest)
    with pytest.raises(MirrorError, match=message.replace("(", r"\(")):
        Mirror.open(root)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"file": "a.html"}, 'entry 1: needs a "url" or a "title"'),
        ({"url": "https://e.org/"}, 'entry 1: "file" must be a string'),
        ("not an object", "entry 1 is not an object"),
    ],
)
def test_a_malformed_entry_fails_alone(tmp_path: Path, entry: object, message: str) -> None:
    mirror = write_mirror(tmp_path / "m", [entry, {"url": "https://e.org/a",  # type: ignore[list-item]
                                                   "file": "files/a.html"}],
                          {"files/a.html": ARTICLE})
    with Mirror.open(mirror) as opened:
        assert [message in p for p in opened.problems] == [True]
    good, = gather_sources([src("https://e.org/a", "A")],
                           options(tmp_path, mirror, offline=True), progress=False)
    assert good.source.status == "mirror" and good.document is not None


def test_missing_mirror_path(tmp_path: Path) -> None:
    with pytest.raises(MirrorError, match="no such directory or zip file"):
        Mirror.open(tmp_path / "nope")
    (tmp_path / "plain.txt").write_text("x")
    with pytest.raises(MirrorError, match="not a directory or a zip file"):
        Mirror.open(tmp_path / "plain.txt")


def test_sha256_in_the_manifest_is_verified(tmp_path: Path) -> None:
    mirror = write_mirror(
        tmp_path / "m",
        [{"url": "https://e.org/a", "file": "a.html", "sha256": "0" * 64}],
        {"a.html": ARTICLE},
    )
    result = gather_sources([src("https://e.org/a", "A")], options(tmp_path, mirror),
                            progress=False)[0]
    assert result.source.status == "failed"
    assert result.source.reason == (
        f"mirror {mirror}: a.html: sha256 does not match the manifest"
    )


def _zip(path: Path, members: dict[str, bytes], *, symlink: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if symlink is not None:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)  # a symlink member
            archive.writestr(info, "/etc/passwd")
    return path


def test_zip_mirror_is_read_in_place(tmp_path: Path) -> None:
    manifest = {"entries": [{"url": "https://e.org/a", "file": "files/a.html"}]}
    archive = _zip(tmp_path / "m.zip", {"manifest.json": json.dumps(manifest).encode(),
                                        "files/a.html": ARTICLE})
    before = set(tmp_path.rglob("*"))
    result = gather_sources([src("https://e.org/a", "A")], options(tmp_path, archive),
                            progress=False)[0]
    assert result.source.status == "mirror"
    assert result.document is not None and result.document.origin == "https://e.org/a"
    assert set(tmp_path.rglob("*")) == before  # nothing extracted next to it


@pytest.mark.parametrize(
    ("file", "members", "symlink", "message"),
    [
        ("../evil.html", {"../evil.html": b"x"}, None, "not a relative path inside the mirror"),
        ("/abs.html", {"/abs.html": b"x"}, None, "not a relative path inside the mirror"),
        ("link.html", {}, "link.html", "is a symlink"),
        ("absent.html", {}, None, "not in the zip"),
    ],
)
def test_zip_slip_and_symlinks_are_refused(
    tmp_path: Path, file: str, members: dict[str, bytes], symlink: str | None, message: str
) -> None:
    manifest = json.dumps({"entries": [{"url": "https://e.org/", "file": file}]}).encode()
    archive = _zip(tmp_path / "m.zip", {"manifest.json": manifest, **members}, symlink=symlink)
    with Mirror.open(archive) as opened:
        (entry,) = opened.entries
        assert entry.problem is not None and message in entry.problem
        with pytest.raises(MirrorError, match=message):
            opened.read(entry, 1024)
    (result,) = gather_sources([src("https://e.org/", "E")],
                               options(tmp_path, archive, offline=True), progress=False)
    assert result.source.status == "failed" and message in (result.source.reason or "")


def test_pack_then_mirror_round_trip(tmp_path: Path) -> None:
    pdf = make_labelled_pdf(["Front matter page.", "Body page about trafficking."],
                            roman_front_matter=1)
    latin1 = "<html><body><p>Protección de niñas y niños.</p></body></html>".encode("latin-1")
    routes = {
        "/article": Reply(body=ARTICLE, headers={"Content-Type": "text/html"}),
        # Served with the wrong type and a charset only the header gives.
        "/report": Reply(body=pdf, headers={"Content-Type": "text/html"}),
        "/es": Reply(body=latin1, headers={"Content-Type": "text/html; charset=iso-8859-1"}),
    }
    cache_dir = tmp_path / "cache"
    with serve(routes) as s:
        sources = [src(s.url(p), p.strip("/").title()) for p in routes]
        online = gather_sources(
            sources, FetchOptions(cache_dir=cache_dir, allow_private=True), progress=False
        )
    assert [r.source.status for r in online] == ["fetched"] * 3

    out = tmp_path / "out" / "sources.zip"
    assert write_mirror_zip(cache_dir, out) == 3
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = archive.namelist()
    assert manifest["format"] == "brief-qa-mirror" and manifest["version"] == 1
    assert {e["content_type"] for e in manifest["entries"]} == {"text/html", "application/pdf"}
    assert {e["title"] for e in manifest["entries"]} == {"Article", "Report", "Es"}
    assert all(n == "manifest.json" or n.startswith("files/") for n in names)
    assert any(n.endswith(".pdf") for n in names)

    # The server is gone; a fresh cache; the zip alone must reproduce every source.
    offline = gather_sources(
        sources, FetchOptions(cache_dir=tmp_path / "empty", mirror=out, offline=True),
        progress=False,
    )
    assert [r.source.status for r in offline] == ["mirror"] * 3
    for before, after in zip(online, offline, strict=True):
        assert before.parsed is not None and after.parsed is not None
        assert after.parsed.blocks == before.parsed.blocks
        assert after.document is not None and before.document is not None
        assert after.document.sha256 == before.document.sha256
    report = offline[1]
    assert report.source.content_type == "application/pdf" and report.source.page_count == 2
    assert [b.page_start for b in report.parsed.blocks] == ["i", "1"]  # type: ignore[union-attr]
    assert offline[2].parsed.blocks[0].text == "Protección de niñas y niños."  # type: ignore[union-attr]


def test_pack_with_an_empty_cache_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(MirrorError, match="holds no fetched sources: run `brief-qa ingest`"):
        write_mirror_zip(tmp_path / "cache", tmp_path / "out.zip")
    assert not (tmp_path / "out.zip").exists()
