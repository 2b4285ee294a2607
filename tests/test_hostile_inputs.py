"""Hostile and broken input: every bad file gets a clear error naming it, the rest is ingested.

Each case puts one bad file (made by `hostile_factory`) beside a good copy of the brief and
ingests both. Expected, always:

* an entry in `Corpus.errors` that names the bad file (no traceback, no multi-KB dump);
* the good brief ingested exactly as when it is alone (same chunks);
* bounded time and memory.

Cases that could hang, balloon or crash the interpreter (bombs, 100k nesting, 100 MB, FIFOs)
run in a subprocess (`tests/ingest_driver.py probe`) under a timeout and an address-space cap,
which also measures their peak RSS. Set `BRIEF_QA_ROBUSTNESS_LOG=FILE` to collect what each
case observed as JSON lines (`docs/robustness.md` is written from that).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hostile_factory as hf
import pytest
from conftest import BRIEF_PDF, BRIEF_TXT, REPO, FakeEmbedder

from index.store import SearchIndex
from index.writer import write_index
from ingest.errors import DocumentError
from ingest.pipeline import build_corpus, read_document

DRIVER = REPO / "tests" / "ingest_driver.py"
BRIEF_QA = Path(sys.executable).with_name("brief-qa")
GOOD_NAME = "good-brief.txt"
GOOD_ID = "good-brief"
QUERY = "child trafficking victims protection"
# Safety net for isolated cases: a reader that inflates a bomb dies with MemoryError instead
# of taking the machine down. Generous: the interpreter + lxml + pypdf need ~300 MB virtual.
ADDRESS_SPACE_CAP = 4 * 1024**3


# ---------------------------------------------------------------------------- plumbing


@dataclass
class Outcome:
    """What one ingest of (bad files + the good brief) produced."""

    errors: list[str]
    documents: list[dict[str, str]]
    chunks: dict[str, int]
    seconds: float
    peak_rss_mib: float | None = None
    texts: dict[str, str] = field(default_factory=dict)
    indexed: bool = False

    def errors_naming(self, path: Path) -> list[str]:
        return [e for e in self.errors if str(path) in e]

    def document_for(self, path: Path) -> dict[str, str] | None:
        return next((d for d in self.documents if d["origin"] == str(path)), None)


def ingest_inline(paths: list[Path]) -> Outcome:
    started = time.perf_counter()
    corpus = build_corpus(paths, fetch=None, progress=False, log=lambda _m: None)
    chunks: dict[str, int] = {}
    for chunk in corpus.chunks:
        chunks[chunk.document_id] = chunks.get(chunk.document_id, 0) + 1
    return Outcome(
        errors=list(corpus.errors),
        documents=[{"id": d.id, "origin": d.origin} for d in corpus.documents],
        chunks=chunks,
        seconds=round(time.perf_counter() - started, 3),
        texts=dict(corpus.document_texts),
    )


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))


def ingest_isolated(
    paths: list[Path],
    *,
    timeout: float,
    index: Path | None = None,
    dump: bool = False,
) -> Outcome:
    """`build_corpus` in a capped subprocess; fails the test on a hang, crash or traceback."""
    work = paths[0].parent
    dump_path = work / ".texts.json"
    cmd = [sys.executable, str(DRIVER), "probe"]
    if index is not None:
        cmd += ["--index", str(index)]
    if dump:
        cmd += ["--dump", str(dump_path)]
    cmd += ["--", *map(str, paths)]
    started = time.perf_counter()
    try:
        run = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, preexec_fn=_cap_memory
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"ingest of {[p.name for p in paths]} did not finish in {timeout:.0f} s")
    wall = time.perf_counter() - started
    assert run.returncode == 0, (
        f"ingest process died (exit {run.returncode}, signal if negative) on "
        f"{[p.name for p in paths]}:\n{run.stderr[-4000:]}"
    )
    data = json.loads(run.stdout.strip().splitlines()[-1])
    texts = json.loads(dump_path.read_text("utf-8")) if dump else {}
    outcome = Outcome(
        errors=data["errors"],
        documents=data["documents"],
        chunks=data["chunks"],
        seconds=data["seconds"],
        peak_rss_mib=data["peak_rss_mib"],
        texts=texts,
        indexed=data["indexed"],
    )
    assert wall < timeout
    return outcome


def _log(record: dict[str, Any]) -> None:
    target = os.environ.get("BRIEF_QA_ROBUSTNESS_LOG")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


@pytest.fixture(scope="session")
def good_chunks(tmp_path_factory: pytest.TempPathFactory) -> int:
    """Chunks the good brief gets when ingested alone (the baseline "nothing lost")."""
    folder = tmp_path_factory.mktemp("good")
    good = folder / GOOD_NAME
    shutil.copyfile(BRIEF_TXT, good)
    outcome = ingest_inline([good])
    assert outcome.errors == [], outcome.errors
    assert outcome.chunks.get(GOOD_ID, 0) > 5, outcome.chunks
    return outcome.chunks[GOOD_ID]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder holding the good brief; each test adds its bad file(s) beside it."""
    work = tmp_path / "in"
    work.mkdir()
    shutil.copyfile(BRIEF_TXT, work / GOOD_NAME)
    return work


def check_outcome(
    case: str,
    bad: Path,
    outcome: Outcome,
    good_chunks: int,
    *,
    expect: str = "error",
    **extra: Any,
) -> str | None:
    """The shared expectations; returns the error (or warning) naming `bad`, if any.

    `expect`: "error" — the bad file is not ingested and an error names it; "parsed" — it is
    ingested without an error; "named" — either, but something in `errors` names it (a
    document read with a warning counts).
    """
    named = outcome.errors_naming(bad)
    document = outcome.document_for(bad)
    message = named[0] if named else None
    _log(
        {
            "case": case,
            "file": bad.name,
            "size_bytes": bad.stat().st_size if bad.is_file() else None,
            "outcome": "read" if document else "refused",
            "chunks": outcome.chunks.get(document["id"], 0) if document else 0,
            "message": message,
            "seconds": outcome.seconds,
            "peak_rss_mib": outcome.peak_rss_mib,
            "good_brief_chunks": outcome.chunks.get(GOOD_ID, 0),
            "good_brief_expected": good_chunks,
            **extra,
        }
    )
    # Nothing else lost: the good brief beside it is ingested exactly as when alone.
    assert outcome.chunks.get(GOOD_ID) == good_chunks, (case, outcome.chunks, outcome.errors)
    for error in named:
        assert "Traceback" not in error and len(error) < 1500, error
        # "path: reason" — a reader warning the pipeline prefixes again reads "path: path: …".
        assert error.count(str(bad)) == 1, f"{case}: file named twice: {error}"
    if expect == "error":
        assert document is None, f"{case}: {bad.name} was ingested: {outcome.chunks}"
        assert named, f"{case}: no error names {bad}; errors: {outcome.errors}"
    elif expect == "parsed":
        assert document is not None, f"{case}: {bad.name} not ingested: {outcome.errors}"
        assert not any("Traceback" in e for e in outcome.errors)
    elif expect == "named":
        assert named, f"{case}: nothing names {bad}; errors: {outcome.errors}"
    return message


def texts_of(outcome: Outcome, bad: Path) -> str:
    document = outcome.document_for(bad)
    return outcome.texts.get(document["id"], "") if document else ""


# ------------------------------------------------------------------------------- PDF


PDF_CASES = {
    "garbage PDF (header + random bytes)": lambda p: hf.write_garbage_pdf(p),
    "corrupt PDF (middle third overwritten)": lambda p: hf.write_corrupt_pdf(p, BRIEF_PDF),
    "truncated PDF (first half)": lambda p: hf.write_truncated_pdf(p, BRIEF_PDF),
    "truncated PDF (first 1 KB)": lambda p: hf.write_truncated_pdf(p, BRIEF_PDF, 0.012),
    "encrypted PDF (user password)": lambda p: hf.write_encrypted_pdf(p, BRIEF_PDF),
    # A scan with words is read by OCR where tesseract is installed (tests/test_ocr.py).
    "image-only PDF (no text layer)": lambda p: hf.write_image_only_pdf(p, lines=0),
}


@pytest.mark.parametrize("case", list(PDF_CASES))
def test_broken_pdf(case: str, folder: Path, good_chunks: int) -> None:
    bad = PDF_CASES[case](folder / "bad.pdf")
    outcome = ingest_inline([folder])
    message = check_outcome(case, bad, outcome, good_chunks, expect="error")
    with pytest.raises(DocumentError) as caught:
        read_document(bad)
    assert bad.name in str(caught.value)
    if "encrypted" in case:
        assert message is not None and ("encrypt" in message or "password" in message), message
    if "image-only" in case:
        assert message is not None and "text" in message, message


def test_pdf_encrypted_with_an_empty_user_password_is_read(
    folder: Path, good_chunks: int
) -> None:
    """Owner-password-only PDFs open in every viewer without asking: they must be read."""
    bad = hf.write_encrypted_pdf(folder / "owner-only.pdf", BRIEF_PDF, user_password="")
    outcome = ingest_inline([folder])
    check_outcome("PDF encrypted with owner password only", bad, outcome, good_chunks,
                  expect="parsed")
    assert outcome.chunks[outcome.document_for(bad)["id"]] > 5  # type: ignore[index]


def test_pdf_with_thousands_of_pages(folder: Path, good_chunks: int) -> None:
    """5,000 pages: a clear page-limit error, or a parse that still finishes in bounded time."""
    bad = hf.write_many_pages_pdf(folder / "many-pages.pdf", BRIEF_PDF, pages=5000)
    outcome = ingest_isolated([folder], timeout=300)
    message = check_outcome(
        "PDF with 5,000 pages", bad, outcome, good_chunks, expect="named", pages=5000
    )
    assert outcome.seconds < 120, outcome.seconds
    if outcome.document_for(bad) is None:
        assert message is not None and "page" in message, message


@pytest.mark.slow
def test_pdf_at_the_page_limit_parses_in_bounded_time(folder: Path, good_chunks: int) -> None:
    """The largest PDF the reader accepts: a parse that finishes, within the memory cap."""
    from ingest.readers.pdf import PdfReader

    pages = PdfReader().max_pages
    bad = hf.write_many_pages_pdf(folder / "at-limit.pdf", BRIEF_PDF, pages=pages)
    outcome = ingest_isolated([folder], timeout=600)
    check_outcome(f"PDF with {pages:,} pages (the reader's limit)", bad, outcome, good_chunks,
                  expect="parsed", pages=pages)
    assert outcome.peak_rss_mib is not None and outcome.peak_rss_mib < 1024, outcome


# ------------------------------------------------------------------------------ DOCX


@pytest.fixture(scope="session")
def docx_bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """1.1 GB-inflating document.xml (5 MB on disk), honest and lying zip headers."""
    folder = tmp_path_factory.mktemp("bombs")
    return {
        "honest": hf.write_docx_bomb(folder / "bomb.docx"),
        "lying": hf.write_docx_bomb(folder / "bomb-lying.docx", lie_about_size=True),
    }


@pytest.mark.parametrize("variant", ["honest", "lying"])
def test_docx_decompression_bomb(
    variant: str, docx_bombs: dict[str, Path], folder: Path, good_chunks: int
) -> None:
    bad = folder / docx_bombs[variant].name
    os.link(docx_bombs[variant], bad)
    outcome = ingest_isolated([folder], timeout=120)
    header = "declared size honest" if variant == "honest" else "declared size 4 KiB (a lie)"
    check_outcome(f"DOCX bomb, 1.1 GB inflated ({header})", bad, outcome, good_chunks,
                  expect="error", inflated_bytes=1_100 * hf.MIB)
    # Refused without inflating it: far less memory than the member's real size.
    assert outcome.peak_rss_mib is not None and outcome.peak_rss_mib < 600, outcome
    assert outcome.seconds < 30, outcome


def test_docx_billion_laughs_is_not_expanded(folder: Path, good_chunks: int) -> None:
    bad = hf.write_billion_laughs_docx(folder / "laughs.docx")
    outcome = ingest_isolated([folder], timeout=60, dump=True)
    check_outcome("DOCX with billion-laughs entities", bad, outcome, good_chunks,
                  expect="named" if outcome.document_for(bad) is None else "parsed")
    text = texts_of(outcome, bad)
    assert "lollol" not in text and len(text) < 10_000, len(text)
    assert outcome.seconds < 10 and (outcome.peak_rss_mib or 0) < 600, outcome


def test_docx_external_entity_is_not_resolved(
    folder: Path, tmp_path: Path, good_chunks: int
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT-FROM-DISK", encoding="utf-8")
    bad = hf.write_xxe_docx(folder / "xxe.docx", secret)
    outcome = ingest_inline([folder])
    expect = "named" if outcome.document_for(bad) is None else "parsed"
    check_outcome("DOCX with an external entity (XXE)", bad, outcome, good_chunks, expect=expect)
    assert all("TOP-SECRET" not in text for text in outcome.texts.values())
    assert not any("TOP-SECRET" in e for e in outcome.errors)


DOCX_CASES = {
    "DOCX that is not a zip": lambda p: p.write_bytes(b"just some text, not a package\n"),
    "DOCX zip without word/document.xml": hf.write_docx_without_document,
    "DOCX with malformed document.xml": hf.write_docx_malformed_xml,
    "legacy .doc renamed .docx (OLE2)": lambda p: p.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)
    ),
}


@pytest.mark.parametrize("case", list(DOCX_CASES))
def test_broken_docx(case: str, folder: Path, good_chunks: int) -> None:
    bad = folder / "bad.docx"
    DOCX_CASES[case](bad)
    outcome = ingest_inline([folder])
    check_outcome(case, bad, outcome, good_chunks, expect="error")


# ------------------------------------------------------------------------------ HTML


def test_html_with_100k_nested_divs(folder: Path, good_chunks: int) -> None:
    bad = hf.write_deep_html(folder / "deep.html", depth=100_000)
    outcome = ingest_isolated([folder], timeout=120, dump=True)
    expect = "parsed" if outcome.document_for(bad) else "error"
    check_outcome("HTML with 100,000 nested <div>s", bad, outcome, good_chunks, expect=expect)
    if expect == "parsed":
        assert hf.VISIBLE_SENTENCE in texts_of(outcome, bad)
    assert outcome.seconds < 60, outcome


@pytest.mark.slow
def test_html_of_100_mb(folder: Path, good_chunks: int) -> None:
    """A size-limit error or a completed parse, within 3 minutes and the memory cap."""
    bad = hf.write_huge_html(folder / "huge.html", size_bytes=100 * hf.MIB)
    outcome = ingest_isolated([folder], timeout=300)
    expect = "parsed" if outcome.document_for(bad) else "error"
    check_outcome("HTML of 100 MB", bad, outcome, good_chunks, expect=expect)
    assert outcome.seconds < 180, outcome


@pytest.mark.slow
def test_html_just_under_the_size_limit(folder: Path, good_chunks: int) -> None:
    """The largest HTML page the reader accepts: parsed within 5 minutes and 2 GB."""
    from ingest.readers.html import HtmlReader

    size = HtmlReader().max_bytes - 2 * hf.MIB
    bad = hf.write_huge_html(folder / "near-limit.html", size_bytes=size)
    outcome = ingest_isolated([folder], timeout=300)
    check_outcome(f"HTML of {size / hf.MIB:.0f} MiB (just under the limit)", bad, outcome,
                  good_chunks, expect="parsed")
    assert outcome.peak_rss_mib is not None and outcome.peak_rss_mib < 2048, outcome


def test_html_scripts_and_handlers_never_reach_the_text(folder: Path, good_chunks: int) -> None:
    bad = hf.write_script_html(folder / "active.html")
    outcome = ingest_inline([folder])
    check_outcome("HTML with scripts, handlers, styles, javascript: URLs", bad, outcome,
                  good_chunks, expect="parsed")
    text = texts_of(outcome, bad)
    assert hf.VISIBLE_SENTENCE in text
    for sentinel in (hf.SCRIPT_SENTINEL, hf.HANDLER_SENTINEL, hf.STYLE_SENTINEL, hf.URL_SENTINEL):
        assert sentinel not in text, sentinel
    assert "alert(" not in text and "javascript:" not in text


# ------------------------------------------------------------------------------- TXT


def _assert_clean(text: str) -> None:
    bad = [c for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]
    assert not bad, [hex(ord(c)) for c in bad]
    text.encode("utf-8")  # no lone surrogates (surrogateescape leftovers)


def test_txt_control_characters_are_stripped(folder: Path, good_chunks: int) -> None:
    bad = folder / "controls.txt"
    bad.write_text(
        f"Title line\n\n{hf.GOOD_TXT_SENTENCE}\n\n{hf.CONTROL_TEXT}", encoding="utf-8"
    )
    outcome = ingest_inline([folder])
    check_outcome("TXT with control characters (NUL, ESC, C1, bidi)", bad, outcome,
                  good_chunks, expect="parsed")
    text = texts_of(outcome, bad)
    _assert_clean(text)
    assert hf.GOOD_TXT_SENTENCE in text


def test_txt_invalid_utf8(folder: Path, good_chunks: int) -> None:
    """Invalid byte sequences: read with a warning naming the file, or refused with an error."""
    bad = folder / "invalid-utf8.txt"
    bad.write_bytes(hf.GOOD_TXT_SENTENCE.encode() + b"\n\n" + hf.INVALID_UTF8)
    outcome = ingest_inline([folder])
    check_outcome("TXT with invalid UTF-8", bad, outcome, good_chunks, expect="named")
    if outcome.document_for(bad):
        _assert_clean(texts_of(outcome, bad))
        assert hf.GOOD_TXT_SENTENCE in texts_of(outcome, bad)


def test_txt_mixing_nul_bytes_and_invalid_utf8(folder: Path, good_chunks: int) -> None:
    bad = hf.write_hostile_txt(folder / "hostile.txt")
    outcome = ingest_inline([folder])
    check_outcome("TXT with NUL bytes and invalid UTF-8", bad, outcome, good_chunks,
                  expect="named")
    if outcome.document_for(bad):
        _assert_clean(texts_of(outcome, bad))


def test_txt_with_a_huge_footnote_and_reference_entry(folder: Path, good_chunks: int) -> None:
    """A 6 KB footnote and a 6 KB reference entry (a 12 KB file): linking them must stay
    near-linear (difflib title similarity on unbounded strings is quadratic)."""
    bad = hf.write_long_citation_txt(folder / "long-citation.txt", chars=6_000)
    outcome = ingest_isolated([folder], timeout=120)
    check_outcome("TXT with a 6 KB footnote and a 6 KB reference entry", bad, outcome,
                  good_chunks, expect="parsed")
    assert outcome.seconds < 2, outcome.seconds


def test_binary_file_named_txt(folder: Path, good_chunks: int) -> None:
    bad = hf.write_binary_as_txt(folder / "image.txt")
    outcome = ingest_inline([folder])
    check_outcome("binary data named .txt", bad, outcome, good_chunks, expect="error")


# ------------------------------------------------------------------ names and kinds


def _odd_names(directory: Path) -> Iterator[hf.OddName]:
    for odd in hf.unusual_names(".txt"):
        if hf.filesystem_allows(directory, odd.name):
            yield odd


def test_unusual_file_names_are_ingested(folder: Path, good_chunks: int) -> None:
    """Spaces, unicode, quotes, a leading dash, a newline, shell metacharacters: all fine."""
    odd = list(_odd_names(folder))
    assert len(odd) >= 5
    for item in odd:
        shutil.copyfile(BRIEF_TXT, folder / item.name)
    outcome = ingest_inline([folder])
    assert outcome.errors == [], outcome.errors
    ids = set()
    for item in odd:
        path = folder / item.name
        document = outcome.document_for(path)
        assert document is not None, item
        # Ids are slugs safe in URLs, file names and the CLI: no quotes, spaces, newlines.
        assert all(c.isalnum() or c == "-" for c in document["id"]), document
        assert outcome.chunks[document["id"]] == good_chunks, item
        ids.add(document["id"])
        check_outcome(f"file name with {item.label}", path, outcome, good_chunks,
                      expect="parsed")
    assert len(ids) == len(odd)  # no two documents collapse onto one id


EMPTY_SUFFIXES = (".pdf", ".docx", ".txt", ".md", ".html")


@pytest.mark.parametrize("suffix", EMPTY_SUFFIXES)
def test_empty_file(suffix: str, folder: Path, good_chunks: int) -> None:
    bad = folder / f"empty{suffix}"
    bad.write_bytes(b"")
    outcome = ingest_inline([folder])
    check_outcome(f"empty {suffix} file", bad, outcome, good_chunks, expect="error")


def test_whitespace_only_file(folder: Path, good_chunks: int) -> None:
    bad = folder / "blank.txt"
    bad.write_text("   \n\n\t\n  \n", encoding="utf-8")
    outcome = ingest_inline([folder])
    check_outcome("whitespace-only .txt file", bad, outcome, good_chunks, expect="error")


@pytest.mark.parametrize("name", ["notes.xyz", "README-no-extension", "brief.doc", "scan.png"])
def test_unknown_extension(name: str, folder: Path, good_chunks: int) -> None:
    bad = folder / name
    bad.write_bytes(b"some bytes\n")
    for how, paths in (("in a folder", [folder]), ("named", [bad, folder / GOOD_NAME])):
        outcome = ingest_inline(paths)
        message = check_outcome(f"unknown extension ({name}, {how})", bad, outcome,
                                good_chunks, expect="error")
        assert message is not None and "unsupported" in message, message


@pytest.mark.parametrize("suffix", [".txt", ".pdf", ".docx", ".html"])
def test_fifo_passed_by_name_does_not_hang(suffix: str, folder: Path, good_chunks: int) -> None:
    """A named pipe blocks forever when opened for reading: it must be refused, whatever its
    extension says."""
    bad = hf.make_fifo(folder / f"pipe{suffix}")
    outcome = ingest_isolated([bad, folder / GOOD_NAME], timeout=30)
    check_outcome(f"named pipe (FIFO) called {suffix}", bad, outcome, good_chunks,
                  expect="error")


def test_missing_path(folder: Path, good_chunks: int) -> None:
    missing = folder / "does-not-exist.pdf"
    outcome = ingest_inline([missing, folder / GOOD_NAME])
    assert any(str(missing) in e for e in outcome.errors), outcome.errors
    assert outcome.chunks.get(GOOD_ID) == good_chunks


# ---------------------------------------------------------- the index survives them all


def _every_bad_file(directory: Path) -> list[Path]:
    """One of each cheap bad file, in one folder."""
    made = [
        hf.write_garbage_pdf(directory / "garbage.pdf"),
        hf.write_truncated_pdf(directory / "truncated.pdf", BRIEF_PDF),
        hf.write_encrypted_pdf(directory / "locked.pdf", BRIEF_PDF),
        hf.write_image_only_pdf(directory / "scan.pdf", lines=0),
        hf.write_docx_without_document(directory / "hollow.docx"),
        hf.write_binary_as_txt(directory / "binary.txt"),
    ]
    for name in ("empty.pdf", "empty.docx", "empty.txt", "empty.html"):
        (directory / name).write_bytes(b"")
        made.append(directory / name)
    (directory / "notes.xyz").write_bytes(b"x")
    made.append(directory / "notes.xyz")
    return made


@pytest.fixture
def previous_index(tmp_path: Path, fake_embedder: FakeEmbedder) -> tuple[Path, str]:
    """An index built before the hostile ingest; returns (link, fingerprint)."""
    link = tmp_path / "index"
    corpus = build_corpus([BRIEF_TXT], fetch=None, progress=False, log=lambda _m: None)
    manifest = write_index(corpus, link, fake_embedder, progress=False)
    return link, manifest.fingerprint


def _answers(link: Path) -> str:
    index = SearchIndex.open(link, embedder=FakeEmbedder())
    assert index.search(QUERY, 5), "the index opened but found nothing"
    return index.manifest.fingerprint


def test_only_bad_files_leave_the_previous_index_untouched(
    tmp_path: Path, previous_index: tuple[Path, str]
) -> None:
    link, before = previous_index
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    bad = _every_bad_file(bad_dir)
    outcome = ingest_isolated([bad_dir], timeout=120, index=link)
    assert not outcome.documents and not outcome.indexed, outcome
    for path in bad:
        assert outcome.errors_naming(path), (path.name, outcome.errors)
    assert _answers(link) == before


def test_bad_files_beside_a_good_one_index_the_good_one(
    folder: Path, previous_index: tuple[Path, str], good_chunks: int
) -> None:
    link, before = previous_index
    bad = _every_bad_file(folder)
    outcome = ingest_isolated([folder], timeout=120, index=link)
    assert outcome.indexed
    for path in bad:
        assert outcome.errors_naming(path), (path.name, outcome.errors)
    assert outcome.chunks == {GOOD_ID: good_chunks}
    after = _answers(link)
    assert after != before  # a new version: the good brief under its new id
    index = SearchIndex.open(link, embedder=FakeEmbedder())
    assert {d.id for d in index.documents} == {GOOD_ID}
    assert len(index.errors) >= len(bad)  # recorded in the index for the UI to show


def _cli(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BRIEF_QA), *args], capture_output=True, text=True, timeout=timeout, cwd=cwd
    )


def test_cli_with_only_bad_files_exits_2_and_keeps_the_index(
    tmp_path: Path, previous_index: tuple[Path, str]
) -> None:
    link, before = previous_index
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    bad = _every_bad_file(bad_dir)
    odd = bad_dir / "-dash named\nscan.pdf"
    if hf.filesystem_allows(bad_dir, odd.name):
        hf.write_image_only_pdf(odd, lines=0)
        bad.append(odd)
    run = _cli(["ingest", "--index", str(link), "--no-fetch", "--quiet", "--", *map(str, bad)],
               cwd=tmp_path)
    assert run.returncode == 2, (run.returncode, run.stderr[-3000:])
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    for path in bad:
        assert str(path) in run.stderr, (path.name, run.stderr[-3000:])
    assert "previous index" in run.stderr
    assert _answers(link) == before


@pytest.mark.model
@pytest.mark.slow
def test_cli_with_bad_and_good_files_exits_1_and_indexes_the_good_one(
    folder: Path, tmp_path: Path
) -> None:
    bad = _every_bad_file(folder)
    link = tmp_path / "index"
    run = _cli(["ingest", "--index", str(link), "--no-fetch", "--quiet", str(folder)],
               cwd=tmp_path, timeout=600)
    assert run.returncode == 1, (run.returncode, run.stderr[-3000:])
    assert "Traceback" not in run.stderr
    for path in bad:
        assert str(path) in run.stderr, path.name
    assert "ingested 1 brief document(s)" in run.stdout, run.stdout
    index = SearchIndex.open(link)
    assert {d.id for d in index.documents} == {GOOD_ID}
    assert index.search(QUERY, 3)

