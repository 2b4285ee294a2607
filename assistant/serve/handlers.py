"""The app's event handlers: plain values in, component values out (tested directly).

`Handlers` serves the Ask, Check a claim and Footnotes & sources tabs and the JSON API
(`/ask`, `/check`, `/cite`); the Briefs tab is `assistant.serve.briefs_tab.BriefsTab`. They
call the shared `AssistantProvider` and hand its records to `assistant.present.markdown`,
which escapes everything taken from a passage. The layout that wires them is `app.py`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import gradio as gr

from assistant.answer.examples import example_questions
from assistant.present import markdown as render
from assistant.present import tables
from assistant.records import lookups_dict
from assistant.serve import requests as edge
from assistant.serve.api_sessions import forget_api_session
from assistant.serve.briefs_tab import BriefsTab
from assistant.serve.service import AssistantProvider
from ingest.errors import BriefQAError

# Shown until the page has loaded the briefs' own (`assistant.answer.examples`): true of any brief.
PLACEHOLDER_EXAMPLES = ["What is footnote 1?"]


def _badge(markdown: str, css_class: str) -> Any:
    return gr.update(value=markdown, elem_classes=["verdict", css_class])


class PageState(NamedTuple):
    """What `Handlers.on_load` fills in, in the order of the components it updates."""

    scope: Any  # the "Search in" dropdown
    citations: Any  # the footnotes & sources table
    footnote_picker: Any
    status: str  # the index line under the title
    examples: Any  # the example questions, from the loaded briefs
    title: str  # the page title (set in the browser)
    briefs_table: Any
    remove_picker: Any
    upload_group: Any
    admin_token: Any


class Handlers:
    """The app's event handlers: plain values in, component values out (testable directly)."""

    def __init__(self, provider: AssistantProvider) -> None:
        self.provider = provider
        self.briefs = BriefsTab(provider)

    # ---- Ask tab

    def respond(
        self,
        message: str,
        chat: list[dict[str, Any]] | None,
        turns: list[str] | None,
        scope: str | None = "all",
        k: float | int | None = 5,
    ) -> tuple[list[dict[str, Any]], list[str], str]:
        """One chat turn: (chat messages, raw user turns, cleared question box).

        `turns` keeps the user's questions unescaped for the follow-up `history`; the chat
        shows them escaped.
        """
        chat = list(chat or [])
        turns = list(turns or [])
        if not isinstance(message, str) or not message.strip():
            return chat, turns, ""
        text = edge.clean_text(message)
        chat.append({"role": "user", "content": render.escape_markdown(text)})
        try:
            where = edge.search_scope(scope)
            request = edge.ask_request(text, k, only=where.only, history=turns,
                                       brief=where.brief)
            answer = self.provider.ask(
                request.query, request.k, only=request.only, history=request.history,
                brief=request.brief,
            )
        except BriefQAError as exc:
            chat.append(render.error_message(str(exc)))
            return chat, turns, message
        chat.extend(render.answer_messages(answer))
        turns.append(text)
        return chat, turns, ""

    def clear(self) -> tuple[list[dict[str, Any]], list[str]]:
        return [], []

    # ---- Check tab

    def check(self, claim: str) -> tuple[Any, str, str]:
        """(badge, reason, evidence) for a claim; the badge's class colours it by verdict."""
        if not isinstance(claim, str) or not claim.strip():
            hint = "_Paste a claim to check it against the brief and its sources._"
            return _badge("", "verdict-none"), hint, ""
        try:
            verdict = self.provider.check(edge.claim_text(claim))
        except BriefQAError as exc:
            badge = _badge(render.warning("Cannot check this claim"), "verdict-error")
            return badge, render.escape_markdown(str(exc)), ""
        badge, reason, evidence = render.verdict_markdown(verdict)
        return _badge(badge, f"verdict-{verdict.verdict}"), reason, evidence

    # ---- Footnotes & sources tab

    def citation_rows(self) -> list[tables.CitationRow]:
        index = self.provider.assistant().index
        return tables.citation_rows(index.footnotes, index.references, index.sources,
                                    index.briefs)

    def on_load(self) -> PageState:
        """Fill everything that depends on what is loaded: the filter dropdown, the citations
        table, the footnote picker, the index line, the examples, the page title and the
        Briefs tab."""
        try:
            index = self.provider.assistant().index
        except BriefQAError as exc:
            same = gr.update()
            return PageState(same, same, same, render.warning(str(exc)), same, "brief-qa",
                             same, same, same, same)
        questions = example_questions(index.briefs, index.chunks) or PLACEHOLDER_EXAMPLES
        titles = "; ".join(" ".join((b.title or b.id).split()) for b in index.briefs)
        rows = tables.citation_rows(index.footnotes, index.references, index.sources,
                                    index.briefs)
        scopes = tables.documents_choices(index.documents, index.sources)
        footnotes = tables.footnote_choices(index.footnotes, index.briefs)
        status = tables.index_status(index.documents, index.footnotes, index.references,
                                     index.sources, len(index.chunks))
        return PageState(
            gr.update(choices=scopes, value="all"),
            gr.update(value=[r.cells() for r in rows]),
            gr.update(choices=footnotes, value=None),
            status,
            gr.update(samples=[[q] for q in questions]),
            f"brief-qa — {titles}"[:200] if titles else "brief-qa",
            *self.briefs.view(),
        )

    def lookup_footnote(self, value: float | int | str | None) -> str:
        """Markdown for a footnote ("brief-id:5" from the picker; a bare number: that footnote
        of every loaded brief): its text, status, the passages citing it, its source."""
        if value is None or value == "":
            return ""
        try:
            ref = edge.footnote_ref(value)
            lookups = self.provider.cite(ref.number, ref.brief)
        except BriefQAError as exc:
            return render.warning(str(exc))
        return tables.lookups_markdown(lookups)

    def select_row(self, evt: gr.SelectData) -> tuple[Any, str]:
        """A click in the table: show that footnote (or reference) below it."""
        row_index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        return self.show_row(int(row_index))

    def show_row(self, row_index: int) -> tuple[Any, str]:
        rows = self.citation_rows()
        if not 0 <= row_index < len(rows):
            return gr.update(), ""
        row = rows[row_index]
        if row.footnote_key is not None:
            return gr.update(value=row.footnote_key), self.lookup_footnote(row.footnote_key)
        index = self.provider.assistant().index
        citing = [
            f.number
            for f in index.footnotes
            if f.reference == row.reference and f.document_id == row.brief
        ]
        return gr.update(value=None), tables.reference_markdown(row, citing)

    # ---- API (gradio_client): JSON in, JSON out

    def api_ask(
        self,
        query: str,
        k: int = 5,
        mode: str = "hybrid",
        only: str | None = None,
        history: list[str] | None = None,
        brief: str | None = None,
        request: gr.Request | None = None,
    ) -> dict[str, Any]:
        """Answer `query`: the k best passages with their verbatim citations (`Answer.to_dict`).

        `only`: "brief", "sources" or a document id; `history`: earlier questions of the
        conversation, oldest first, for follow-ups; `brief`: a brief's id (that brief and the
        sources it cites).
        """
        try:
            asked = edge.ask_request(query, k, mode, only, history, brief)
            answer = self.provider.ask(
                asked.query, asked.k, mode=asked.mode, only=asked.only,
                history=asked.history, brief=asked.brief,
            )
        except BriefQAError as exc:
            raise gr.Error(str(exc)) from exc
        finally:
            forget_api_session(request)
        return answer.to_dict()

    def api_check(
        self, claim: str, brief: str | None = None, request: gr.Request | None = None
    ) -> dict[str, Any]:
        """Check `claim` against the briefs and their sources (of `brief` only, when given)."""
        try:
            return self.provider.check(edge.claim_text(claim), edge.brief_id(brief)).to_dict()
        except BriefQAError as exc:
            raise gr.Error(str(exc)) from exc
        finally:
            forget_api_session(request)

    def api_cite(
        self, number: int, brief: str | None = None, request: gr.Request | None = None
    ) -> dict[str, Any]:
        """Footnote `number` of each loaded brief that has one (of `brief` only, when given):
        `{"number", "brief", "lookups": [CitationLookup.to_dict(), ...]}`, one per brief."""
        try:
            wanted, scope = edge.footnote_number(number), edge.brief_id(brief)
            return lookups_dict(wanted, scope, self.provider.cite(wanted, scope))
        except BriefQAError as exc:
            raise gr.Error(str(exc)) from exc
        finally:
            forget_api_session(request)
