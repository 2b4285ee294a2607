"""How well one sentence answers a question, and passages reranked by their best sentence.

`SentenceScorer` (dense cosine + word coverage) says how close a sentence is to the question;
this module adds what the question *asks for*, read from its wording alone:

- a quantity ("how many", "what share") → a sentence stating a figure (`figure_bonus`); a
  figure given only for some places does not answer a question naming none;
- a time ("when", "what year") → a sentence with no date, year or month is a poor answer;
- a reason ("why") → a sentence stating a cause ("because", "due to", "led to", …);
- a group ("girls") or a term to define ("What is X?") → sentences about it (definitions).

Headings ("Kofi Annan on Battlegroups", "PROVISIONS OF THE TREATY") and questions are never
answers. `rerank` orders a deeper retrieval list by each passage's best sentence value with a
small prior for the retriever's order, so that the passage holding the best answer comes
first. Nothing here knows a brief: every cue is English question and sentence shape.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.answer.definitions import asked_term, definition_strength
from assistant.text.numbers import group_of, places
from assistant.text.sentences import ScoredSentence
from assistant.text.stems import words
from ingest.records import Chunk

MIN_ANSWER_WORDS = 4
GROUP_BONUS = 0.1
# "What is X?": a sentence defining X is the direct answer (per strength: gloss/"refers to" 2,
# "X is a …" 1).
DEFINITION_BONUS = 0.1
FIGURE_BONUS = 0.08
PLACE_SCOPE_PENALTY = 0.2
# Chosen on the tune part of the gold sets (issue 13): `brief-qa eval --part tune`.
TIME_PENALTY = 0.1  # a "when" question, a sentence with no date
CAUSE_BONUS = 0.25  # a "why" question, a sentence stating a cause
# `rerank`: how many retrieved passages are reordered, and the retriever's prior per rank.
RERANK_DEPTH = 20
RANK_PRIOR = 0.01


# ------------------------------------------------------------------ what the question asks

# A question asking for a quantity is answered by a sentence that states one; a figure or
# year named in the question should appear in its answer.
_ASKS_FOR_QUANTITY = re.compile(
    r"\b(how (many|much|often)|what (share|proportion|percentage|percent|fraction|number|"
    r"part)|(share|proportion|percentage|fraction|number) of|when|what year)\b",
    re.IGNORECASE,
)
# A number written onto letters is part of a name, not a figure: "WW2", "G20", "H1N1".
_FIGURE = re.compile(r"(?<!\w)\d+(?:[.,]\d+)*")
# Numbers that label rather than state: "Figure 2", "Table 1", "p. 42", "No. 5", "World War 2".
_LABEL_NUMBER = re.compile(r"\b(?:fig(?:ure)?|table|chart|no|pp?|page|war)\.?\s*\d+",
                           re.IGNORECASE)
# A figure given only for some places does not answer a question that names none: "What share
# of victims were children?" is answered by the global 38%, not by "Central America … 60%".
_ASKS_WHERE = re.compile(r"\b(where|which|what) (regions?|countries|country|places?|areas?)\b|"
                         r"\bwhere\b", re.IGNORECASE)
# "When …?" as the question word (not "what happens when …"), "what year", "since when".
_ASKS_TIME = re.compile(
    r"^\s*(?:and\s+|so\s+)?when\b|\bwhen\s+(?:was|were|did|do|does|is|are|has|have|had|will)\b"
    r"|\b(?:what|which)\s+(?:year|date|month|day|decade|century)\b|\bsince\s+when\b",
    re.IGNORECASE,
)
_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|"
           "December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec")
# Case-sensitive: "May" the month, not "may" the verb.
_TIME = re.compile(rf"\b(?:1[0-9]{{3}}|20[0-9]{{2}})s?\b|\b(?:{_MONTHS})\b|\b[Cc]entur(?:y|ies)\b")
_ASKS_CAUSE = re.compile(
    r"^\s*(?:and\s+)?why\b|\bwhy\s+(?:was|were|did|do|does|is|are|has|have|had|would|could)\b"
    r"|\bfor\s+what\s+reasons?\b|\bwhat\s+(?:caused|causes|led\s+to|leads\s+to)\b|\bhow\s+come\b",
    re.IGNORECASE,
)
_CAUSE = re.compile(
    r"\b(?:because|due\s+to|owing\s+to|as\s+a\s+result|result(?:ed|s)?\s+(?:in|from)|caused?|"
    r"led\s+to|leads?\s+to|factors?|reasons?|prevent(?:ed|s)?|hinder(?:ed|s)?|fail(?:ed|s|ure)?|"
    r"so\s+that|thus|therefore|consequently|lack)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AnswerCues:
    """What a question asks for, read once per question."""

    query: str
    groups: frozenset[str]
    term: tuple[str, ...] | None  # the term of a definition question
    asks_time: bool
    asks_cause: bool

    @classmethod
    def of(cls, query: str) -> AnswerCues:
        groups = frozenset(g for w, _, _ in words(query) if (g := group_of(w)) is not None)
        return cls(query=query, groups=groups, term=asked_term(query),
                   asks_time=_ASKS_TIME.search(query) is not None,
                   asks_cause=_ASKS_CAUSE.search(query) is not None)


@dataclass(frozen=True)
class _Facts:
    """What a sentence states, by its text alone: read once per distinct sentence (a question
    is compared with every sentence of twenty passages, the same ones again and again)."""

    groups: frozenset[str]
    figures: frozenset[str]  # numbers that state (not "Figure 2", "p. 42")
    placed: bool  # names a place
    dated: bool  # a year, month or century
    causal: bool  # states a cause
    title_case: bool  # no sentence punctuation, every word capitalised


@lru_cache(maxsize=65_536)
def _facts(text: str) -> _Facts:
    found = _TITLE_WORD.findall(text)
    title_case = (not _TERMINAL.search(text) and bool(found)
                  and all(w[0].isupper() or w.lower() in _MINOR for w in found))
    return _Facts(
        groups=frozenset(g for w, _, _ in words(text) if (g := group_of(w)) is not None),
        figures=frozenset(_FIGURE.findall(_LABEL_NUMBER.sub(" ", text))),
        placed=bool(places(text)),
        dated=_TIME.search(text) is not None,
        causal=_CAUSE.search(text) is not None,
        title_case=title_case,
    )


def group_bonus(groups: frozenset[str] | set[str], sentence: ScoredSentence) -> float:
    if not groups:
        return 0.0
    return GROUP_BONUS * len(groups & _facts(sentence.text).groups) / len(groups)


@lru_cache(maxsize=4096)
def _query_figures(query: str) -> tuple[frozenset[str], bool, bool]:
    """(figures named, asks for a quantity, a figure for some places answers it)."""
    asks = _ASKS_FOR_QUANTITY.search(query) is not None
    scoped = asks and not _ASKS_WHERE.search(query) and not places(query)
    return frozenset(_FIGURE.findall(query)), asks, scoped


def figure_bonus(query: str, sentence: ScoredSentence) -> float:
    asked, asks, _ = _query_figures(query)
    figures = _facts(sentence.text).figures
    named = FIGURE_BONUS * len(asked & figures)
    if not asks:  # a figure the question names belongs in its answer ("Which are Tier 3?")
        return named
    # A question asking for a quantity is answered by a sentence stating one; repeating the
    # question's own year (a caption, a title) states none.
    return FIGURE_BONUS + named if figures - asked else 0.0


def place_scope_penalty(query: str, sentence: ScoredSentence) -> float:
    if not _query_figures(query)[2]:
        return 0.0
    return PLACE_SCOPE_PENALTY if _facts(sentence.text).placed else 0.0


def sentence_value(cues: AnswerCues, sentence: ScoredSentence) -> float:
    """The sentence's score plus what the question asks for (no retrieval rank)."""
    text = sentence.text
    value = (sentence.score + group_bonus(cues.groups, sentence)
             + figure_bonus(cues.query, sentence) - place_scope_penalty(cues.query, sentence))
    if cues.term is not None:
        value += DEFINITION_BONUS * definition_strength(text, cues.term)
    if cues.asks_time and not _facts(text).dated:
        value -= TIME_PENALTY
    if cues.asks_cause and _facts(text).causal:
        value += CAUSE_BONUS
    return value


# ------------------------------------------------------------------ which sentences answer

_TERMINAL = re.compile(r"[.!?;:\"”’')\]]\s*$")
_TITLE_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
_MINOR = frozenset(("a", "an", "and", "at", "by", "de", "for", "from", "in", "of", "on", "or",
                    "the", "to", "with"))


def is_heading(sentence: ScoredSentence) -> bool:
    """A section heading printed in the passage ("Kofi Annan on Battlegroups", "PROVISIONS OF
    THE TREATY"): one of the chunk's section titles, or a line with no sentence punctuation
    whose every word is capitalised. A heading names a topic; it answers nothing."""
    text = " ".join(sentence.text.split())
    return (_facts(text).title_case
            or any(text == " ".join(h.split()) for h in sentence.chunk.section))


def is_question(sentence: ScoredSentence) -> bool:
    return sentence.text.rstrip().endswith("?")


def is_answer(sentence: ScoredSentence) -> bool:
    """Questions (the brief's guiding questions), fragments and headings are never answers."""
    text = sentence.text.rstrip()
    return (not is_question(sentence) and len(text.split()) >= MIN_ANSWER_WORDS
            and not is_heading(sentence))


# A sentence that cannot stand alone: it points back at the one before ("These efforts have
# led to …", "As a result, …"). Shown after the answer it completes.
_REFERS_BACK = re.compile(
    r"^\s*(?:this|these|that|those|such|it|its|they|their|them|he|she|his|her|"
    r"as\s+a\s+result|thus|therefore|consequently|hence)\b",
    re.IGNORECASE,
)


def continued_span(chunk: Chunk, span: tuple[int, int],
                   spans: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """`span` extended over the next sentence of its paragraph when that sentence refers back
    to it: "… international operations have been created." + "These efforts have led to the
    mass arrest of traffickers …" is one answer."""
    if span not in spans:
        return span
    position = spans.index(span)
    if position + 1 >= len(spans):
        return span
    start, end = spans[position + 1]
    if "\n\n" in chunk.text[span[1] : start]:  # a new paragraph starts its own topic
        return span
    if not _REFERS_BACK.match(chunk.text[start:end]):
        return span
    return (span[0], end)


# ------------------------------------------------------------------ passages by best answer


@dataclass(frozen=True)
class Reranked:
    """One passage of a reranked list: its row, the blended score and its retrieval rank."""

    row: int
    score: float
    retrieval_rank: int


def passage_value(cues: AnswerCues, sentences: Sequence[ScoredSentence]) -> float | None:
    """The best value among a passage's sentences that answer, or that are questions: a
    guiding question is a fine passage for a question about it, though never the direct
    answer. None: no such sentence (headings and fragments only)."""
    values = [sentence_value(cues, s) for s in sentences if is_answer(s) or is_question(s)]
    return max(values, default=None)


def rerank(rows: Sequence[int], values: Sequence[float | None],
           rank_prior: float = RANK_PRIOR) -> list[Reranked]:
    """`rows` (the retriever's order, best first) ordered by best-sentence value minus
    `rank_prior` per retrieval rank; passages with no answering sentence keep their order
    after the others."""
    floor = min((v for v in values if v is not None), default=0.0) - 1.0
    blended = [
        Reranked(row=row, score=(floor if value is None else value) - rank_prior * position,
                 retrieval_rank=position + 1)
        for position, (row, value) in enumerate(zip(rows, values, strict=True))
    ]
    return sorted(blended, key=lambda r: (-r.score, r.retrieval_rank))
