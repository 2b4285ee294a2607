"""Briefs added to and removed from a running app: checked, queued, ingested one at a time.

An upload is typed by its bytes (never by its name or the browser's word), capped in size,
stored under a sanitised name in `<index folder>/../uploads/` (nothing there is served), and
ingested by one worker thread: the index's records plus the new brief are written as a new
index version (only the new chunks are embedded; the others' vectors are reused) and swapped
in atomically. The app opens the new version at each session's next question
(`AssistantProvider.assistant`). A failed job leaves the index as it was and says why.

Uploads are off unless the server enables them (`--allow-upload`, or an admin token in
`BRIEF_QA_ADMIN_TOKEN`); a server listening beyond loopback needs the token.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import shutil
import threading
import time
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from queue import Queue
from typing import TYPE_CHECKING, Literal

from ingest.errors import BriefQAError

if TYPE_CHECKING:
    from assistant.serve.service import AssistantProvider

ADMIN_TOKEN_ENV = "BRIEF_QA_ADMIN_TOKEN"
MAX_UPLOAD_ENV = "BRIEF_QA_MAX_UPLOAD_MB"
DEFAULT_MAX_UPLOAD_MB = 25
MAX_NAME_CHARS = 80
# What a brief can be, by its first bytes (and, for a zip, what is inside).
UploadKind = Literal[".pdf", ".docx", ".html", ".md", ".txt"]
JobState = Literal["queued", "running", "done", "failed"]


class UploadError(BriefQAError):
    """An upload refused before anything was ingested; names the file."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        super().__init__(f"{name}: {reason}")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def max_upload_bytes() -> int:
    raw = os.environ.get(MAX_UPLOAD_ENV, "")
    try:
        megabytes = float(raw) if raw else DEFAULT_MAX_UPLOAD_MB
    except ValueError:
        megabytes = DEFAULT_MAX_UPLOAD_MB
    return int(max(0.0, megabytes) * 1024 * 1024)


def sniff(head: bytes, path: Path | None = None) -> UploadKind | None:
    """The document type `head` (the file's first KiB) shows, or None: a PDF by its header,
    a DOCX by the Word part inside its zip, HTML by its markup, else UTF-8 text."""
    if head.lstrip()[:5] == b"%PDF-" or head[:1024].find(b"%PDF-") == 0:
        return ".pdf"
    if head[:4] == b"PK\x03\x04":
        if path is None:
            return None
        try:
            with zipfile.ZipFile(path) as archive:
                return ".docx" if "word/document.xml" in archive.namelist() else None
        except (zipfile.BadZipFile, OSError):
            return None
    if b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            return None
        text = head[: exc.start].decode("utf-8")
    start = text.lstrip("\ufeff \t\r\n")[:200].lower()
    if start.startswith(("<!doctype html", "<html", "<?xml")) or "<body" in start:
        return ".html"
    if re.search(r"^#{1,6} |\*\*|\]\(", text, re.MULTILINE):
        return ".md"
    return ".txt"


def safe_name(name: str, kind: UploadKind) -> str:
    """A file name that is only letters, digits, dots, dashes and underscores, with the
    sniffed suffix: no path, no hidden file, no control or look-alike characters."""
    stem = Path(name.replace("\\", "/")).name
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_.")[:MAX_NAME_CHARS] or "brief"
    return f"{stem}{kind}"


@dataclass
class Job:
    """One add or remove, as the page shows it."""

    action: Literal["add", "remove"]
    target: str  # the file name shown, or the brief id
    state: JobState = "queued"
    steps: list[str] = field(default_factory=list)
    error: str | None = None
    brief_ids: tuple[str, ...] = ()
    done: threading.Event = field(default_factory=threading.Event)

    def log(self, step: str) -> None:
        self.steps.append(step)

    @property
    def summary(self) -> str:
        if self.state == "failed":
            return f"{self.action} {self.target}: failed — {self.error}"
        last = self.steps[-1] if self.steps else self.state
        return f"{self.action} {self.target}: {last}"


@dataclass(frozen=True)
class UploadPolicy:
    """Whether this server takes uploads, and the token it asks for (None: no token)."""

    enabled: bool = False
    token: str | None = None

    @classmethod
    def for_server(cls, allow_upload: bool, host: str) -> UploadPolicy:
        """`--allow-upload` or a token in the environment enables uploads; beyond loopback
        only with the token (anyone who can reach the port could change the index)."""
        token = os.environ.get(ADMIN_TOKEN_ENV) or None
        loopback = host in ("127.0.0.1", "localhost", "::1")
        if token is not None:
            return cls(enabled=True, token=token)
        return cls(enabled=allow_upload and loopback)

    def refusal(self, token: str | None) -> str | None:
        """Why a request with `token` may not change the index, or None when it may."""
        if not self.enabled:
            return "uploads are off on this server (start it with --allow-upload)"
        if self.token is not None and not hmac.compare_digest(
            (token or "").encode(), self.token.encode()
        ):
            return "wrong or missing admin token"
        return None


class Librarian:
    """Takes add/remove requests for the provider's index and runs them one at a time on its
    own thread (two uploads at once are two jobs in a row, never two writers)."""

    def __init__(self, provider: AssistantProvider) -> None:
        self.provider = provider
        self._queue: Queue[tuple[Job, Callable[[], None]]] = Queue()
        self._lock = threading.Lock()
        self.jobs: list[Job] = []
        self._worker = threading.Thread(target=self._run, name="brief-qa-uploads", daemon=True)
        self._worker.start()

    @property
    def uploads_dir(self) -> Path:
        """Beside the index, never inside anything the app serves."""
        return self.provider.index_dir.absolute().parent / "uploads"

    def add(self, upload: Path, original_name: str) -> Job:
        """Check `upload` (a temporary file from the browser), store it, queue its ingest.
        Raises `UploadError` for an upload refused outright (too large, not a document)."""
        shown = safe_name(original_name or upload.name, ".txt").rsplit(".", 1)[0]
        try:
            size = upload.stat().st_size
            with upload.open("rb") as handle:
                head = handle.read(4096)
        except OSError as exc:
            raise UploadError(shown, f"cannot read the upload: {exc.strerror or exc}") from exc
        limit = max_upload_bytes()
        if size > limit:
            raise UploadError(shown, f"{size / 1048576:.1f} MB is over the {limit // 1048576} MB "
                                     f"limit ({MAX_UPLOAD_ENV})")
        if size == 0:
            raise UploadError(shown, "the file is empty")
        kind = sniff(head, upload)
        if kind is None:
            raise UploadError(shown, "not a PDF, Word (.docx), HTML, Markdown or text document")
        stored = self._store(upload, safe_name(original_name or upload.name, kind))
        job = Job(action="add", target=stored.name)
        self._submit(job, lambda: self._add(job, stored))
        return job

    def remove(self, brief_id: str) -> Job:
        job = Job(action="remove", target=brief_id)
        self._submit(job, lambda: self._remove(job, brief_id))
        return job

    def _add(self, job: Job, stored: Path) -> None:
        from index.writer import write_index
        from ingest.conference import add_briefs

        try:
            index = self.provider.ready().index  # the newest version, model loaded
            digest = sha256_of(stored)
            same = next((b for b in index.briefs if b.sha256 == digest), None)
            if same is not None:
                raise UploadError(stored.name, f"this file is already loaded as {same.id!r}")
            job.log("reading the document")
            before = set(index.corpus().errors)
            added = add_briefs(index.corpus(), [stored])
            problems = [e for e in added.corpus.errors if e not in before]
            if not added.brief_ids:
                raise UploadError(stored.name, "; ".join(problems) or "nothing could be read")
            (brief_id,) = added.brief_ids
            notes = sum(1 for f in added.corpus.footnotes if f.document_id == brief_id)
            chunks = sum(1 for c in added.corpus.chunks if c.document_id == brief_id)
            job.log(f"read: {chunks} passages, {notes} footnotes; embedding the new passages")
            for problem in problems:
                job.log(f"warning: {problem}")
            manifest = write_index(added.corpus, index.path, index.embedder, progress=False)
        except BaseException:
            stored.unlink(missing_ok=True)  # nothing of a failed upload is kept
            raise
        job.brief_ids = added.brief_ids
        job.log(f"indexed ({manifest.embedded_count} passages embedded, "
                f"{manifest.reused_count} reused); it is searchable at the next question")

    def _remove(self, job: Job, brief_id: str) -> None:
        from index.writer import write_index
        from ingest.conference import remove_brief

        index = self.provider.ready().index
        document = index.require_brief(brief_id)
        job.log("removing its passages, footnotes and the sources only it cites")
        manifest = write_index(remove_brief(index.corpus(), brief_id), index.path,
                               index.embedder, progress=False)
        origin = Path(document.origin)
        if origin.parent == self.uploads_dir:  # a brief uploaded here; corpus/ is the user's
            origin.unlink(missing_ok=True)
        job.brief_ids = (brief_id,)
        job.log(f"removed ({manifest.chunk_count} passages left)")

    def wait(self, job: Job, timeout: float | None = None) -> bool:
        return job.done.wait(timeout)

    def _store(self, upload: Path, name: str) -> Path:
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        stem, suffix = name.rsplit(".", 1)
        with self._lock:  # two uploads of one name get two files, never one overwritten
            target, n = self.uploads_dir / name, 2
            while target.exists():
                target, n = self.uploads_dir / f"{stem}-{n}.{suffix}", n + 1
            tmp = target.with_name(f".{target.name}.part")
            shutil.copyfile(upload, tmp)
            os.replace(tmp, target)
        return target

    def _submit(self, job: Job, work: Callable[[], None]) -> None:
        with self._lock:
            self.jobs = [*self.jobs[-19:], job]
        self._queue.put((job, work))

    def _run(self) -> None:
        while True:
            job, work = self._queue.get()
            job.state = "running"
            started = time.perf_counter()
            try:
                work()
            except BriefQAError as exc:
                job.state, job.error = "failed", str(exc)
            except Exception as exc:  # a bug must not kill the worker for everyone after
                job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"
            else:
                job.state = "done"
                job.log(f"done in {time.perf_counter() - started:.1f} s")
            finally:
                job.done.set()
