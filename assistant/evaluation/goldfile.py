"""Gold files: JSON lines, one item each, and the held-out part of a gold set.

    {"id": "q01", "kind": "question", "query": "...", "gold": ["verbatim snippet", ...],
     "footnotes": [5], "page": "42", "lang": "es"}
    {"id": "c01", "kind": "claim", "query": "...", "gold": [...], "verdict": "supported"}
    {"id": "l01", "kind": "lookup", "query": "what is footnote 5?", "footnotes": [5], "page": "42"}
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from assistant.errors import GoldFileError
from assistant.records import VerdictLabel

GoldKind = Literal["question", "claim", "lookup"]
_KINDS: tuple[str, ...] = get_args(GoldKind)
_VERDICTS: tuple[str, ...] = get_args(VerdictLabel)
_FIELDS = frozenset({"id", "kind", "query", "gold", "footnotes", "verdict", "page", "lang"})


@dataclass(frozen=True)
class GoldItem:
    """One line of a gold file."""

    id: str
    kind: GoldKind
    query: str
    gold: tuple[str, ...] = ()
    footnotes: tuple[int, ...] = ()
    verdict: VerdictLabel | None = None
    page: str | None = None
    lang: str | None = None  # None: English

    @property
    def group(self) -> str:
        """Report group: the kind, with non-English questions kept apart."""
        return self.kind if self.lang in (None, "en") else f"{self.kind}/{self.lang}"


# ------------------------------------------------------------------ gold file

HELDOUT_SHARE = 3  # one item in three (by a hash of its id) is held out from tuning


def heldout(item_id: str) -> bool:
    """Whether a gold item belongs to the held-out part: fixed by its id alone, so the same
    items are held out from every threshold or weight chosen on the gold sets (issue 13)."""
    digest = hashlib.sha1(item_id.encode("utf-8")).hexdigest()
    return int(digest, 16) % HELDOUT_SHARE == 0


def select_part(items: Sequence[GoldItem], part: str) -> tuple[GoldItem, ...]:
    """`part`: "all", "tune" (the part thresholds may be chosen on) or "heldout"."""
    if part == "all":
        return tuple(items)
    if part not in ("tune", "heldout"):
        raise ValueError(f"part must be all, tune or heldout, not {part!r}")
    return tuple(i for i in items if heldout(i.id) == (part == "heldout"))


def load_gold(path: Path) -> tuple[GoldItem, ...]:
    """Parse a gold file; any malformed line raises `GoldFileError(path, line, reason)`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldFileError(path, 0, f"cannot read: {exc}") from exc
    items: list[GoldItem] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = parse_gold_line(line, path, number)
        if item.id in seen:
            reason = f"duplicate id {item.id!r} (first on line {seen[item.id]})"
            raise GoldFileError(path, number, reason)
        seen[item.id] = number
        items.append(item)
    if not items:
        raise GoldFileError(path, 0, "no gold items")
    return tuple(items)


def parse_gold_line(line: str, path: Path | str = "<gold>", number: int = 1) -> GoldItem:
    """One gold item from one JSON line, validated field by field."""

    def fail(reason: str) -> GoldFileError:
        return GoldFileError(path, number, reason)

    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise fail(f"not valid JSON: {exc.msg} at column {exc.colno}") from exc
    if not isinstance(data, dict):
        raise fail(f"expected a JSON object, got {type(data).__name__}")
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise fail(f"unknown field(s) {', '.join(unknown)}")

    def text_field(name: str, *, required: bool) -> str | None:
        value = data.get(name)
        if value is None:
            if required:
                raise fail(f"missing field {name!r}")
            return None
        if not isinstance(value, str) or not value.strip():
            raise fail(f"field {name!r} must be a non-empty string")
        return value

    item_id = text_field("id", required=True)
    kind = text_field("kind", required=True)
    query = text_field("query", required=True)
    assert item_id is not None and kind is not None and query is not None
    if kind not in _KINDS:
        raise fail(f"field 'kind' must be one of {', '.join(_KINDS)}, got {kind!r}")

    gold = data.get("gold", [])
    if not isinstance(gold, list) or not all(isinstance(g, str) and g.strip() for g in gold):
        raise fail("field 'gold' must be a list of non-empty strings")
    footnotes = data.get("footnotes", [])
    if not isinstance(footnotes, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in footnotes
    ):
        raise fail("field 'footnotes' must be a list of positive integers")
    verdict = text_field("verdict", required=False)
    page = data.get("page")
    if page is not None and (not isinstance(page, str | int) or isinstance(page, bool)):
        raise fail("field 'page' must be a string such as \"42\"")
    lang = text_field("lang", required=False)

    if kind == "question" and not gold:
        raise fail("a question needs at least one gold snippet")
    if kind == "claim":
        if verdict not in _VERDICTS:
            raise fail(f"a claim needs 'verdict' in {', '.join(_VERDICTS)}, got {verdict!r}")
        if verdict != "not_found" and not gold:
            raise fail(f"a {verdict} claim needs the gold snippet of its evidence")
    elif verdict is not None:
        raise fail(f"'verdict' is only for claims, not for a {kind}")
    if kind == "lookup" and not footnotes:
        raise fail("a lookup needs the footnote number(s) it should resolve to")
    if page is not None and not footnotes:
        raise fail("'page' is the page a footnote cites: give 'footnotes' too")

    return GoldItem(
        id=item_id,
        kind=kind,  # type: ignore[arg-type]  # checked against _KINDS above
        query=query,
        gold=tuple(gold),
        footnotes=tuple(footnotes),
        verdict=verdict,  # type: ignore[arg-type]  # checked against _VERDICTS above
        page=None if page is None else str(page),
        lang=lang,
    )
