"""Follow-up questions: "and for boys?" after "what share of victims are girls?".

A follow-up is elliptical: it opens with "and …", "what about …", "how about …", "same for
…", or it is short and leans on a pronoun ("is it effective?", "what do they do?"). It is
rewritten against the previous *resolved* question, so chains of follow-ups work:

- slot substitution: a word of the same kind replaces its counterpart in the previous question
  — a group word (girls → boys), a year (2022 → 2019), a name (capitalised phrase: Europe →
  South Asia), a figure;
- otherwise the follow-up's content words are added to the previous question's, and pronouns
  dropped.

A full question (not elliptical) is returned unchanged: history must never hurt it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from assistant.text.numbers import extract, group_of
from assistant.text.stems import STOPWORDS, words

_OPENERS = re.compile(
    r"^\s*(?:and|but|also|or|so)\b(?:\s+(?:for|in|of|about|with|among|regarding))?"
    r"|^\s*(?:what|how)\s+about\b|^\s*what\s+of\b|^\s*(?:the\s+)?same\s+(?:for|in|with)\b"
    r"|^\s*(?:and\s+)?(?:what|how)\s+(?:about|regarding)\b|^\s*(?:for|in|among)\b(?=[^?]{0,40}\??\s*$)",
    re.IGNORECASE,
)
_PRONOUNS = frozenset(
    {"it", "its", "they", "them", "their", "theirs", "this", "that", "these", "those", "there",
     "he", "she", "him", "her", "his", "hers", "such", "same", "one", "ones"}
)
_QUESTION_WORDS = frozenset(
    {"what", "which", "who", "whom", "whose", "when", "where", "why", "how", "is", "are", "do",
     "does", "did", "was", "were", "can", "could", "should", "would", "will", "has", "have"}
)
MAX_FOLLOWUP_CONTENT_WORDS = 4


def _content_words(text: str) -> list[str]:
    return [w for w, _, _ in words(text) if w.lower() not in STOPWORDS and len(w) > 1]


def is_followup(query: str) -> bool:
    """Elliptical questions that cannot stand alone."""
    text = " ".join(query.split())
    if not text:
        return False
    content = _content_words(text)
    if _OPENERS.search(text) and len(content) <= MAX_FOLLOWUP_CONTENT_WORDS + 1:
        return True
    lowered = [w.lower() for w, _, _ in words(text)]
    has_pronoun = any(w in _PRONOUNS for w in lowered)
    return has_pronoun and len(content) <= 2


def resolve(query: str, history: Sequence[str]) -> str:
    """The question `query` stands for, given the previous user turns (oldest first)."""
    text = " ".join(query.split())
    if not history or not is_followup(text):
        return text
    previous = resolve(history[-1], history[:-1])
    if not previous.strip():
        return text
    return rewrite(text, previous)


class Slot(NamedTuple):
    """A substitutable part of a question: a figure, a group word or a name, and where it is."""

    kind: str  # "figure:<kind>", "group" or "name"
    start: int
    end: int
    surface: str


def _slots(text: str, fragment: bool = False) -> list[Slot]:
    """The substitutable words of a question.

    In a `fragment` ("South Asia?") a capitalised first word is a name, not sentence case.
    """
    out: list[Slot] = []
    for q in extract(text):
        out.append(Slot(f"figure:{q.kind}", q.start, q.end, text[q.start : q.end]))
    for word, start, end in words(text):
        if any(s <= start < e for _, s, e, _ in out):
            continue
        if group_of(word) is not None:
            out.append(Slot("group", start, end, word))
    # Names: runs of capitalised words ("South Asia", "Europe and North America").
    for m in _NAME.finditer(text):
        start, surface = m.start(), m.group()
        # "Do Europe and North America …": a capitalised question word is not part of it.
        while surface.split()[0].lower() in STOPWORDS | _QUESTION_WORDS:
            rest = surface.split(maxsplit=1)
            if len(rest) < 2:
                surface = ""
                break
            start += len(surface) - len(rest[1])
            surface = rest[1]
        if not surface or any(s <= start < e for _, s, e, _ in out):
            continue
        if group_of(surface.split()[0]) is not None:
            continue
        at_start = not text[:start].strip() or text[:start].rstrip().endswith((".", "?"))
        if at_start and not fragment and start == m.start():
            continue
        out.append(Slot("name", start, start + len(surface), surface))
    return sorted(out, key=lambda slot: slot[1])


_NAME = re.compile(
    r"\b[A-Z][\w'-]*(?:\s+(?:(?:and|of|on|for|against|in)\s+(?:the\s+)?)?[A-Z][\w'-]*)*"
)
_REFERRING = frozenset({"it", "its", "they", "them", "their", "this", "that", "these", "those"})


def rewrite(followup: str, previous: str) -> str:
    """Combine an elliptical `followup` with the `previous` question."""
    body = _OPENERS.sub("", followup).strip(" ?,.")
    if not body:
        return previous
    tokens = [w.lower() for w, _, _ in words(body)]
    if tokens and (tokens[0] in _QUESTION_WORDS or _REFERRING & set(tokens)):
        return _resolve_references(body, previous)
    return _substitute(body, previous)


def _resolve_references(body: str, previous: str) -> str:
    """ "when was it created" + "What is the Palermo Protocol?" → "when was the Palermo
    Protocol created?": the first referring pronoun becomes the previous question's topic."""
    slots = _slots(previous)
    topic = next((s.surface for s in slots if s.kind == "name"), None)
    group = next((s.surface for s in slots if s.kind == "group"), None)
    for word, start, end in words(body):
        lower = word.lower()
        if lower not in _REFERRING:
            continue
        referent = topic if topic is not None else group if lower.startswith("the") else None
        if referent is None:
            break
        if lower in ("its", "their"):
            referent = f"{referent}'s" if not referent.endswith("s") else f"{referent}'"
        elif topic is not None and lower in ("it", "this", "that"):
            referent = f"the {referent}" if not referent.lower().startswith("the ") else referent
        return f"{body[:start]}{referent}{body[end:]}?"
    extra = " ".join(
        w for w in _content_words(previous) if w.lower() not in body.lower()
    )
    return f"{body} ({extra})?" if extra else f"{body}?"


def _substitute(body: str, previous: str) -> str:
    """ "boys" + "what share of victims are girls?" → "what share of victims are boys?"."""
    new_slots = _slots(body, fragment=True)
    old_slots = _slots(previous)
    replacements: list[tuple[int, int, str]] = []
    used: set[int] = set()
    placed: list[str] = []
    for kind, _, _, surface in new_slots:
        for i, (old_kind, start, end, old_surface) in enumerate(old_slots):
            if i in used or old_kind != kind:
                continue
            used.add(i)
            placed.append(surface)
            if old_surface.lower() != surface.lower():
                replacements.append((start, end, surface))
            break
    result = previous
    for start, end, surface in sorted(replacements, reverse=True):
        result = result[:start] + surface + result[end:]
    leftovers = [
        w for w in _content_words(body)
        if w.lower() not in _PRONOUNS
        and not any(w in surface for surface in placed)
        and w.lower() not in result.lower()
    ]
    if leftovers:
        result = f"{result.rstrip(' ?')} {' '.join(leftovers)}?"
    return result
