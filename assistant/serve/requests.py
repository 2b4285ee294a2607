"""Validation at the edge: what an API client, the app or the CLI sends becomes an `AskRequest`.

Every field is checked once, here, with one clear message naming it (a `RequestError`), so
that no raw Python error text ("'NoneType' object has no attribute 'split'") reaches a user,
and every request's work is bounded: text that cannot be encoded (lone surrogates) is cleaned
for that request alone, the question and each history item are cut like a question, and the
history keeps only its most recent items.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from index.errors import QueryError
from index.modes import SEARCH_MODES as MODES
from index.modes import SearchMode

# Longer questions are cut here: nobody types more, the model reads only ~256 tokens anyway,
# and a pasted 100 KB document would otherwise cost seconds of tokenizing for nothing.
MAX_QUERY_CHARS = 2_000
MAX_K = 10
DEFAULT_K = 5
# A follow-up resolves against the last few turns; older ones never change the answer, so
# they are dropped instead of costing time (a history of 100 × 50 KB took 17-21 s).
MAX_HISTORY_ITEMS = 20


class RequestError(QueryError):
    """One field of a request is unusable; the message names the field."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class InvalidRequest(QueryError):
    """Several fields of one request are unusable: every one of them, one message each."""

    def __init__(self, errors: Sequence[RequestError]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(str(error) for error in self.errors))


# How the command line names each field (`brief-qa ask QUESTION -k N --mode M ...`).
CLI_FIELDS = {"query": "QUESTION", "claim": "CLAIM", "number": "N", "k": "-k",
              "mode": "--mode", "only": "--only", "brief": "--brief"}


@dataclass(frozen=True)
class AskRequest:
    """A validated, normalised question: safe to hash, encode and answer."""

    query: str
    k: int = DEFAULT_K
    mode: SearchMode = "hybrid"
    only: str | None = None
    history: tuple[str, ...] = ()
    brief: str | None = None  # a brief's document id: that brief and the sources it cites


def clean_text(text: str) -> str:
    """`text` without what cannot be encoded as UTF-8 (lone surrogates) or shown (NUL,
    control characters other than whitespace); whitespace is collapsed."""
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8") if _has_surrogate(text) else text
    text = "".join(c for c in text if c >= " " or c in "\t\n\r")
    return " ".join(text.split())


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def cut_question(text: str) -> str:
    """`text` cut to `MAX_QUERY_CHARS`, at a word boundary when one is reasonably close."""
    if len(text) <= MAX_QUERY_CHARS:
        return text
    cut = text[:MAX_QUERY_CHARS]
    space = cut.rfind(" ")
    return cut[:space] if space > MAX_QUERY_CHARS * 0.8 else cut


def question_text(value: Any, field: str = "query") -> str:
    """A question from any client value: a string, cleaned and cut; never empty."""
    if value is None:
        raise RequestError(field, "missing: send the question as a string")
    if not isinstance(value, str):
        raise RequestError(field, f"must be a string, got {type(value).__name__}")
    text = cut_question(clean_text(value))
    if not text:
        raise RequestError(field, "empty: type a question")
    return text


def passages_k(value: Any) -> int:
    """`k` (how many passages) from any client value, clamped to 1..MAX_K; None → default."""
    if value is None:
        return DEFAULT_K
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise RequestError("k", f"must be a whole number from 1 to {MAX_K}")
    wrong = f"must be a whole number from 1 to {MAX_K}, got {value!r}"
    try:
        number = float(value)
    except ValueError:
        raise RequestError("k", wrong) from None
    if not math.isfinite(number):
        raise RequestError("k", wrong)
    return max(1, min(MAX_K, int(number)))


def search_mode(value: Any) -> SearchMode:
    if value is None:
        return "hybrid"
    if not isinstance(value, str) or value.strip().lower() not in MODES:
        raise RequestError("mode", f"unknown mode {value!r}; use {', '.join(MODES)}")
    return cast("SearchMode", value.strip().lower())


def scope(value: Any) -> str | None:
    """`only` / the filter dropdown: None (everything), "brief", "sources" or a document id."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise RequestError("only", f"must be a string (brief, sources or a document id), "
                           f"got {type(value).__name__}")
    text = clean_text(value)
    if not text or text == "all":
        return None
    if text.startswith("doc:"):
        text = text[4:]
    if len(text) > 500:
        raise RequestError("only", "too long to be a document id")
    return text


def history_items(value: Any) -> tuple[str, ...]:
    """Earlier questions, oldest first: each a string, cleaned and cut like the question;
    only the last MAX_HISTORY_ITEMS are kept (older ones cannot change a follow-up)."""
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise RequestError("history", "must be a list of earlier questions (strings)")
    recent = list(value[-MAX_HISTORY_ITEMS:])
    items: list[str] = []
    for offset, item in enumerate(recent, start=len(value) - len(recent)):
        if not isinstance(item, str):
            raise RequestError(
                f"history[{offset}]", f"must be a string, got {type(item).__name__}"
            )
        text = cut_question(clean_text(item))
        if text:
            items.append(text)
    return tuple(items)


def ask_request(
    query: Any,
    k: Any = DEFAULT_K,
    mode: Any = "hybrid",
    only: Any = None,
    history: Any = None,
    brief: Any = None,
) -> AskRequest:
    """Validate and normalise every field of a question (raises `RequestError`)."""
    return AskRequest(
        query=question_text(query),
        k=passages_k(k),
        mode=search_mode(mode),
        only=scope(only),
        history=history_items(history),
        brief=brief_id(brief),
    )


def claim_text(value: Any) -> str:
    """A claim to check: a string, cleaned; its length is judged by `parse_claim`."""
    if value is None:
        raise RequestError("claim", "missing: send the claim as a string")
    if not isinstance(value, str):
        raise RequestError("claim", f"must be a string, got {type(value).__name__}")
    return clean_text(value)


def footnote_number(value: Any) -> int:
    """A footnote number from any client value."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise RequestError("number", "must be a footnote number")
    try:
        number = float(value)
    except ValueError:
        raise RequestError("number", f"must be a footnote number, got {value!r}") from None
    if not math.isfinite(number) or number != int(number) or number < 1:
        raise RequestError("number", f"must be a footnote number (1, 2, …), got {value!r}")
    return int(number)


_BRIEF_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,199}$")


@dataclass(frozen=True)
class FootnoteRef:
    """A footnote picked by a client: `number`, of `brief` (None: of every loaded brief)."""

    number: int
    brief: str | None = None


def footnote_ref(value: Any) -> FootnoteRef:
    """A footnote from any client value: 5, "5" or "brief-id:5" (the footnote picker's)."""
    if isinstance(value, str) and ":" in value:
        brief, _, number = value.rpartition(":")
        return FootnoteRef(footnote_number(number), brief_id(brief))
    return FootnoteRef(footnote_number(value))


def brief_id(value: Any) -> str | None:
    """A brief's document id from a client (None or "" = no scope); the index checks it is
    loaded. Ids are made from file names: lower-case letters, digits and dashes."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _BRIEF_ID.match(value):
        raise RequestError("brief", "must be a brief id as `brief-qa briefs` lists them")
    return value


@dataclass(frozen=True)
class SearchScope:
    """Where a question searches: `only` ("brief", "sources", a document id) within `brief`."""

    only: str | None = None
    brief: str | None = None


def search_scope(value: Any) -> SearchScope:
    """The "Search in" dropdown's value: "all", "brief", "sources", "doc:<id>", or
    "brief:<id>" (that brief and the sources it cites, as `--brief`)."""
    if isinstance(value, str) and value.startswith("brief:"):
        return SearchScope(brief=brief_id(value.removeprefix("brief:")))
    return SearchScope(only=scope(value))


# ------------------------------------------------------------------ the command line


def every_field(
    checks: Mapping[str, Callable[[], Any]], names: Mapping[str, str] = CLI_FIELDS
) -> dict[str, Any]:
    """Run each field's check; every failure is reported together (`InvalidRequest`), each
    under the name the caller knows the field by (`names`: the CLI's arguments)."""
    values: dict[str, Any] = {}
    errors: list[RequestError] = []
    for key, check in checks.items():
        try:
            values[key] = check()
        except RequestError as exc:
            errors.append(RequestError(names.get(exc.field, exc.field), exc.reason))
    if errors:
        raise InvalidRequest(errors)
    return values


def cli_ask_request(question: Any, k: Any, mode: Any, only: Any, brief: Any) -> AskRequest:
    """`brief-qa ask`'s arguments, checked as the API checks them (`InvalidRequest`)."""
    values = every_field({
        "query": lambda: question_text(question),
        "k": lambda: passages_k(k),
        "mode": lambda: search_mode(mode),
        "only": lambda: scope(only),
        "brief": lambda: brief_id(brief),
    })
    return AskRequest(**values)


def cli_check_request(claim: Any, k: Any, brief: Any) -> tuple[str, int, str | None]:
    """`brief-qa check`'s arguments: (claim, k, brief)."""
    values = every_field({
        "claim": lambda: _nonempty_claim(claim),
        "k": lambda: passages_k(k),
        "brief": lambda: brief_id(brief),
    })
    return values["claim"], values["k"], values["brief"]


def cli_cite_request(number: Any, brief: Any) -> tuple[int, str | None]:
    """`brief-qa cite`'s arguments: (footnote number, brief)."""
    values = every_field({
        "number": lambda: footnote_number(number),
        "brief": lambda: brief_id(brief),
    })
    return values["number"], values["brief"]


def _nonempty_claim(value: Any) -> str:
    text = claim_text(value)
    if not text:
        raise RequestError("claim", "empty: type the claim to check")
    return text
