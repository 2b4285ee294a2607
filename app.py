"""The brief-qa web app: ask the brief, check a claim, browse footnotes and sources.

    python app.py [--index DIR] [--host 127.0.0.1] [--port 7860] [--offline | --no-fetch]

Building `demo` loads nothing: the index is opened once per process on first use and shared by
every session (`assistant.serve.service.AssistantProvider`); the embedding model runs in a child
process (`index.embed_process`), started in the background at launch. `python app.py` ingests
`corpus/` first when there is no index yet, then serves on loopback only unless `--host` says
otherwise. This module is the layout and the command line; the handlers
(`assistant.serve.handlers`) are thin: they call the provider and hand its records to
`assistant.present.markdown`, which escapes everything taken from a passage. The theme and
CSS are `assistant.serve.theme`.

API (gradio_client): `/ask`, `/check`, `/cite` return the records' `to_dict()` JSON.
"""

from __future__ import annotations

import os

# Before gradio (and huggingface_hub) are imported: nothing may phone home or download.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Gradio's queue rebuilds a pandas summary of its last 10,000 events after every event, for a
# monitoring dashboard this app does not enable: measured as half the server's CPU under load.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(2**62))
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1000")

import argparse
import importlib.util
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if importlib.util.find_spec("matplotlib") is None:
    # Gradio tries `import matplotlib` around every event; a module that is not installed is
    # searched for on disk each time (measured: 5% of the server's CPU under load). None in
    # sys.modules makes the import fail at once, as it would anyway.
    sys.modules["matplotlib"] = None  # type: ignore[assignment]

import gradio as gr

from assistant.cli.options import add_index_argument
from assistant.present import tables
from assistant.serve import body_limit
from assistant.serve import requests as edge
from assistant.serve.briefs_tab import BRIEF_HEADERS, UPLOAD_TYPES
from assistant.serve.handlers import PLACEHOLDER_EXAMPLES, Handlers
from assistant.serve.service import CONCURRENCY_LIMIT, AssistantProvider
from assistant.serve.theme import CSS, THEME
from assistant.serve.uploads import ADMIN_TOKEN_ENV, UploadPolicy
from index.files import has_index
from ingest.errors import BriefQAError

REPO = Path(__file__).resolve().parent
DEFAULT_CORPUS = REPO / "corpus"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860

# Gradio runs this many events at once: more than CONCURRENCY_LIMIT, so that a cached answer or
# a page load does not wait behind questions being computed. The rest wait in a bounded queue,
# so overload is refused rather than hoarded.
MAX_THREADS = CONCURRENCY_LIMIT + 4
MAX_QUEUE = 256
MAX_K = edge.MAX_K
SESSION_CAPACITY = 500


def launch_options() -> dict[str, Any]:
    """Keyword arguments every launch uses (the CLI, the tests and the benchmark)."""
    return {
        "theme": THEME,
        "css": CSS,
        "footer_links": ["api"],
        "show_error": True,
        # Gradio keeps a copy of the UI config (~70 KB) per session, and every API call is a
        # session: its default of 10,000 lets memory grow by ~700 MB under load. A committee
        # has far fewer open browser tabs than this.
        "state_session_capacity": SESSION_CAPACITY,
        "max_threads": MAX_THREADS,
        # Request bodies are capped before Gradio reads them: 413 past the cap (issue 15).
        "app_kwargs": body_limit.app_kwargs(),
        "max_file_size": body_limit.max_upload_body_bytes(),
    }


# ------------------------------------------------------------------ layout


def build_demo(provider: AssistantProvider, handlers: Handlers | None = None) -> gr.Blocks:
    """The UI. Nothing is loaded here: the index fills in on page load (`Handlers.on_load`)."""
    handlers = handlers or Handlers(provider)
    with gr.Blocks(title="brief-qa — ask the brief") as demo:
        gr.Markdown(
            "# brief-qa\n"
            "Ask the background brief and the sources it cites. Every sentence shown is a real "
            "passage, with its original footnotes word for word — nothing is generated."
        )
        status = gr.Markdown(elem_id="index-status")
        with gr.Tabs():
            with gr.Tab("Ask", id="ask", elem_id="tab-ask"):
                with gr.Row():
                    scope = gr.Dropdown(
                        choices=[("Everything (brief and cited sources)", "all")],
                        value="all",
                        label="Search in",
                        elem_id="scope",
                        scale=3,
                    )
                    k = gr.Slider(1, MAX_K, value=5, step=1, label="Passages", scale=1)
                chatbot = gr.Chatbot(
                    elem_id="chat",
                    label="Answers",
                    height=620,
                    buttons=["copy", "copy_all"],
                    group_consecutive_messages=False,
                    latex_delimiters=[],
                    feedback_options=None,
                    placeholder="Ask a question about the brief. Each answer quotes the passages "
                    "and their footnotes; follow-up questions build on the conversation.",
                )
                turns = gr.State([])
                with gr.Row():
                    question = gr.Textbox(
                        placeholder="Ask about the loaded briefs, or look up a footnote: "
                        "\"footnote 5\"",
                        show_label=False,
                        elem_id="question",
                        scale=6,
                        max_length=4000,
                    )
                    ask = gr.Button("Ask", variant="primary", elem_id="ask-button", scale=1)
                    new = gr.Button("New conversation", elem_id="new-chat", scale=1)
                examples = gr.Examples(
                    PLACEHOLDER_EXAMPLES, inputs=question, label="Try one of these"
                )
            with gr.Tab("Check a claim", id="check", elem_id="tab-check"):
                gr.Markdown(
                    "For chairs: paste a delegate's claim; see whether the brief or its sources "
                    "support it, contradict it, or say nothing about it — with the evidence."
                )
                claim = gr.Textbox(label="Claim", lines=3, elem_id="claim", max_length=4000)
                check = gr.Button("Check", variant="primary", elem_id="check-button")
                badge = gr.Markdown(elem_id="verdict-badge")
                reason = gr.Markdown(elem_id="verdict-reason")
                evidence = gr.Markdown(elem_id="verdict-evidence")
            with gr.Tab("Footnotes & sources", id="footnotes", elem_id="tab-footnotes"):
                gr.Markdown(
                    "Every footnote and reference of the brief with the status of the source it "
                    "cites. Click a row (or pick a footnote) to see the passages that cite it and "
                    "what the source says on the cited page."
                )
                table = gr.Dataframe(
                    headers=tables.CITATION_HEADERS,
                    datatype=["str"] * len(tables.CITATION_HEADERS),
                    interactive=False,
                    wrap=True,
                    elem_id="citations-table",
                    column_widths=["9%", "51%", "20%", "8%", "12%"],
                )
                footnote = gr.Dropdown(label="Footnote", choices=[], elem_id="footnote-pick")
                lookup = gr.Markdown(elem_id="citation-lookup")
            with gr.Tab("Briefs", id="briefs", elem_id="tab-briefs"):
                gr.Markdown(
                    "The briefs loaded in this index. Each brief's footnotes are its own: a "
                    "passage only ever carries the footnotes of the brief it comes from."
                )
                briefs_table = gr.Dataframe(
                    headers=BRIEF_HEADERS,
                    datatype=["str", "str", "str", "number", "number", "str"],
                    interactive=False,
                    wrap=True,
                    elem_id="briefs-table",
                )
                with gr.Group(visible=False, elem_id="upload-group") as upload_group:
                    gr.Markdown(
                        "Add a brief (PDF, Word, HTML, Markdown or text). It is read and "
                        "indexed in the background; every session sees it at its next "
                        "question. Cited sources are fetched by `brief-qa ingest`, not here."
                    )
                    upload = gr.File(label="Brief", file_types=UPLOAD_TYPES, type="filepath",
                                     elem_id="upload-file")
                    admin_token = gr.Textbox(label="Admin token", type="password",
                                             visible=False, elem_id="admin-token")
                    add_brief = gr.Button("Add brief", variant="primary", elem_id="add-brief")
                    remove_pick = gr.Dropdown(label="Remove a brief", choices=[],
                                              elem_id="remove-pick")
                    remove_brief = gr.Button("Remove brief", variant="stop",
                                             elem_id="remove-brief")
                job_status = gr.Markdown(elem_id="upload-status")
        page_title = gr.Textbox(visible=False)
        briefs_view = [briefs_table, remove_pick, upload_group, admin_token]

        # UI events are private (not callable by API clients) and named so that the public
        # endpoints keep the plain names `ask`, `check` and `cite`.
        def private(name: str) -> dict[str, Any]:
            return {"api_name": f"ui_{name}", "api_visibility": "private"}

        ask_inputs = [question, chatbot, turns, scope, k]
        ask_outputs = [chatbot, turns, question]
        ask.click(handlers.respond, ask_inputs, ask_outputs, **private("ask"))
        question.submit(handlers.respond, ask_inputs, ask_outputs, **private("ask_submit"))
        examples.load_input_event.then(
            handlers.respond, ask_inputs, ask_outputs, **private("ask_example")
        )
        new.click(handlers.clear, None, [chatbot, turns], **private("new_chat"))
        chatbot.clear(handlers.clear, None, [chatbot, turns], **private("clear_chat"))
        verdict_outputs = [badge, reason, evidence]
        check.click(handlers.check, claim, verdict_outputs, **private("check"))
        claim.submit(handlers.check, claim, verdict_outputs, **private("check_submit"))
        table.select(handlers.select_row, None, [footnote, lookup], **private("select_row"))
        footnote.input(handlers.lookup_footnote, footnote, lookup, **private("footnote"))
        loaded = [scope, table, footnote, status, examples.dataset, page_title, *briefs_view]
        demo.load(handlers.on_load, None, loaded, **private("load")).then(
            None, page_title, None, js="(title) => { document.title = title; }"
        )
        upload_inputs = [upload, admin_token]
        upload_outputs = [job_status, briefs_table]
        add_brief.click(handlers.briefs.add, upload_inputs, upload_outputs,
                        **private("add_brief")).then(handlers.on_load, None, loaded,
                                                     **private("reload_after_add"))
        remove_brief.click(handlers.briefs.remove, [remove_pick, admin_token], upload_outputs,
                           **private("remove_brief")).then(handlers.on_load, None, loaded,
                                                           **private("reload_after_remove"))

        gr.api(handlers.api_ask, api_name="ask")
        gr.api(handlers.api_check, api_name="check")
        gr.api(handlers.api_cite, api_name="cite")
    demo.queue(default_concurrency_limit=MAX_THREADS, max_size=MAX_QUEUE)
    return demo


PROVIDER = AssistantProvider()
HANDLERS = Handlers(PROVIDER)
demo = build_demo(PROVIDER, HANDLERS)


# ------------------------------------------------------------------ command line


def ensure_index(
    index_dir: Path, corpus: Path = DEFAULT_CORPUS, fetch_options: Sequence[str] = ()
) -> int:
    """Ingest `corpus` into `index_dir` on first run only (no such directory); exit status.

    `fetch_options` go to `brief-qa ingest` (`--offline`, `--no-fetch`): by default the cited
    sources are fetched from the web, which is the point of the tool but needs a network.
    """
    if index_dir.exists():
        # Never replace what the user pointed at: a damaged index (say, a lost manifest) is
        # reported with the command that rebuilds it, not silently re-ingested from corpus/.
        return 0
    print(f"no index at {index_dir}: ingesting {corpus} (first run only)…", file=sys.stderr)
    # In a child process: the model it loads to embed the corpus would otherwise stay in the
    # server's memory (the server's own model runs in a process of its own).
    command = [sys.executable, "-m", "assistant.cli.main", "ingest", str(corpus),
               "--index", str(index_dir), *fetch_options]
    status = subprocess.run(command, cwd=REPO, check=False).returncode
    # A partial ingest (exit 1: some document failed) still leaves a usable index.
    return 0 if status in (0, 1) and has_index(index_dir) else status or 2


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="app.py", description="Serve the brief-qa web app (ingests corpus/ on first run)."
    )
    add_index_argument(parser)
    parser.add_argument(
        "--host", default=DEFAULT_HOST,
        help="address to listen on (default 127.0.0.1; 0.0.0.0 exposes it to the network)",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 7860)")
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS,
        help="what to ingest when there is no index yet (default: corpus/)",
    )
    fetching = parser.add_mutually_exclusive_group()
    fetching.add_argument(
        "--offline", action="store_true",
        help="first-run ingest sends nothing: cited sources from the fetch cache/mirror only",
    )
    fetching.add_argument(
        "--no-fetch", action="store_true",
        help="first-run ingest indexes the brief only, without its cited sources",
    )
    parser.add_argument(
        "--allow-upload", action="store_true",
        help=f"let users add and remove briefs in the Briefs tab (on loopback; beyond it, "
        f"set an admin token in ${ADMIN_TOKEN_ENV}, which also enables uploads)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    PROVIDER.configure(args.index)
    HANDLERS.briefs.policy = UploadPolicy.for_server(args.allow_upload, args.host)
    if args.allow_upload and not HANDLERS.briefs.policy.enabled:
        print(f"warning: uploads stay off: listening on {args.host} needs an admin token in "
              f"${ADMIN_TOKEN_ENV}", file=sys.stderr)
    index_dir = PROVIDER.index_dir
    fetch_options = ["--offline"] if args.offline else ["--no-fetch"] if args.no_fetch else []
    status = ensure_index(index_dir, args.corpus, fetch_options)
    if status:
        return status
    try:
        PROVIDER.assistant()  # fail fast on a missing or corrupt index, before serving
    except BriefQAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    PROVIDER.warm_up()
    demo.launch(server_name=args.host, server_port=args.port, **launch_options())
    return 0


if __name__ == "__main__":
    sys.exit(main())
