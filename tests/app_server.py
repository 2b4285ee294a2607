"""Fixture helpers for the app tests: a small synthetic index, and the app on a free port.

The synthetic corpus has the shape of a real brief: numbered footnotes on brief passages, a
reference list, a fetched PDF source with text on the page a footnote cites, a source whose
text is hostile (script tags, an `onerror` image, a `javascript:` link), and sources in each
fetch status. Only `write_index` and the records are used, so these tests do not depend on
the readers.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from index_helpers import laid_out_chunks

from ingest.records import (
    Corpus,
    Document,
    Footnote,
    Reference,
    Source,
    SourceCitation,
)

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # `import app` from the repository root
    sys.path.insert(0, str(REPO))

REPORT_URL = "https://reports.example.org/global-report-2024.pdf"
EXPLAINER_URL = "https://explainer.example.org/child-trafficking"
BLOG_URL = "https://blog.example.org/shelters"

HOSTILE_TEXT = (
    "Rescue shelters offer counselling <script>alert(1)</script> to survivors "
    "<img src=x onerror=alert(1)> and the [link](javascript:alert(1)) lists hotlines."
)
BRIEF_TITLE = "Committee X — Topic B: Protecting child victims of trafficking"

# (text, section path, printed page, footnote numbers at the end of the text)
BRIEF_PASSAGES: tuple[tuple[str, tuple[str, ...], str, tuple[int, ...]], ...] = (
    (
        "Child trafficking is the recruitment, transport and exploitation of minors for "
        "forced labour or sexual abuse.",
        ("Introduction",), "1", (1,),
    ),
    (
        "In 2022, children accounted for 38% of detected victims of trafficking worldwide.",
        ("Current issue",), "2", (2,),
    ),
    (
        "Girls represented 22% of total detected victims and boys 16%, girls mostly for "
        "sexual exploitation and boys for forced labour.",
        ("Current issue",), "2", (2,),
    ),
    (
        "The Palermo Protocol was adopted in 2000 to prevent and punish trafficking in persons.",
        ("Initiatives", "Legal frameworks"), "3", (3,),
    ),
    (
        "Interpol operations released thousands of children held by trafficking networks.",
        ("Initiatives", "Cooperation"), "3", (),
    ),
    (
        "Shelters provide counselling and safe housing to rescued children.",
        ("Initiatives", "Assistance"), "4", (4,),
    ),
)

REPORT_PAGES: tuple[tuple[str, str], ...] = (
    ("7", "The report covers data on trafficking from 141 countries and territories."),
    ("42", "Children account for 38 per cent of the detected victims in 2022; girls are 22 "
           "per cent and boys 16 per cent of all detected victims."),
)

FOOTNOTES: tuple[Footnote, ...] = (
    Footnote(
        number=1,
        text=f"Agency A. *Explainer: child trafficking*. In: <{EXPLAINER_URL}> (14/01/2025).",
        urls=(EXPLAINER_URL,), reference=1, document_id="brief", printed_on_page="1",
    ),
    Footnote(
        number=2, text="Agency B. *Global Report on Trafficking 2024*. (11/02/2025). p. 42",
        urls=(REPORT_URL,), pages=("42",), reference=2, document_id="brief",
        printed_on_page="2",
    ),
    Footnote(
        number=3, text="Office C. *Protocol to Prevent Trafficking in Persons*. (14/01/2025).",
        reference=3, document_id="brief", printed_on_page="3",
    ),
    Footnote(
        number=4, text=f"Blog D. *Shelters*. In: <{BLOG_URL}> (14/01/2025).",
        urls=(BLOG_URL,), document_id="brief", printed_on_page="4",
    ),
)

REFERENCES: tuple[Reference, ...] = (
    Reference(index=1, text=f"Agency A. Explainer: child trafficking. In: <{EXPLAINER_URL}>",
              title="Explainer: child trafficking", organisation="Agency A", url=EXPLAINER_URL,
              document_id="brief"),
    Reference(index=2, text=f"Agency B. Global Report on Trafficking 2024. In: <{REPORT_URL}>",
              title="Global Report on Trafficking 2024", organisation="Agency B",
              url=REPORT_URL, document_id="brief"),
    Reference(index=3, text="Office C. Protocol to Prevent Trafficking in Persons.",
              title="Protocol to Prevent Trafficking in Persons", organisation="Office C",
              document_id="brief"),
)


def synthetic_corpus() -> Corpus:
    brief = Document(id="brief", title=BRIEF_TITLE, kind="brief", origin="brief.pdf",
                     sha256="0" * 64, page_count=4)
    report = Document(id="global-report", title="Global Report on Trafficking 2024",
                      kind="source", origin=REPORT_URL, sha256="1" * 64, page_count=90,
                      url=REPORT_URL, content_type="application/pdf")
    blog = Document(id="shelters-blog", title="Shelters <b>blog</b>", kind="source",
                    origin=BLOG_URL, sha256="2" * 64, page_count=0, url=BLOG_URL,
                    content_type="text/html")
    brief_chunks, brief_text = laid_out_chunks("brief", BRIEF_PASSAGES)
    report_chunks, report_text = laid_out_chunks(
        "global-report", [(text, (), page, ()) for page, text in REPORT_PAGES]
    )
    blog_chunks, blog_text = laid_out_chunks(
        "shelters-blog", [(HOSTILE_TEXT, ("Shelters",), None, ())]
    )
    sources = (
        Source(id="explainer", url=EXPLAINER_URL, title="Explainer: child trafficking",
               cited_by=(SourceCitation(footnote=1, document_id="brief"),
                         SourceCitation(reference=1, document_id="brief")),
               status="offline", reason="network unreachable"),
        Source(id="report", url=REPORT_URL, title="Global Report on Trafficking 2024",
               cited_by=(SourceCitation(footnote=2, pages=("42",), document_id="brief"),
                         SourceCitation(reference=2, document_id="brief")),
               status="fetched", content_type="application/pdf", document_id="global-report",
               page_count=90, chunk_count=len(report_chunks)),
        Source(id="protocol", url=None, title="Protocol to Prevent Trafficking in Persons",
               cited_by=(SourceCitation(footnote=3, document_id="brief"),
                         SourceCitation(reference=3, document_id="brief")),
               status="no_url"),
        Source(id="blog", url=BLOG_URL, title="Shelters",
               cited_by=(SourceCitation(footnote=4, document_id="brief"),),
               status="cached", content_type="text/html", document_id="shelters-blog",
               chunk_count=len(blog_chunks)),
    )
    return Corpus(
        documents=(brief, report, blog),
        chunks=brief_chunks + report_chunks + blog_chunks,
        footnotes=FOOTNOTES,
        references=REFERENCES,
        sources=sources,
        document_texts={"brief": brief_text, "global-report": report_text,
                        "shelters-blog": blog_text},
    )


def build_synthetic_index(index_dir: Path, embedder: Any) -> Path:
    """Write the synthetic corpus's index to `index_dir` (a symlink to a version directory)."""
    from index.writer import write_index

    write_index(synthetic_corpus(), index_dir, embedder, progress=False)
    return index_dir


def build_brief_index(index_dir: Path, embedder: Any) -> Path:
    """Index the shipped brief (PDF only, no fetching) — what a first `python app.py` does."""
    from index.writer import write_index
    from ingest.pipeline import build_corpus

    corpus = build_corpus([REPO / "corpus"], progress=False)
    assert corpus.documents, corpus.errors
    write_index(corpus, index_dir, embedder, progress=False)
    return index_dir


_SHARED: dict[str, tuple[Path, Any]] = {}


def real_brief_index(tmp_root: Path) -> tuple[Path, Any]:
    """(index of the shipped brief, real embedder), built once per test session."""
    if "brief" not in _SHARED:
        from index.embedder import load_embedder

        embedder = load_embedder(None)
        _SHARED["brief"] = (build_brief_index(tmp_root / "index", embedder), embedder)
    return _SHARED["brief"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(
    index_dir: Path, embedder: Any = None, upload_policy: Any = None
) -> Iterator[tuple[Any, str]]:
    """The app, launched in this process on a free loopback port: (its Blocks, its base URL).
    `upload_policy` (an `UploadPolicy`): whether the Briefs tab takes uploads."""
    import app

    provider = app.AssistantProvider(index_dir, embedder=embedder)
    handlers = app.Handlers(provider)
    if upload_policy is not None:
        handlers.briefs.policy = upload_policy
    demo = app.build_demo(provider, handlers)
    port = free_port()
    demo.launch(
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
        **app.launch_options(),
    )
    try:
        yield demo, f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@contextmanager
def serve(index_dir: Path, embedder: Any = None, upload_policy: Any = None) -> Iterator[str]:
    """The app on a free loopback port; yields its base URL."""
    with serving(index_dir, embedder, upload_policy) as (_, url):
        yield url
