"""Definitions first: "What is X?", "define X", "what does X mean" are answered by the
passage that defines X, when the brief has one.

A question asks for a definition when it has one of the usual shapes; its *term* is what it
asks about ("What is the definition of child trafficking?" → child trafficking). A sentence
defines the term when it is definition-shaped and its subject is the term:

- a gloss: "Child trafficking: recruitment, transportation, …" (a key-terms list);
- "X is defined as / refers to / means / denotes / is the term for …", "the term “X” …";
- "X is/are a/an/the …" (genus and difference; weaker than the two above);
- "…, known as X, …", "(also referred to as X)": naming in passing (as weak as the last).

Nothing here knows a brief: the shapes are English, the term comes from the question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.text.sentences import sentence_spans
from assistant.text.stems import content_stems, stem
from index.fusion import Ranked

_TERM = re.compile(
    r"^\s*(?:"
    r"(?:what|which)\s+(?:is|are|was|were)\s+(?:the\s+)?(?:definition|meaning)\s+of\s+"
    r"(?:the\s+(?:term|word|concept|expression)\s+)?(?P<a>.+?)"
    r"|(?:please\s+)?define\s+(?:the\s+(?:term|word|concept)\s+)?(?P<b>.+?)"
    r"|(?:the\s+)?(?:definition|meaning)\s+of\s+(?P<c>.+?)"
    r"|what\s+(?:does|do)\s+(?:the\s+(?:term|word|expression)\s+)?(?P<d>.+?)\s+(?:mean|refer\s+to|"
    r"stand\s+for)"
    r"|what\s+is\s+meant\s+by\s+(?P<e>.+?)"
    r"|what\s+do\s+(?:we|you|they|delegates)\s+mean\s+by\s+(?P<f>.+?)"
    r"|(?:what|who)\s+(?:is|are|was|were)\s+(?:a|an|the)?\s*(?P<g>.+?)"
    r")\s*(?:,?\s+(?:according\s+to|in|as\s+used\s+in|as\s+defined\s+in)\s+(?:the|this)\s+"
    r"(?:brief|guide|background\s+guide|document|text)\s*)?[?.!]*\s*$",
    re.IGNORECASE,
)
# The term's length in content words: longer "what is …" questions ask about a fact.
MAX_TERM_WORDS = 5
# A definition's subject: the term with at most this many other content words ("The
# revised Palermo Protocol"; frame words such as "the term" do not count).
SUBJECT_SLACK = 1
_GLOSS = re.compile(r"^\s*(?P<subject>[^.:;\n]{2,80}?)\s*[:–—]\s+\S")
_STRONG = re.compile(
    r"^\s*(?P<subject>[^.:;\n]{2,100}?)\s*,?\s+(?:is\s+(?:commonly\s+|generally\s+|often\s+)?"
    r"(?:defined|understood|described)\s+as|can\s+be\s+defined\s+as|(?:is|are)\s+the\s+"
    r"(?:term|name)\s+(?:for|given\s+to)|refers?\s+to|means|denotes|signifies)\b",
    re.IGNORECASE,
)
_WEAK = re.compile(
    r"^\s*(?P<subject>[^.:;\n]{2,80}?)\s*,?\s+(?:is|are|was|were)\s+(?:a|an|the|one)\b",
    re.IGNORECASE,
)
# Naming in passing: "the unification of A and B, known as X, …", "(also called X)": the
# sentence says what X is, less plainly than a gloss.
_NAMED = re.compile(
    r"\b(?:(?:also|commonly|widely|better|often)\s+)?(?:known|referred\s+to)\s+as\s+"
    r"[\"“‘']?(?P<subject>[^,.;:()\"”’\n]{2,60}?)[\"”’']?\s*(?=[,.;:)]|$)",
    re.IGNORECASE,
)
_PREPOSITIONS = frozenset(
    ("of", "on", "in", "for", "to", "from", "with", "by", "about", "against", "among",
     "between", "within", "under", "over", "at", "into")
)
_FRAME = frozenset(content_stems("term word concept expression notion definition called"))
STRONG, WEAK = 2, 1


def asked_term(question: str) -> tuple[str, ...] | None:
    """Content stems of the term a definition question asks about; None for other questions."""
    m = _TERM.match(" ".join(question.split()))
    if m is None:
        return None
    term = next(g for g in m.groups() if g is not None)
    stems = tuple(dict.fromkeys(content_stems(term)))
    if not stems or len(stems) > MAX_TERM_WORDS:
        return None
    return stems


def _subject_is(subject: str, term: Sequence[str]) -> bool:
    """The subject names the term: its words (a parenthesised alias apart) are the term's,
    with at most `SUBJECT_SLACK` others, and no preposition joins another word to it ("Rules
    on bycatch" is about rules). An alias in parentheses may be the term: "… (CRC)"."""
    alias = " ".join(re.findall(r"\(([^)]*)\)", subject))
    main = re.sub(r"\([^)]*\)", " ", subject)
    if alias and set(term) <= set(content_stems(alias)):
        return True
    wanted = set(term)
    tokens = [w for w in re.findall(r"[\w'-]+", main)]
    inside = [stem(w) in wanted for w in tokens]
    for i, token in enumerate(tokens):
        if token.lower() in _PREPOSITIONS and not (any(inside[:i]) and any(inside[i + 1 :])):
            return False  # "Rules on bycatch", "Reducing bycatch in shrimp trawling"
    stems = [s for s in dict.fromkeys(content_stems(main)) if s not in _FRAME]
    return wanted <= set(stems) and len(stems) - len(wanted) <= SUBJECT_SLACK


def definition_strength(sentence: str, term: Sequence[str]) -> int:
    """How plainly `sentence` defines `term`: 2 (gloss, "is defined as", "refers to", …),
    1 ("X is a …"), 0 (it does not define it)."""
    for pattern, strength in ((_GLOSS, STRONG), (_STRONG, STRONG), (_WEAK, WEAK)):
        m = pattern.match(sentence)
        if m is not None and _subject_is(m.group("subject"), term):
            return strength
    if any(_subject_is(m.group("subject"), term) for m in _NAMED.finditer(sentence)):
        return WEAK
    return 0


def passage_strength(text: str, term: Sequence[str]) -> int:
    """The plainest definition of `term` among the sentences of a passage (0: none)."""
    return max((definition_strength(text[s:e], term) for s, e in sentence_spans(text)),
               default=0)


def definitions_first(
    ranked: Sequence[Ranked], texts: Sequence[str], term: Sequence[str]
) -> list[Ranked]:
    """`ranked` (row, score) with the passages defining `term` moved to the front: the
    plainest definition first, retrieval order within each strength; the rest keep theirs."""
    strengths = [passage_strength(text, term) for text in texts]
    defining = [i for i, s in enumerate(strengths) if s]
    if not defining:
        return list(ranked)
    order = sorted(defining, key=lambda i: -strengths[i])
    rest = [i for i in range(len(ranked)) if not strengths[i]]
    return [ranked[i] for i in [*order, *rest]]
