"""The app's Briefs tab: what is loaded, and (where the server allows it) adding and removing.

Handlers are plain methods (tested directly); adding and removing are generators that yield
the job's progress until the new index version is in place. The permission check happens
here, on the server, for every request; hiding the controls is only a courtesy.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.cli.briefs import brief_rows
from assistant.present import markdown as render
from assistant.serve.service import AssistantProvider
from assistant.serve.uploads import Job, Librarian, UploadPolicy
from ingest.errors import BriefQAError

BRIEF_HEADERS = ["ID", "Title", "Committee / topic", "Pages", "Footnotes", "Sources"]
UPLOAD_TYPES = [".pdf", ".docx", ".html", ".htm", ".md", ".txt"]
POLL_SECONDS = 0.25
JOB_TIMEOUT_SECONDS = 600


class BriefsTab:
    def __init__(self, provider: AssistantProvider, policy: UploadPolicy | None = None) -> None:
        self.provider = provider
        self.policy = policy or UploadPolicy()
        self._librarian: Librarian | None = None

    @property
    def librarian(self) -> Librarian:
        if self._librarian is None:  # its worker thread starts with the first upload
            self._librarian = Librarian(self.provider)
        return self._librarian

    def rows(self) -> list[list[Any]]:
        try:
            index = self.provider.assistant().index
        except BriefQAError:
            return []
        return [
            [
                row["id"],
                row["title"],
                " · ".join(line for line in row["masthead"] if line != row["title"]),
                row["pages"],
                row["footnotes"],
                f"{row['sources_indexed']} of {row['sources']} indexed",
            ]
            for row in brief_rows(index)
        ]

    def view(self) -> tuple[Any, Any, Any, Any]:
        """(briefs table, remove picker, upload controls, token box) for the page as loaded."""
        rows = self.rows()
        return (
            gr.update(value=rows),
            gr.update(choices=[(f"{r[0]} — {r[1]}"[:100], r[0]) for r in rows], value=None),
            gr.update(visible=self.policy.enabled),
            gr.update(visible=self.policy.token is not None),
        )

    def add(self, upload: Any, token: str | None = None) -> Iterator[tuple[str, Any]]:
        """Add the uploaded file as a brief; yields (status, briefs table) as it goes."""
        refusal = self.policy.refusal(token)
        if refusal is not None:
            yield render.warning(refusal), gr.update()
            return
        path = _upload_path(upload)
        if path is None:
            yield render.warning("Choose a file to add first."), gr.update()
            return
        try:
            job = self.librarian.add(path, path.name)
        except BriefQAError as exc:
            yield render.warning(str(exc)), gr.update()
            return
        yield from self._follow(job)

    def remove(self, brief_id: str | None, token: str | None = None) -> Iterator[tuple[str, Any]]:
        refusal = self.policy.refusal(token)
        if refusal is not None:
            yield render.warning(refusal), gr.update()
            return
        if not brief_id:
            yield render.warning("Pick the brief to remove first."), gr.update()
            return
        yield from self._follow(self.librarian.remove(str(brief_id)))

    def _follow(self, job: Job) -> Iterator[tuple[str, Any]]:
        deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
        shown = -1
        while not job.done.wait(POLL_SECONDS) and time.monotonic() < deadline:
            if len(job.steps) != shown:
                shown = len(job.steps)
                yield _progress(job), gr.update()
        yield _progress(job), gr.update(value=self.rows())


def _progress(job: Job) -> str:
    what = render.escape_markdown(f"{job.action.title()} {job.target}")
    lines = [f"**{what}** — {job.state}"]
    lines += [f"- {render.escape_markdown(step)}" for step in job.steps]
    if job.error:
        lines.append(render.warning(job.error))
    return "\n".join(lines)


def _upload_path(upload: Any) -> Path | None:
    """The temporary file Gradio wrote the upload to (a path, or a dict with one)."""
    if isinstance(upload, dict):
        upload = upload.get("path")
    if isinstance(upload, (str, Path)) and str(upload):
        return Path(upload)
    return None
