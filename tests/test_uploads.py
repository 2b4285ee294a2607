"""Adding and removing briefs in a running app (issue 12): checks, the one-at-a-time worker,
atomic swaps, and abuse (too large, wrong type, hostile names, concurrent uploads, uploads
while many clients ask)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from app_server import build_synthetic_index
from conftest import BRIEF_TXT, FakeEmbedder

from assistant.serve.briefs_tab import BriefsTab
from assistant.serve.service import AssistantProvider
from assistant.serve.uploads import Librarian, UploadError, UploadPolicy, safe_name, sniff
from index.store import SearchIndex

SECOND_BRIEF = """Human Rights Council (HRC)

Topic A. Freedom of expression online

Introduction:

Governments increasingly order platforms to remove lawful speech, and journalists in many \
countries face prosecution for what they post.¹

Internet shutdowns during elections cut off millions of people from news and from each other.²

¹ Article 19. *Global Expression Report 2024*. In: <https://example.org/ger-2024> (01/03/2025).

² Access Now. *Shutdown tracker*. In: <https://example.org/keepiton> (01/03/2025).
"""


@pytest.fixture
def provider(tmp_path: Path) -> AssistantProvider:
    link = build_synthetic_index(tmp_path / "state" / "index", FakeEmbedder())
    return AssistantProvider(link, embedder=FakeEmbedder())


def _file(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / "incoming" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _run(librarian: Librarian, upload: Path, name: str | None = None) -> tuple[str, object]:
    job = librarian.add(upload, name or upload.name)
    assert librarian.wait(job, 120), job.steps
    return job.state, job


def test_sniffing_types_by_bytes_not_by_name(tmp_path: Path) -> None:
    assert sniff(b"%PDF-1.7\n...") == ".pdf"
    assert sniff(b"<!DOCTYPE html><html><body>x") == ".html"
    assert sniff(b"# Title\n\nSome **bold** text") == ".md"
    assert sniff("Plain brief text, with ümlauts.".encode()) == ".txt"
    assert sniff(b"\x7fELF\x02\x01\x01\x00") is None  # an executable named brief.pdf
    assert sniff(b"\xff\xfe\x00\x00garbage") is None
    not_word = _file(tmp_path, "x.docx", b"PK\x03\x04" + b"\x00" * 100)
    assert sniff(not_word.read_bytes()[:4096], not_word) is None  # a zip that is not Word


def test_hostile_names_are_sanitised() -> None:
    assert safe_name("../../etc/passwd", ".txt") == "passwd.txt"
    assert safe_name("..\\..\\boot.ini", ".pdf") == "boot.pdf"
    assert safe_name(".hidden.pdf", ".pdf") == "hidden.pdf"
    assert safe_name("brief<script>.exe", ".pdf") == "brief-script.pdf"
    assert safe_name("Résumé\u202eFDP.txt", ".txt") == "ResumeFDP.txt"  # no bidi override
    assert safe_name("", ".md") == "brief.md"
    assert len(safe_name("a" * 500, ".pdf")) <= 84


def test_policy_loopback_flag_or_token() -> None:
    assert UploadPolicy().refusal(None) is not None  # off unless enabled
    assert UploadPolicy.for_server(True, "127.0.0.1").enabled
    assert not UploadPolicy.for_server(True, "0.0.0.0").enabled  # beyond loopback: no token
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BRIEF_QA_ADMIN_TOKEN", "s3cret")
        policy = UploadPolicy.for_server(False, "0.0.0.0")
        assert policy.enabled and policy.refusal("s3cret") is None
        assert policy.refusal("wrong") == "wrong or missing admin token"
        assert policy.refusal(None) == "wrong or missing admin token"


def test_add_then_remove_a_brief(provider: AssistantProvider, tmp_path: Path) -> None:
    librarian = Librarian(provider)
    before = provider.ready().index
    state, job = _run(librarian, _file(tmp_path, "HRC topic A.txt", SECOND_BRIEF))
    assert state == "done", job
    index = provider.ready().index
    assert index.root != before.root  # a new version, swapped in
    (new_id,) = job.brief_ids  # type: ignore[attr-defined]
    assert new_id == "hrc-topic-a"
    own = [c for c in index.chunks if c.document_id == new_id]
    assert index.manifest.embedded_count == len(own)  # only the new passages were embedded
    assert index.manifest.reused_count == len(before.chunks)
    stored = Path(index.document(new_id).origin)
    assert stored.parent == librarian.uploads_dir and stored.name == "HRC-topic-A.txt"
    hit = provider.ask("internet shutdowns during elections", 1, brief=new_id).hits[0]
    assert hit.document.id == new_id
    assert {c.brief_id for c in hit.citations} == {new_id}
    assert any(c.text.startswith("Access Now") for c in hit.citations)

    job = librarian.remove(new_id)
    assert librarian.wait(job, 120) and job.state == "done", job
    after = provider.ready().index
    assert new_id not in {d.id for d in after.documents}
    assert not [f for f in after.footnotes if f.document_id == new_id]
    assert len(after.chunks) == len(before.chunks) and not stored.exists()


def test_failed_uploads_leave_the_index_as_it_was(
    provider: AssistantProvider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    librarian = Librarian(provider)
    root = provider.ready().index.root
    with pytest.raises(UploadError, match="not a PDF, Word"):
        librarian.add(_file(tmp_path, "brief.pdf", b"\x7fELF" + b"\x00" * 64), "brief.pdf")
    with pytest.raises(UploadError, match="empty"):
        librarian.add(_file(tmp_path, "empty.txt", b""), "empty.txt")
    monkeypatch.setenv("BRIEF_QA_MAX_UPLOAD_MB", "0.001")
    with pytest.raises(UploadError, match="over the 0 MB limit"):
        librarian.add(_file(tmp_path, "big.txt", "word " * 1000), "big.txt")
    monkeypatch.delenv("BRIEF_QA_MAX_UPLOAD_MB")
    broken = _file(tmp_path, "broken.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 50)
    state, job = _run(librarian, broken)
    assert state == "failed" and "broken.pdf" in (job.error or "")  # type: ignore[attr-defined]
    twice = _file(tmp_path, "again.txt", SECOND_BRIEF)
    assert _run(librarian, twice)[0] == "done"
    state, job = _run(librarian, twice, "again-copy.txt")
    assert state == "failed" and "already loaded as 'again'" in (job.error or "")  # type: ignore[attr-defined]
    assert provider.ready().index.root != root  # only the good upload changed it
    assert not list(librarian.uploads_dir.glob("broken*"))  # nothing of a failed one is kept
    assert sorted(p.name for p in librarian.uploads_dir.iterdir()) == ["again.txt"]
    SearchIndex.open(provider.index_dir, embedder=FakeEmbedder())  # still a sound index


def test_two_uploads_at_once_and_twenty_clients_asking(
    provider: AssistantProvider, tmp_path: Path
) -> None:
    librarian = Librarian(provider)
    provider.ready()
    errors: list[str] = []
    stop = threading.Event()

    def ask(n: int) -> None:
        while not stop.is_set():
            try:
                assert provider.ask(f"child victims {n}", 3).hits
            except Exception as exc:  # every failure counts
                errors.append(f"{type(exc).__name__}: {exc}")
                return

    clients = [threading.Thread(target=ask, args=(n,)) for n in range(20)]
    for client in clients:
        client.start()
    first = librarian.add(_file(tmp_path, "one.txt", SECOND_BRIEF), "one.txt")
    second = librarian.add(
        _file(tmp_path, "two.txt", BRIEF_TXT.read_text("utf-8")), "same name.txt"
    )
    assert librarian.wait(first, 120) and librarian.wait(second, 120)
    stop.set()
    for client in clients:
        client.join()
    assert first.state == second.state == "done", (first, second)
    assert errors == []
    ids = {b.id for b in provider.ready().index.briefs}
    assert {"one", "same-name", "brief"} <= ids  # both added, one after the other


def test_tab_refuses_when_uploads_are_off_or_the_token_is_wrong(
    provider: AssistantProvider, tmp_path: Path
) -> None:
    upload = str(_file(tmp_path, "x.txt", SECOND_BRIEF))
    tab = BriefsTab(provider)
    ((status, _),) = list(tab.add(upload))
    assert "uploads are off" in status
    tab.policy = UploadPolicy(enabled=True, token="t0ken")
    ((status, _),) = list(tab.add(upload, "guess"))
    assert "wrong or missing admin token" in status
    ((status, _),) = list(tab.remove("brief", None))
    assert "wrong or missing admin token" in status
    *_, (final, table) = list(tab.add(upload, "t0ken"))
    assert "— done" in final and "indexed" in final
    assert any(row[0] == "x" for row in table["value"])
